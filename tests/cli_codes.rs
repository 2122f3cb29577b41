//! The code methods' settings from the CLI, without the daemon: a bad value changes nothing
//! and names the field and the fix.

mod common;

use common::cli::CliSetup;

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_code_method_is_switched_on_only_with_an_existing_profile_and_valid_options() {
    let s = CliSetup::new();
    let sms = r#"{"enabled": true, "profile": "day", "countries": ["IT"]}"#;
    let out = s.run(&["settings", "set", "methods.sms", sms]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("`methods.sms.profile`: there is no profile named \"day\""),
        "{}",
        text(&out)
    );

    assert!(
        s.run(&["profile", "add", "day", "--validity", "1d"])
            .status
            .success()
    );
    for (value, says) in [
        (
            r#"{"enabled": true, "profile": "day"}"#,
            "`methods.sms.countries`: no country is allowed",
        ),
        (
            r#"{"enabled": true, "profile": "day", "countries": ["Italy"]}"#,
            "`methods.sms.countries[0]`",
        ),
        (
            r#"{"enabled": true, "profile": "day", "countries": ["IT"], "budjet": {}}"#,
            "budjet",
        ),
    ] {
        let out = s.run(&["settings", "set", "methods.sms", value]);
        assert!(!out.status.success(), "{value}");
        assert!(text(&out).contains(says), "{value}: {}", text(&out));
    }
    let shown = s.run(&["settings", "show", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        doc["methods"]["sms"]["enabled"], false,
        "a refused change was saved"
    );

    assert!(
        s.run(&["settings", "set", "methods.sms", sms])
            .status
            .success()
    );
    let out = s.run(&["settings", "set", "methods.email.temporary_secs", "5"]);
    assert!(
        text(&out).contains("`methods.email.temporary_secs`: 5 is not between 30 and 1800"),
        "{}",
        text(&out)
    );
}
