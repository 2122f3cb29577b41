//! Every text key the templates and the portal's code use exists in every language, and every
//! language has the same keys (the `.ftl` files and the sources are read as text).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::model::settings::Lang;

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// Keys passed as literals to `t.get`, `t.with` and `t.args`, or named `key: "…"` (a text
/// shown later, such as a payment provider's instructions).
fn used_keys(text: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for call in ["t.get(\"", "t.with(\"", "t.args(\"", "key: \""] {
        for (at, _) in text.match_indices(call) {
            // `t` itself, not the end of a longer name (`list.get("…")`).
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &text[at + call.len()..];
            if let Some(end) = rest.find('"') {
                keys.insert(rest[..end].to_owned());
            }
        }
    }
    keys
}

/// Message ids defined in a Fluent file (an identifier at the start of a line, then `=`),
/// with duplicates reported.
fn defined_keys(text: &str, keys: &mut BTreeSet<String>, dupes: &mut Vec<String>) {
    for line in text.lines() {
        let Some((id, _)) = line.split_once('=') else {
            continue;
        };
        let id = id.trim_end();
        let ident = id.starts_with(|c: char| c.is_ascii_lowercase())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ident && !keys.insert(id.to_owned()) {
            dupes.push(id.to_owned());
        }
    }
}

/// `(language, key)` pairs missing: used keys absent from a language, and keys one language
/// has that another lacks.
fn missing(used: &BTreeSet<String>, by_lang: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let all: BTreeSet<&String> = by_lang.values().flatten().chain(used).collect();
    let mut out = Vec::new();
    for (lang, keys) in by_lang {
        for key in &all {
            if !keys.contains(*key) {
                out.push(format!("{lang}: {key}"));
            }
        }
    }
    out
}

#[test]
fn every_key_used_exists_in_every_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("portal-templates"), "html", &mut sources);
    // Guest-facing code: the portal, and outbound messages where they exist.
    for dir in ["src/portal", "src/delivery"] {
        if root.join(dir).is_dir() {
            files(&root.join(dir), "rs", &mut sources);
        }
    }
    sources.push(root.join("src/payment.rs"));
    let mut used = BTreeSet::new();
    for path in &sources {
        // This file names the call patterns themselves.
        if path.ends_with("portal/i18n/keys.rs") {
            continue;
        }
        // Comments show calls as examples.
        let code: String = (std::fs::read_to_string(path).unwrap().lines())
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| format!("{l}\n"))
            .collect();
        used.extend(used_keys(&code));
    }
    assert!(
        used.contains("voucher-label") && used.contains("error-wrong-code"),
        "{used:?}"
    );
    let mut by_lang = BTreeMap::new();
    let mut dupes = Vec::new();
    for lang in Lang::ALL {
        let mut ftl = Vec::new();
        files(
            &root.join("portal-templates/locales").join(lang.code()),
            "ftl",
            &mut ftl,
        );
        let mut keys = BTreeSet::new();
        for path in ftl {
            defined_keys(
                &std::fs::read_to_string(path).unwrap(),
                &mut keys,
                &mut dupes,
            );
        }
        by_lang.insert(lang.code().to_owned(), keys);
    }
    assert_eq!(dupes, Vec::<String>::new(), "keys defined twice");
    assert_eq!(missing(&used, &by_lang), Vec::<String>::new());
}

#[test]
fn the_check_finds_a_key_missing_in_one_language() {
    let used = used_keys(
        r#"{{ t.get("a") }} t.with("b", "n", 1) x.get("not-a-key") list.get("nor-this")"#,
    );
    assert_eq!(used, BTreeSet::from(["a".to_owned(), "b".to_owned()]));
    let mut en = BTreeSet::new();
    let mut dupes = Vec::new();
    defined_keys(
        "a = A\nb = B { $n ->\n   *[other] x\n}\nc = C\n",
        &mut en,
        &mut dupes,
    );
    let mut it = BTreeSet::new();
    defined_keys("a = A\nb = B\n", &mut it, &mut dupes);
    let by_lang = BTreeMap::from([("en".to_owned(), en), ("it".to_owned(), it)]);
    assert_eq!(missing(&used, &by_lang), ["it: c"]);
    defined_keys(
        "a = again\n",
        &mut BTreeSet::from(["a".to_owned()]),
        &mut dupes,
    );
    assert_eq!(dupes, ["a"]);
}
