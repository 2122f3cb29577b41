//! The module table of DESIGN.md, enforced: every `crate::<module>` path in `src/` (in `use`
//! lines and in code) must be one the table allows for the module it is written in. A
//! failure names the file, the line and the rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Modules with nothing in the crate below them: anyone may use them.
const LEAVES: &[&str] = &["metrics", "memory"];

/// Who may use what. An entry `a::b` allows only paths under `crate::a::b`.
const RULES: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("proto", &[]),
    ("config", &["model"]),
    ("store", &["model", "proto"]),
    ("firewall", &["model"]),
    ("sniff", &["model"]),
    ("delivery", &["model"]),
    // Not in the table: the kernel's neighbour table over rtnetlink, an adapter like firewall.
    ("neighbours", &["model"]),
    // Not in the table: paid profiles at the desk, a service beside the gateway's logins.
    ("payment", &["model", "store"]),
    (
        "gateway",
        &[
            "model",
            "proto",
            "config",
            "store",
            "firewall",
            "sniff",
            "delivery",
            "neighbours",
            "payment",
        ],
    ),
    ("portal", &["gateway", "model"]),
    ("sync", &["gateway", "store", "proto", "model", "config"]),
    // The manager's splash preview renders with the gateway's own pure function
    // (`portal::splash::render`), so the venue sees exactly the bytes guests will get; nothing
    // else of `portal` (no guest HTTP, no gateway state).
    ("manager", &["model", "proto", "delivery", "portal::splash"]),
    (
        "control",
        &[
            "model",
            "proto",
            "config",
            "store",
            "firewall",
            "sniff",
            "delivery",
            "neighbours",
            "payment",
            "gateway",
            "portal",
            "sync",
        ],
    ),
    (
        "daemon",
        &[
            "model",
            "proto",
            "config",
            "store",
            "firewall",
            "sniff",
            "delivery",
            "neighbours",
            "payment",
            "gateway",
            "portal",
            "sync",
            "manager",
            "control",
        ],
    ),
    (
        "cli",
        &[
            "model",
            "proto",
            "config",
            "store",
            "firewall",
            "sniff",
            "delivery",
            "neighbours",
            "payment",
            "gateway",
            "portal",
            "sync",
            "manager",
            "control",
            "daemon",
        ],
    ),
];

/// Edges the table forbids that the code still has, each with its reason. (file, path)
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "src/firewall/render.rs",
        "config::Lan",
        "the ruleset is rendered per guest network from the machine config's validated `Lan`; \
         moving `Lan` into `model` is a later cleanup",
    ),
    (
        "src/sniff/capture.rs",
        "config::Lan",
        "capture opens one socket per guest network described by the machine config's `Lan`",
    ),
    (
        "src/neighbours/probe.rs",
        "sniff::devices",
        "the neighbour probe reads ARP replies with sniff's fuzzed frame parser rather than a copy",
    ),
    (
        "src/portal/signup.rs",
        "payment",
        "the signup page shows the desk-payment step; payment is the gateway's sibling service",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::…` paths on one line of code: `crate::a::b`, and each path of a
/// `crate::{a::x, b}` group.
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `hotspotd_crate::`, `other_crate::`: not ours.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            paths.extend(group[..end].split(',').map(|p| p.trim().to_string()));
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        paths.push(rest[..end].trim_end_matches(':').to_string());
    }
    paths.retain(|p| !p.is_empty());
    paths
}

fn allowed(module: &str, path: &str) -> Option<bool> {
    let target = path.split("::").next().unwrap_or_default();
    if target == module || LEAVES.contains(&target) {
        return Some(true);
    }
    if LEAVES.contains(&module) {
        return Some(false);
    }
    let (_, may) = RULES.iter().find(|(m, _)| *m == module)?;
    Some(
        may.iter()
            .any(|rule| path == *rule || path.starts_with(&format!("{rule}::")) || *rule == target),
    )
}

#[test]
fn imports_follow_the_module_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut used_exceptions = BTreeSet::new();
    for file in &files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let module = rel
            .trim_start_matches("src/")
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        // The crate root and the binary compose everything.
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for path in crate_paths(code) {
                match allowed(&module, &path) {
                    Some(true) => {}
                    None => violations.push(format!(
                        "{rel}:{}: module `{module}` is not in the layers table (tests/layers.rs, DESIGN.md)",
                        n + 1
                    )),
                    Some(false) => {
                        let excepted = EXCEPTIONS.iter().find(|(f, p, _)| {
                            *f == rel && (path == *p || path.starts_with(&format!("{p}::")))
                        });
                        match excepted {
                            Some(e) => {
                                used_exceptions.insert((e.0, e.1));
                            }
                            None => violations.push(format!(
                                "{rel}:{}: `{module}` may not use `crate::{path}` (DESIGN.md module table)",
                                n + 1
                            )),
                        }
                    }
                }
            }
        }
    }
    for (file, path, _) in EXCEPTIONS {
        if !used_exceptions.contains(&(*file, *path)) {
            violations.push(format!(
                "{file}: the exception for `crate::{path}` is no longer needed: remove it"
            ));
        }
    }
    assert!(violations.is_empty(), "\n{}", violations.join("\n"));
}

#[test]
fn paths_are_read_from_use_lines_groups_and_code() {
    assert_eq!(
        crate_paths("use crate::model::settings::{A, B};"),
        ["model::settings"]
    );
    assert_eq!(
        crate_paths("use crate::{config::Lan, store};"),
        ["config::Lan", "store"]
    );
    assert_eq!(
        crate_paths("let x = crate::sniff::devices::parse(f); other_crate::x();"),
        ["sniff::devices::parse"]
    );
    assert_eq!(allowed("model", "config::Lan"), Some(false));
    assert_eq!(allowed("manager", "portal::splash::render"), Some(true));
    assert_eq!(allowed("manager", "portal::pages"), Some(false));
    assert_eq!(allowed("firewall", "metrics::ApplyStats"), Some(true));
}
