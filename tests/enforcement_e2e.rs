//! Kernel enforcement per client, measured with real transfers through the gateway.

mod common;

use std::time::Duration;

use common::lab::{Lab, guest_mac};
use common::rates::{assert_within, download_rate, iperf3_windows, upload_rate};

#[test]
fn rate_limits_hold_within_ten_percent() {
    let lab = Lab::start(1);
    let code = &lab.vouchers(&["--down", "8M", "--up", "4M"])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    assert_within(
        download_rate(&lab, 1, 1_000_000.0),
        1_000_000.0,
        "download at 8 Mbit/s",
    );
    assert_within(upload_rate(&lab, 1), 500_000.0, "upload at 4 Mbit/s");
}

#[test]
fn the_data_quota_cuts_traffic_and_ends_the_session() {
    let lab = Lab::start(1);
    let quota: u64 = 3_000_000;
    let code = &lab.vouchers(&["--quota", "3MB"])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    let received = lab.downloaded(1, 10_000_000, 4);
    // The kernel quota counts IP bytes both ways; the payload received can only be less.
    let overshoot_cap = quota + (quota / 100).max(256 * 1024);
    assert!(
        received <= overshoot_cap,
        "received {received} bytes on a {quota}-byte quota"
    );
    assert!(
        received >= quota * 9 / 10,
        "cut too early: {received} of {quota}"
    );
    eprintln!("quota {quota}: guest received {received} bytes of payload");
    lab.wait_until(Duration::from_secs(3), "session to end on quota", || {
        lab.clients().is_empty()
    });
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    let (status, body, _) = lab.login(1, code, "");
    assert_eq!(status, "403", "{body}");
}

#[test]
fn validity_expiry_ends_the_session_on_time() {
    let lab = Lab::start(1);
    let code = &lab.vouchers(&["--validity", "3s", "--uses", "unlimited"])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    // Each check gives up after 1 s: a request in flight at the very moment the session ends
    // loses its answer (the gateway drops what comes back) and would hang the poll for curl's
    // usual 5 s.
    let took = lab.wait_until(Duration::from_secs(6), "validity expiry", || {
        let out = lab.curl(
            1,
            &[
                "-m",
                "1",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://example.com/",
            ],
        );
        String::from_utf8_lossy(&out.stdout) == "302"
    });
    assert!(
        took <= Duration::from_secs(4) + Duration::from_millis(300),
        "ended {took:?} after login for a 3 s validity"
    );
    let history = lab.cli(&["voucher", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(list[0]["state"], "expired");
    assert_eq!(lab.login(1, code, "").0, "403");
}

#[test]
fn session_timeout_and_idle_timeout_end_sessions() {
    let lab = Lab::start_with(2, "session_timeout = \"5s\"\nidle_timeout = \"2s\"\n");
    let codes = lab.vouchers(&["-n", "2", "--uses", "unlimited"]);
    assert_eq!(lab.login(1, &codes[0], "").0, "303");
    assert_eq!(lab.login(2, &codes[1], "").0, "303");
    // Guest 1 keeps sending; guest 2 stays silent and goes idle first.
    let took = lab.wait_until(
        Duration::from_secs(5),
        "idle guest to be logged off",
        || {
            lab.curl(1, &["-o", "/dev/null", "http://example.com/keepalive"]);
            lab.clients().iter().all(|c| c["mac"] != guest_mac(2))
        },
    );
    assert!(
        took < Duration::from_millis(3300),
        "idle timeout took {took:?}"
    );
    assert!(
        lab.clients().iter().any(|c| c["mac"] == guest_mac(1)),
        "active guest dropped as idle"
    );
    let ended = lab.wait_until(Duration::from_secs(5), "session timeout", || {
        lab.clients().is_empty()
    });
    assert!(
        ended > Duration::from_millis(500),
        "session timeout came too early"
    );
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    // A new session may start: the voucher itself is still valid.
    assert_eq!(lab.login(1, &codes[0], "").0, "303");
}

#[test]
fn kick_ends_a_session_at_once() {
    let lab = Lab::start(1);
    let code = &lab.vouchers(&[])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    let clients = lab.cli(&["clients"]);
    let table = String::from_utf8_lossy(&clients.stdout).into_owned();
    assert!(
        table.contains("MAC") && table.contains(&guest_mac(1)),
        "{table}"
    );
    // Header and row have the same columns (cells are separated by two or more spaces).
    let cells = |line: &str| line.split("  ").filter(|c| !c.trim().is_empty()).count();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(cells(lines[0]), 9, "{table}");
    assert_eq!(cells(lines[1]), 9, "{table}");
    assert!(
        // Operator views name a profile as commands take it (its internal name).
        lines[0].contains("PROFILE") && lines[1].contains("voucher:1d:"),
        "{table}"
    );
    let out = lab.cli(&["kick", &guest_mac(1).to_uppercase()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    let again = lab.cli(&["kick", &guest_mac(1)]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("no active session"),
        "{again:?}"
    );
}

#[test]
fn revoking_a_voucher_logs_its_devices_off() {
    let lab = Lab::start(1);
    let code = &lab.vouchers(&[])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    let out = lab.cli(&["voucher", "revoke", "1"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("revoked, 1 device(s) logged off"),
        "{text} {out:?}"
    );
    assert_eq!(lab.status(1, "http://example.com/"), "302");
}

/// Shaping, not policing: at 8 Mbit/s a policer lets about twice the rate through in the
/// first second (its bucket holds a second of rate plus the burst). Every 1-second window,
/// the first included, must stay within 10% of the rate (TCP payload is ~96% of the frames
/// HTB counts).
#[test]
fn rates_hold_from_the_first_second() {
    let lab = Lab::start(1);
    let code = &lab.vouchers(&["--down", "8M", "--up", "8M"])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    let mut server = lab.in_ns_spawn(&format!("{}-up", lab.prefix), &["iperf3", "-s", "-J"]);
    let runs = [
        ("download", iperf3_windows(&lab, true, 6)),
        ("upload", iperf3_windows(&lab, false, 6)),
    ];
    let _ = server.kill();
    let _ = server.wait();
    let rate = 8_000_000.0;
    for (what, windows) in runs {
        let shown: Vec<String> = windows.iter().map(|w| format!("{:.2}", w / 1e6)).collect();
        eprintln!("{what} at 8 Mbit/s, Mbit/s per second: {}", shown.join(" "));
        assert_eq!(windows.len(), 6, "{what}: {shown:?}");
        assert!(
            windows[0] <= rate * 1.1,
            "{what}: first second {:.2} Mbit/s for a rate of 8 ({shown:?})",
            windows[0] / 1e6
        );
        for (second, w) in windows.iter().enumerate().skip(1) {
            assert!(
                (0.9..=1.1).contains(&(w / rate)),
                "{what}: second {} at {:.2} Mbit/s for a rate of 8 ({shown:?})",
                second + 1,
                w / 1e6
            );
        }
    }
}
