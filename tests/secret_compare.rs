//! Secret hashes (one-time codes, link tokens, vouchers, passwords) are compared in constant
//! time: an `==` on them lets a guesser learn from response times how many leading bytes of
//! a guess's hash were right. Lookups by hash in SQL are not comparisons in our code; every
//! comparison in code goes through `Mac::verify_slice` or the password hasher's verify.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_secret_hash_is_compared_with_eq() {
    // `code_hash(…) == x`, `x == y.token_hash`, `stored_hash != …`.
    let compare =
        regex::Regex::new(r"hash\w*\([^)]*\)\s*(==|!=)|(==|!=)\s*[\w.]*hash\b|\w_hash\s*(==|!=)")
            .unwrap();
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            if !line.trim_start().starts_with("//") && compare.is_match(line) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "secret hashes compared with ==/!= (use Mac::verify_slice):\n{}",
        found.join("\n")
    );
}
