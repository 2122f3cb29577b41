//! Operating a running gateway: status, devices, auth/deauth, metrics, config reload.

mod common;

use std::time::Duration;

use common::lab::{Lab, PORTAL, guest_ip, guest_mac};
use common::local_time_of_day_plus;

#[test]
fn operators_see_devices_and_let_them_in_or_out() {
    let lab = Lab::start_with(2, "[metrics]\nlisten = \"127.0.0.1:9108\"\n");
    lab.ok(&[
        "profile",
        "add",
        "staff",
        "--name-for-users",
        "Staff",
        "--validity",
        "unlimited",
    ]);
    // Both guests talk to the gateway, so they are in its neighbour table.
    assert_eq!(lab.status(1, &format!("{PORTAL}/")), "200");
    assert_eq!(lab.status(2, &format!("{PORTAL}/")), "200");
    let devices = lab.ok(&["devices", "--json"]);
    assert!(
        devices.contains(&guest_mac(1)) && devices.contains(&guest_mac(2)),
        "{devices}"
    );

    // auth by IP, deauth by MAC; and the other way round.
    assert!(
        lab.ok(&["auth", &guest_ip(1), "--profile", "staff"])
            .contains("authorised with staff")
    );
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    // The enforcement tick counts the traffic within a second.
    lab.wait_until(Duration::from_secs(3), "bytes counted", || {
        let s: serde_json::Value = serde_json::from_str(&lab.ok(&["status", "--json"])).unwrap();
        s["bytes_down"].as_u64().unwrap_or(0) > 0
    });
    assert!(
        lab.ok(&["auth", &guest_mac(2), "--profile", "staff"])
            .contains(&guest_ip(2))
    );
    lab.ok(&["deauth", &guest_mac(1)]);
    lab.ok(&["deauth", &guest_ip(2)]);
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    assert_eq!(lab.status(2, "http://example.com/"), "302");
    let out = lab.cli(&["auth", "02:99:99:99:99:99", "--profile", "staff"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not on the guest network"),
        "{out:?}"
    );
    let out = lab.cli(&["auth", &guest_mac(1), "--profile", "nope"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no profile named"),
        "{out:?}"
    );
    // A profile that refuses admission now: the refusal is reported, and the voucher user
    // made for it does not stay behind.
    let vouchers = || -> usize {
        let list: serde_json::Value =
            serde_json::from_str(&lab.ok(&["voucher", "list", "--json"])).unwrap();
        list.as_array().unwrap().len()
    };
    let before = vouchers();
    assert_eq!(before, 2, "the two operator auths above");
    lab.ok(&["limitation", "add", "later", "--down", "1M"]);
    lab.ok(&[
        "profile",
        "add",
        "closed",
        "--validity",
        "1d",
        "--outside-windows",
        "deny",
    ]);
    let (from, till) = (local_time_of_day_plus(7200), local_time_of_day_plus(10800));
    lab.ok(&[
        "profile", "attach", "closed", "later", "--from", &from, "--till", &till,
    ]);
    let out = lab.cli(&["auth", &guest_mac(1), "--profile", "closed"]);
    assert!(
        !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("not available at this time"),
        "{out:?}"
    );
    assert_eq!(vouchers(), before, "the refused auth left its voucher user");

    // A wrong code counts as a failure.
    assert_eq!(lab.login(1, "ABCDE-FGHJK", "").0, "401");
    let status: serde_json::Value = serde_json::from_str(&lab.ok(&["status", "--json"])).unwrap();
    assert_eq!(status["logins"], 2);
    assert_eq!(status["login_failures"], 1);
    assert_eq!(status["sessions_ended"]["admin-reset"], 2);
    assert_eq!(status["firewall_table_present"], true);
    assert!(lab.ok(&["status"]).contains("hotspot_name"));

    // Prometheus, on the management side only.
    let metrics = lab.in_ns(&lab.gw(), &["curl", "-s", "http://127.0.0.1:9108/metrics"]);
    let text = String::from_utf8_lossy(&metrics.stdout).into_owned();
    assert!(text.contains("hotspotd_logins_total 2\n"), "{text}");
    assert!(text.contains("hotspotd_login_failures_total 1\n"), "{text}");
    // The two guests, not the gateway itself.
    assert!(text.contains("hotspotd_devices_seen 2\n"), "{text}");
    assert!(
        text.contains("hotspotd_sessions_ended_total{cause=\"admin-reset\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("hotspotd_firewall_apply_seconds_count"),
        "{text}"
    );
    assert_ne!(
        lab.curl(
            1,
            &[
                "-o",
                "/dev/null",
                "-m",
                "2",
                "http://10.77.0.1:9108/metrics"
            ]
        )
        .status
        .code(),
        Some(0),
        "metrics reachable from the LAN"
    );
}

#[test]
fn sighup_reloads_the_config_and_keeps_guests_online() {
    let mut lab = Lab::start(1);
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");
    let original = std::fs::read_to_string(&lab.config).unwrap();

    // A broken file is refused and changes nothing.
    std::fs::write(&lab.config, original.replace("subnet = ", "subnett = ")).unwrap();
    lab.signal_daemon("HUP");
    lab.wait_until(Duration::from_secs(3), "refusal logged", || {
        lab.log().contains("reload refused")
    });
    assert_eq!(lab.status(1, "http://example.com/"), "200");

    // A good one is applied, but its hotspot keys are no longer read (they seeded the
    // hotspot settings at the first start) and the reload says so; the guest stays online.
    let renamed =
        original.replace("Test Café", "Renamed Café") + "[access]\ngarden = [\"10.88.0.3\"]\n";
    std::fs::write(&lab.config, renamed).unwrap();
    lab.signal_daemon("HUP");
    lab.wait_until(Duration::from_secs(3), "reload", || {
        lab.log().contains("configuration reloaded")
    });
    let log = lab.log();
    let reload = &log[log.rfind("no longer read").expect("keys named")..];
    assert!(reload.contains("configuration reloaded"), "{log}");
    let page =
        String::from_utf8_lossy(&lab.curl(1, &[&format!("{PORTAL}/status")]).stdout).into_owned();
    assert!(
        page.contains("Test Café"),
        "a key no longer read changed the name: {page}"
    );
    // The same change through the hotspot settings, live.
    lab.ok(&["settings", "set", "name", "Renamed Café"]);
    lab.ok(&["settings", "set", "access.garden", r#"["10.88.0.3"]"#]);
    let page =
        String::from_utf8_lossy(&lab.curl(1, &[&format!("{PORTAL}/status")]).stdout).into_owned();
    assert!(page.contains("Renamed Café"), "{page}");
    assert_eq!(
        lab.status(1, "http://example.com/"),
        "200",
        "guest dropped by the reload"
    );
    assert_eq!(lab.clients().len(), 1);
    lab.ok(&["kick", &guest_mac(1)]);
    assert_eq!(
        lab.status(1, "http://10.88.0.3/"),
        "200",
        "garden from the hotspot settings"
    );
    assert_eq!(lab.status(1, "http://10.88.0.2/"), "302");
    // SIGTERM after all that still exits cleanly and leaves the table (fail closed).
    lab.stop_daemon("TERM");
    assert!(lab.log().contains("shutting down"));
    assert!(
        lab.in_ns(&lab.gw(), &["nft", "list", "table", "inet", "hotspotd"])
            .status
            .success()
    );
}

#[test]
fn new_limits_reach_every_device_of_a_user_with_a_quota() {
    let lab = Lab::start(2);
    lab.ok(&["limitation", "add", "monthly", "--transfer", "100MB"]);
    lab.ok(&[
        "profile",
        "add",
        "family",
        "--validity",
        "1d",
        "--shared-users",
        "2",
    ]);
    lab.ok(&["profile", "attach", "family", "monthly"]);
    lab.account("fay", "secret-fay", &["--profile", "family"]);
    for i in 1..=2 {
        assert_eq!(lab.login_account(i, "fay", "secret-fay").0, "303");
    }
    // Resetting the counters installs the user's limits anew on both devices, which share
    // one quota object, in one transaction.
    let reset = lab.cli(&["user", "reset-counters", "fay"]);
    assert!(reset.status.success(), "{reset:?}\n{}", lab.log());
    assert!(!lab.log().contains("could not"), "{}", lab.log());
    for i in 1..=2 {
        assert!(lab.client(i).is_some(), "device {i} went offline");
        assert_eq!(lab.status(i, "http://example.com/"), "200", "device {i}");
    }
}
