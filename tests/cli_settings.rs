//! `hotspotd settings …` without a daemon: the CLI saves in the store with the same checks
//! the daemon makes; export and import round-trip exactly; bad input changes nothing.

mod common;

use std::process::Output;

use common::cli::CliSetup;

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn revision(s: &CliSetup) -> u64 {
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&s.run(&["settings", "show", "--json"]))).unwrap();
    doc["revision"].as_u64().unwrap()
}

/// Asserts `out` failed with one line naming `field` and a fix.
fn refused(out: &Output, field: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "accepted: {out:?}");
    assert!(
        err.contains(&format!("settings field `{field}`")) && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn export_and_import_round_trip_exactly_in_both_formats() {
    let s = CliSetup::new();
    // The config's old name seeds the settings on their first use.
    let first = stdout(&s.run(&["settings", "show"]));
    assert!(first.contains("name = \"CLI\""), "{first}");
    for (field, value) in [
        ("name", "Bar Roma"),
        ("legal.terms.it", "Usate bene la rete."),
        ("sessions.idle_timeout", "20m"),
        ("sessions.rate_up", "5M"),
        ("sessions.shared_users_policy", "end-oldest"),
        (
            "access.allow_macs",
            r#"[{"mac": "02:AB:00:00:00:01", "note": "lobby printer", "down": "8M"}]"#,
        ),
        ("access.garden", r#"["203.0.113.0/24", "*.stripe.com"]"#),
    ] {
        let out = stdout(&s.run(&["settings", "set", field, value]));
        assert!(out.contains("applied when the daemon starts"), "{out}");
    }
    let mut rev = revision(&s);
    for ext in ["json", "toml"] {
        let file = s.dir.path().join(format!("settings.{ext}"));
        let file = file.to_str().unwrap();
        stdout(&s.run(&["settings", "export", file]));
        let exported = std::fs::read_to_string(file).unwrap();
        assert!(
            exported.contains("20m") && exported.contains("5M"),
            "{exported}"
        );
        // The same document again: nothing to save.
        let out = stdout(&s.run(&["settings", "import", file]));
        assert!(out.contains("unchanged"), "{out}");
        assert_eq!(revision(&s), rev);
        // Changed, then imported back: the export's document in force, as a new revision.
        stdout(&s.run(&["settings", "set", "name", "Other"]));
        stdout(&s.run(&["settings", "import", file]));
        let again = stdout(&s.run(&["settings", "export", "--format", ext]));
        let now = revision(&s);
        let strip = |t: &str| {
            t.lines()
                .filter(|l| !l.contains("revision"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(&again), strip(&exported));
        assert!(now > rev);
        rev = now;
    }
    let history = stdout(&s.run(&["settings", "history", "--json"]));
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    let sources: Vec<&str> = (history.as_array().unwrap().iter())
        .map(|h| h["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.last(), Some(&"seed-toml"), "{sources:?}");
    assert!(sources.contains(&"cli-import"), "{sources:?}");
}

#[test]
fn bad_values_unknown_fields_and_bad_files_change_nothing() {
    let s = CliSetup::new();
    stdout(&s.run(&["settings", "set", "name", "Bar Roma"]));
    let rev = revision(&s);
    refused(
        &s.run(&["settings", "set", "sessions.idle_timeout", "20 minutes"]),
        "sessions.idle_timeout",
    );
    refused(
        &s.run(&["settings", "set", "sessions.idel_timeout", "20m"]),
        "sessions.idel_timeout",
    );
    refused(&s.run(&["settings", "set", "name", "   "]), "name");
    refused(
        &s.run(&["settings", "set", "access.block_macs", r#"["printer"]"#]),
        "access.block_macs[0]",
    );
    refused(
        &s.run(&["settings", "set", "access.garden", r#"["*.apple.com"]"#]),
        "access.garden[0]",
    );
    // A file with an unknown table, and one with a bad rate deep inside.
    let bad = s.dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"X\"\n[colours]\nbutton = \"red\"\n").unwrap();
    refused(
        &s.run(&["settings", "import", bad.to_str().unwrap()]),
        "colours",
    );
    let bad = s.dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"access": {"allow_macs": [{"mac": "02:00:00:00:00:01", "down": "fast"}]}}"#,
    )
    .unwrap();
    refused(
        &s.run(&["settings", "import", bad.to_str().unwrap()]),
        "access.allow_macs[0].down",
    );
    // A device blocked with `mac block` cannot be allowed in the settings at the same time.
    stdout(&s.run(&["mac", "block", "02:00:00:00:00:09"]));
    refused(
        &s.run(&[
            "settings",
            "set",
            "access.allow_macs",
            r#"[{"mac": "02:00:00:00:00:09"}]"#,
        ]),
        "access.allow_macs[0].mac",
    );
    assert_eq!(revision(&s), rev, "a refused change saved a revision");
    assert!(stdout(&s.run(&["settings", "show"])).contains("Bar Roma"));
}

#[test]
fn edit_opens_the_editor_and_rollback_restores_a_revision() {
    let s = CliSetup::new();
    let rev = revision(&s);
    let editor = "sed -i -e 's/^name = .*/name = \"Edited\"/' -e 's/^idle_timeout = .*/idle_timeout = \"30m\"/'";
    let out = s.run_with(&["settings", "edit"], &[("EDITOR", editor), ("VISUAL", "")]);
    assert!(stdout(&out).contains(&format!("revision {}", rev + 1)));
    let shown = stdout(&s.run(&["settings", "show"]));
    assert!(
        shown.contains("name = \"Edited\"") && shown.contains("\"30m\""),
        "{shown}"
    );
    // An edit that breaks the document changes nothing and keeps the edit.
    let out = s.run_with(
        &["settings", "edit"],
        &[
            (
                "EDITOR",
                "sed -i -e 's/^idle_timeout = .*/idle_timeout = \"soon\"/'",
            ),
            ("VISUAL", ""),
        ],
    );
    refused(&out, "sessions.idle_timeout");
    assert!(String::from_utf8_lossy(&out.stderr).contains("your edit is kept in"));
    // Back to the seeded revision.
    stdout(&s.run(&["settings", "rollback", &rev.to_string()]));
    assert!(stdout(&s.run(&["settings", "show"])).contains("name = \"CLI\""));
    assert_eq!(revision(&s), rev + 2);
    let out = s.run(&["settings", "rollback", "99"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no revision 99"),
        "{out:?}"
    );
}
