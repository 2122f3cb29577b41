//! MAC allowlist and blocklist, and the walled garden, with real traffic.

mod common;

use std::time::Duration;

use common::lab::{Lab, PORTAL, guest_mac};
use common::rates::{assert_within, download_rate, upload_rate};

#[test]
fn allowlisted_devices_bypass_the_portal_and_blocked_ones_get_nothing() {
    let lab = Lab::start(3);
    let printer = guest_mac(1);
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(
        lab.login(2, &code, "").0,
        "303",
        "guest 2 online before being blocked"
    );

    assert!(
        lab.ok(&[
            "mac",
            "allow",
            &printer.to_uppercase(),
            "--note",
            "lobby printer"
        ])
        .contains("bypasses the portal (applied)")
    );
    assert!(
        lab.ok(&["mac", "block", &guest_mac(2), "--note", "abuse"])
            .contains("is blocked (applied)")
    );

    // The allowlisted device reaches the internet both ways without logging in.
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    assert_eq!(lab.downloaded(1, 1_000_000, 5), 1_000_000);
    assert_eq!(
        lab.curl(1, &["-o", "/dev/null", "http://10.88.0.2:443/"])
            .status
            .code(),
        Some(0)
    );

    // The blocked device was logged off and reaches nothing, not even DNS or the portal.
    assert!(lab.client(2).is_none(), "blocked device still online");
    assert_eq!(
        lab.curl(2, &["-o", "/dev/null", "-m", "2", &format!("{PORTAL}/")])
            .status
            .code(),
        Some(28),
        "portal answered a blocked device"
    );
    let dns = lab.in_ns(
        &lab.guest(2),
        &["timeout", "2", "getent", "hosts", "blocked.example"],
    );
    assert!(!dns.status.success(), "DNS answered a blocked device");

    // Other guests are still held.
    assert_eq!(lab.status(3, "http://example.com/"), "302");
    let list = lab.ok(&["mac", "list", "--json"]);
    assert!(
        list.contains("lobby printer") && list.contains("abuse"),
        "{list}"
    );

    // Removing the rules puts both back behind the portal.
    lab.ok(&["mac", "remove", &printer]);
    lab.ok(&["mac", "remove", &guest_mac(2)]);
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    assert_eq!(lab.status(2, &format!("{PORTAL}/")), "200");
}

/// A smart TV on the allowlist with its own rates: policed in the kernel both ways without a
/// login, a new rate replaces the old at once, and other allowlisted devices stay unlimited.
#[test]
fn an_allowlisted_device_can_be_rate_limited() {
    let lab = Lab::start(2);
    let tv = guest_mac(1);
    let said = lab.ok(&[
        "mac", "allow", &tv, "--note", "smart TV", "--down", "8M", "--up", "4M",
    ]);
    assert!(said.contains("limited to 8M down / 4M up"), "{said}");
    lab.ok(&["mac", "allow", &guest_mac(2), "--note", "staff laptop"]);
    assert_within(
        download_rate(&lab, 1, 1_000_000.0),
        1_000_000.0,
        "allowlisted download at 8 Mbit/s",
    );
    assert_within(
        upload_rate(&lab, 1),
        500_000.0,
        "allowlisted upload at 4 Mbit/s",
    );

    // The unlimited device is far above any of those rates.
    let free = download_rate(&lab, 2, 20_000_000.0);
    assert!(
        free > 20_000_000.0,
        "unlimited allowlisted device got {free:.0} B/s"
    );

    // A new rate takes over at once (new policer; flows keep their mark).
    lab.ok(&["mac", "allow", &tv, "--down", "16M"]);
    assert_within(
        download_rate(&lab, 1, 2_000_000.0),
        2_000_000.0,
        "allowlisted download at 16 Mbit/s",
    );
    let list: serde_json::Value =
        serde_json::from_str(&lab.ok(&["mac", "list", "--json"])).unwrap();
    let entry = (list.as_array().unwrap().iter())
        .find(|r| r["mac"] == tv.as_str())
        .expect("TV listed")
        .clone();
    assert_eq!(entry["rate_down_bps"], 16_000_000, "{entry}");
    assert_eq!(entry["rate_up_bps"], serde_json::Value::Null, "{entry}");
}

#[test]
fn the_walled_garden_is_open_before_login() {
    let lab = Lab::start_with(1, "[access]\ngarden = [\"10.88.0.3\"]\n");
    // From the config: open at start.
    assert_eq!(lab.status(1, "http://10.88.0.3/pay"), "200");
    assert_eq!(
        lab.curl(1, &["-o", "/dev/null", "http://10.88.0.3:443/"])
            .status
            .code(),
        Some(0),
        "HTTPS to the garden"
    );
    assert_eq!(
        lab.status(1, "http://10.88.0.2/"),
        "302",
        "outside the garden: still captured"
    );
    // From the CLI: a network.
    lab.ok(&[
        "garden",
        "add",
        "10.88.0.0/30",
        "--note",
        "payment provider",
    ]);
    assert_eq!(lab.status(1, "http://10.88.0.2/"), "200");
    assert!(lab.ok(&["garden", "list"]).contains("payment provider"));
    lab.ok(&["garden", "remove", "10.88.0.0/30"]);
    assert_eq!(lab.status(1, "http://10.88.0.2/"), "302");
    // A bad destination, or one that would open a captive-portal probe host, is refused.
    let out = lab.cli(&["garden", "add", "pay example"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("<DESTINATION>"));
    let out = lab.cli(&["garden", "add", "*.apple.com"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("detect the portal"),
        "{out:?}"
    );
    // The garden survives a flushed ruleset (rebuilt from the config and the database).
    lab.ok(&["garden", "add", "10.88.0.2"]);
    let flushed = lab.in_ns(&lab.gw(), &["nft", "flush", "ruleset"]);
    assert!(flushed.status.success(), "flush: {flushed:?}");
    lab.wait_until(Duration::from_secs(5), "rebuild", || {
        lab.in_ns(
            &lab.gw(),
            &["nft", "list", "set", "inet", "hotspotd", "garden"],
        )
        .status
        .success()
    });
    assert_eq!(lab.status(1, "http://10.88.0.2/"), "200");
}

#[test]
fn a_walled_garden_domain_opens_what_it_resolves_to() {
    let lab = Lab::start(1);
    lab.ok(&["garden", "add", "*.example.com", "--note", "payment pages"]);
    // Before the guest looks the name up, its address is closed like any other.
    assert_eq!(lab.status(1, "http://10.88.0.3/"), "302");
    // The gateway's resolver answers pay.example.com with 10.88.0.3; the daemon sees the
    // answer go to the guest and opens that address.
    let dns = lab.in_ns(&lab.guest(1), &["getent", "hosts", "pay.example.com"]);
    assert!(
        String::from_utf8_lossy(&dns.stdout).contains("10.88.0.3"),
        "{dns:?}"
    );
    lab.wait_until(Duration::from_secs(3), "garden address opened", || {
        lab.status(1, "http://10.88.0.3/") == "200"
    });
    assert_eq!(
        lab.curl(1, &["-o", "/dev/null", "http://pay.example.com:443/"])
            .status
            .code(),
        Some(0),
        "HTTPS to the garden domain"
    );
    // Names outside the pattern, and probe hosts, stay captured.
    lab.in_ns(&lab.guest(1), &["getent", "hosts", "captive.apple.com"]);
    assert_eq!(
        lab.status(1, "http://captive.apple.com/hotspot-detect.html"),
        "302"
    );
    assert_eq!(lab.status(1, "http://other.org/"), "302");
}
