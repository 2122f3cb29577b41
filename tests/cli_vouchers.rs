//! `hotspotd voucher …` against a real database file, without the daemon.

use std::process::Output;

mod common;

use common::cli::CliSetup as Setup;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn create_prints_codes_that_are_stored_only_as_hashes() {
    let s = Setup::new();
    let out = s.run(&[
        "voucher",
        "create",
        "-n",
        "5",
        "--validity",
        "3d",
        "--uses",
        "unlimited",
        "--shared-users",
        "2",
        "--down",
        "10M",
        "--up",
        "2M",
        "--quota",
        "1GB",
        "--note",
        "lobby",
        "--json",
    ]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let codes: Vec<String> = v["vouchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 5);
    for c in &codes {
        assert_eq!(c.len(), 11, "{c}");
        assert_eq!(&c[5..6], "-");
        assert!(
            c.chars()
                .all(|ch| ch == '-' || "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(ch)),
            "{c}"
        );
    }
    // The flags become a profile with a limitation (one model for vouchers and accounts).
    let profile = &v["profile"];
    assert_eq!(profile["clock"]["validity_secs"], 259_200);
    assert_eq!(profile["shared_users"], 2);
    let limitation = &profile["limitations"][0]["limitation"];
    assert_eq!(limitation["rate_down_bps"], 10_000_000);
    assert_eq!(limitation["rate_up_bps"], 2_000_000);
    assert_eq!(limitation["transfer_limit"], 1_000_000_000);
    assert_eq!(limitation["reset"], "never");
    assert_eq!(v["max_logins"], serde_json::Value::Null);

    // Neither the database nor its WAL holds any code in plain text.
    for entry in std::fs::read_dir(s.dir.path().join("data")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for c in &codes {
            let plain = c.replace('-', "");
            assert!(
                !bytes.windows(plain.len()).any(|w| w == plain.as_bytes()),
                "code {c} stored in clear"
            );
        }
    }

    let text = s.run(&["voucher", "create", "-n", "2"]);
    assert!(
        stdout(&text).contains(
            "2 voucher(s): 1d from first logon, 1 device(s), down/up -/-, no data cap, single use"
        ),
        "{}",
        stdout(&text)
    );

    let list = stdout(&s.run(&["voucher", "list"]));
    assert!(list.starts_with("ID  STATE"), "{list}");
    assert_eq!(list.matches("unused").count(), 7, "{list}");
    assert!(list.contains("lobby"));

    let revoke = s.run(&["voucher", "revoke", "1", "99"]);
    let text = stdout(&revoke);
    assert!(
        text.contains("voucher 1: revoked (daemon not running"),
        "{text}"
    );
    assert!(text.contains("voucher 99: no such voucher"), "{text}");
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&s.run(&["voucher", "list", "--json"]))).unwrap();
    let revoked = list
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == 1)
        .unwrap();
    assert_eq!(revoked["state"], "revoked");
}

#[test]
fn bad_options_name_the_option() {
    let s = Setup::new();
    for (args, option) in [
        (vec!["--validity", "5x"], "--validity"),
        (vec!["--uses", "0"], "--uses"),
        (vec!["--count", "0"], "--count"),
        (vec!["--starts", "later"], "--starts"),
        (vec!["--down", "fast"], "--down"),
        (vec!["--quota", "1.5GB"], "--quota"),
        (vec!["--shared-users", "0"], "--shared-users"),
    ] {
        let mut full = vec!["voucher", "create"];
        full.extend(args);
        let out = s.run(&full);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(option), "{option}: {err}");
    }
    let out = s.run(&["voucher", "list"]);
    assert_eq!(
        stdout(&out),
        "ID  STATE  USES  LEFT  PROFILE  NOTE\n",
        "a failed create must store nothing"
    );
}

#[test]
fn clients_without_a_daemon_says_so() {
    let s = Setup::new();
    let out = s.run(&["clients"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is `hotspotd run` running?"));
}
