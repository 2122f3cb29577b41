//! Dual-stack guests: IPv6 is held before login and released with the session, address by
//! address, counted with the rest of the session; a spoofed IPv6 source gets nothing.

mod common;

use std::time::Duration;

use common::lab::{Lab, UPSTREAM6, guest_ip6};

/// curl's exit code over IPv6 from guest `i` (optionally from a given source address): 0
/// passed, 7 refused at once (a reset or ICMP), 28 timed out.
fn curl6(lab: &Lab, i: usize, source: Option<&str>, path: &str) -> Option<i32> {
    let url = format!("http://[{UPSTREAM6}]{path}");
    let mut args = vec!["-o", "/dev/null", "--connect-timeout", "3"];
    if let Some(s) = source {
        args.extend(["--interface", s]);
    }
    args.push(&url);
    lab.curl(i, &args).status.code()
}

fn ping6(lab: &Lab, i: usize) -> bool {
    lab.in_ns(
        &lab.guest(i),
        &["ping", "-6", "-c", "1", "-W", "1", UPSTREAM6],
    )
    .status
    .success()
}

/// Gives guest `i` another IPv6 address; `dad`: with duplicate-address detection (whose
/// probe tells the gateway before the address is used), else usable at once.
fn add_ip6(lab: &Lab, i: usize, cidr: &str, dad: bool) {
    let mut args = vec!["ip", "-6", "addr", "add", cidr, "dev", "wlan0"];
    if !dad {
        args.push("nodad");
    }
    let added = lab.in_ns(&lab.guest(i), &args);
    assert!(added.status.success(), "{args:?}: {added:?}");
}

#[test]
fn ipv6_is_held_before_login_and_released_with_the_session() {
    let lab = Lab::start(2);
    // Held: TCP (HTTP and HTTPS alike) is reset at once (7, not a timeout), everything
    // else refused.
    for port in ["80", "443"] {
        assert_eq!(
            curl6(&lab, 1, None, &format!(":{port}/")),
            Some(7),
            "IPv6 port {port} before login: not refused at once"
        );
    }
    assert!(!ping6(&lab, 1), "IPv6 ping passed before login");

    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");

    // The address the guest was seen using before login is authorised with the session.
    let client = lab.client(1).expect("guest 1 online");
    assert_eq!(client["ip6"], serde_json::json!([guest_ip6(1)]), "{client}");
    assert_eq!(curl6(&lab, 1, None, "/bytes/2000000"), Some(0));
    assert!(ping6(&lab, 1), "IPv6 ping refused after login");
    // IPv6 bytes land on the session's counters.
    lab.wait_until(Duration::from_secs(5), "IPv6 download counted", || {
        lab.client(1)
            .and_then(|c| c["bytes_down"].as_u64())
            .is_some_and(|b| b >= 2_000_000)
    });
    // The other guest is still held.
    assert_eq!(curl6(&lab, 2, None, "/"), Some(7));

    // A new (privacy) address: its duplicate-address probe tells the gateway before it is used.
    let privacy = "2001:db8:77::aaaa";
    add_ip6(&lab, 1, &format!("{privacy}/64"), true);
    lab.wait_until(
        Duration::from_secs(10),
        "the new IPv6 address to pass",
        || curl6(&lab, 1, Some(privacy), "/") == Some(0),
    );
    let ip6 = lab.client(1).unwrap()["ip6"].clone();
    assert!(ip6.as_array().unwrap().len() == 2, "{ip6}");

    // Guest 2, online too, claims guest 1's address: refused, guest 1 keeps it.
    let code2 = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(2, &code2, "").0, "303");
    let stolen = guest_ip6(1);
    add_ip6(&lab, 2, &format!("{stolen}/128"), false);
    let spoofed = curl6(&lab, 2, Some(&stolen), "/");
    assert_ne!(spoofed, Some(0), "a spoofed IPv6 source got through");
    lab.wait_until(Duration::from_secs(5), "the spoof to be logged", || {
        lab.log()
            .contains("IPv6 address of another online device refused")
    });
    let client2 = lab.client(2).unwrap();
    assert!(!client2["ip6"].to_string().contains(&stolen), "{client2}");
    assert_eq!(
        curl6(&lab, 2, Some(&guest_ip6(2)), "/"),
        Some(0),
        "guest 2's own address"
    );

    // Logout ends IPv6 too, for every address of the session.
    lab.ok(&["deauth", &common::lab::guest_mac(1)]);
    assert_eq!(curl6(&lab, 1, None, "/"), Some(7));
    assert_eq!(curl6(&lab, 1, Some(privacy), "/"), Some(7));
    assert!(!ping6(&lab, 1), "IPv6 ping passed after logout");
}

/// Adds `addr` to guest 1 without duplicate-address detection (its first SYN tells the
/// gateway) and waits until traffic from it passes.
fn add_and_use(lab: &Lab, addr: &str) {
    add_ip6(lab, 1, &format!("{addr}/64"), false);
    lab.wait_until(Duration::from_secs(10), "the new address to pass", || {
        curl6(lab, 1, Some(addr), "/") == Some(0)
    });
}

#[test]
fn a_session_full_of_ipv6_addresses_gives_up_one_for_a_new_one() {
    let lab = Lab::start(1);
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");
    // Its first SYN over IPv6 tells the gateway the address; the next connection passes.
    let first = guest_ip6(1);
    lab.wait_until(Duration::from_secs(10), "the first address to pass", || {
        curl6(&lab, 1, Some(&first), "/") == Some(0)
    });

    // Fifteen more addresses fill the session (16).
    let extra: Vec<String> = (1..=16).map(|k| format!("2001:db8:77::b{k:02x}")).collect();
    for addr in &extra[..15] {
        add_and_use(&lab, addr);
    }
    let held = lab.client(1).unwrap()["ip6"].as_array().unwrap().len();
    assert_eq!(held, 16);
    // A seventeenth: the address the device used least recently goes. All were used within
    // seconds (each is reported at most every 10 s), so that is the first one; which one
    // goes when older ones are in use again is a unit test in `gateway::addresses`.
    add_and_use(&lab, &extra[15]);

    let ip6 = lab.client(1).unwrap()["ip6"].clone();
    let ip6: Vec<&str> = ip6
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert_eq!(ip6.len(), 16, "{ip6:?}");
    assert!(!ip6.contains(&first.as_str()), "{ip6:?}");
    assert!(ip6.contains(&extra[15].as_str()), "{ip6:?}");
    assert!(
        lab.log()
            .contains("least recently seen IPv6 address leaves the session"),
        "{}",
        lab.log()
    );
    // The kernel agrees. Read from its set, not by traffic: a SYN from the replaced address
    // more than 10 s after its last report would make it join again.
    let held6 = lab.in_ns(
        &lab.gw(),
        &["nft", "list", "set", "inet", "hotspotd", "authed_ip6"],
    );
    let held6 = String::from_utf8_lossy(&held6.stdout);
    assert!(
        !held6.contains(&format!("{first},")) && !held6.contains(&format!("{first} ")),
        "{held6}"
    );
    assert!(
        held6.contains(&extra[0]) && held6.contains(&extra[15]),
        "{held6}"
    );
    assert_eq!(curl6(&lab, 1, Some(&extra[15]), "/"), Some(0));
}
