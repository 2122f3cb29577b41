//! Every byte counted: a session's last bytes are read with its removal, not at the next
//! tick, so short sessions are recorded in full and a quota holds across any number of them.

mod common;

use common::lab::{Lab, guest_mac};

const MIB: u64 = 1024 * 1024;

/// `(bytes_up, bytes_down, cause)` of every recorded session, oldest first.
fn sessions(lab: &Lab) -> Vec<(u64, u64, String)> {
    let out = lab.ok(&["sessions", "--json", "--limit", "1000"]);
    let all: serde_json::Value = serde_json::from_str(&out).expect("sessions JSON");
    let mut rows: Vec<(i64, u64, u64, String)> = all
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| {
            let s = &item["session"];
            (
                s["id"].as_i64().expect("id"),
                s["bytes_up"].as_u64().expect("bytes_up"),
                s["bytes_down"].as_u64().expect("bytes_down"),
                s["end_cause"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows.into_iter()
        .map(|(_, up, down, c)| (up, down, c))
        .collect()
}

#[test]
fn a_quota_holds_across_short_sessions_and_each_records_its_bytes() {
    let lab = Lab::start(1);
    let quota: u64 = 2_000_000;
    let code = &lab.vouchers(&["--quota", "2MB", "--uses", "unlimited"])[0];
    let mut delivered = Vec::new();
    // Log in, fetch 1 MiB, log out — well within one enforcement tick each time.
    for _ in 0..6 {
        if lab.login(1, code, "").0 != "303" {
            break;
        }
        delivered.push(lab.downloaded(1, MIB, 4));
        assert_eq!(lab.logout(1), "200", "logout answers with the splash");
    }
    let total: u64 = delivered.iter().sum();
    eprintln!("rounds delivered {delivered:?}, total {total} on a {quota}-byte quota");
    // The kernel counts IP bytes both ways against the quota: the payload is less.
    assert!(
        total <= quota + quota / 100,
        "a {quota}-byte quota delivered {total} bytes over {} sessions",
        delivered.len()
    );
    let recorded = sessions(&lab);
    assert_eq!(recorded.len(), delivered.len(), "{recorded:?}");
    for ((up, down, cause), payload) in recorded.iter().zip(&delivered) {
        // Headers and TCP/IP overhead come on top of the payload; ACKs go up.
        assert!(
            *down >= *payload && *down <= payload + payload / 10 + 64 * 1024,
            "a session that delivered {payload} bytes recorded {down} down ({cause})"
        );
        assert!(*payload == 0 || *up > 0, "no upload recorded: {recorded:?}");
    }
}

#[test]
fn a_kick_right_after_a_download_records_its_bytes() {
    let lab = Lab::start(1);
    let code = &lab.vouchers(&[])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    let payload = lab.downloaded(1, 2 * MIB, 4);
    assert_eq!(payload, 2 * MIB, "the download completes");
    lab.ok(&["kick", &guest_mac(1)]);
    let recorded = sessions(&lab);
    let (up, down, cause) = recorded.last().expect("a session").clone();
    assert!(
        down >= payload && down <= payload + payload / 10,
        "kicked session recorded {down} bytes down of {payload} ({cause})"
    );
    assert!(up > 0, "kicked session recorded no upload");
    assert!(!cause.is_empty(), "the session is ended: {recorded:?}");
}

#[test]
fn a_clean_shutdown_records_the_bytes_since_the_last_tick() {
    let mut lab = Lab::start(1);
    let code = &lab.vouchers(&[])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    let payload = lab.downloaded(1, 2 * MIB, 4);
    assert_eq!(payload, 2 * MIB, "the download completes");
    lab.stop_daemon("TERM");
    let recorded = sessions(&lab);
    let (_, down, cause) = recorded.last().expect("a session").clone();
    assert!(cause.is_empty(), "the session stays open across a restart");
    assert!(
        down >= payload,
        "{down} bytes recorded of {payload} delivered before shutdown"
    );
}
