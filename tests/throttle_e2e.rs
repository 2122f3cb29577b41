//! A hostile guest against the login throttle and the order form, with the real daemon: bursts
//! of logins, guessing from rotating MACs and addresses, order spam.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::lab::{Lab, PORTAL};

const WRONG_CODE: &str = "ABCDE-FGHJK";

/// Extra addresses the attacking guest puts on its interface, 10.77.0.FIRST onwards.
fn add_addresses(lab: &Lab, guest: usize, first: usize, n: usize) -> Vec<String> {
    (first..first + n)
        .map(|i| {
            let ip = format!("10.77.0.{i}");
            let out = lab.in_ns(
                &lab.guest(guest),
                &["ip", "addr", "add", &format!("{ip}/24"), "dev", "wlan0"],
            );
            assert!(out.status.success(), "{out:?}");
            ip
        })
        .collect()
}

/// Statuses of `count` simultaneous POSTs of `body` to `path` from guest `guest`, by source
/// address (see tests/support/flood.py).
fn flood(
    lab: &Lab,
    guest: usize,
    path: &str,
    body: &str,
    count: usize,
    sources: &[String],
) -> HashMap<String, HashMap<String, usize>> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/flood.py");
    let out = lab.in_ns(
        &lab.guest(guest),
        &[
            "python3",
            script.to_str().unwrap(),
            &format!("{PORTAL}{path}"),
            body,
            &count.to_string(),
            &sources.join(","),
        ],
    );
    assert!(out.status.success(), "flood failed: {out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    serde_json::from_value(v["by_source"].clone()).unwrap()
}

/// A field of /proc/PID/status in kB (VmRSS, VmHWM).
fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {key} for {pid}"))
}

#[test]
fn a_login_flood_checks_three_tries_per_address_and_memory_stays_bounded() {
    let lab = Lab::start(1);
    lab.ok(&["profile", "add", "day", "--validity", "1d"]);
    lab.account("anna", "the-right-password", &["--profile", "day"]);
    let pid = lab.daemon_pid();
    let idle = status_kb(pid, "VmRSS");
    let own = vec![common::lab::guest_ip(1)];

    // 60 account logins at once from one guest: only the free tries are hashed.
    let accounts = flood(&lab, 1, "/login", "username=anna&password=guess", 60, &own);
    let statuses = &accounts[&own[0]];
    assert!(
        statuses.get("401").copied().unwrap_or(0) <= 3,
        "{statuses:?}"
    );
    assert_eq!(statuses.get("429"), Some(&57), "{statuses:?}");

    // 60 wrong codes at once from a second address of the same guest: 3 checked.
    let second = add_addresses(&lab, 1, 100, 1);
    let codes = flood(
        &lab,
        1,
        "/login",
        &format!("code={WRONG_CODE}"),
        60,
        &second,
    );
    let statuses = &codes[&second[0]];
    assert_eq!(statuses.get("401"), Some(&3), "{statuses:?}");
    assert_eq!(statuses.get("429"), Some(&57), "{statuses:?}");

    // The guest brings 20 more addresses: 60 passwords are checked, two at a time.
    let many = add_addresses(&lab, 1, 101, 20);
    let spread = flood(
        &lab,
        1,
        "/login",
        "username=anna&password=guess",
        200,
        &many,
    );
    let checked: usize = spread.values().filter_map(|s| s.get("401")).sum();
    assert!(
        spread
            .values()
            .all(|s| s.get("401").copied().unwrap_or(0) <= 3),
        "{spread:?}"
    );
    assert!(
        checked >= 20,
        "the flood was not checked at all: {spread:?}"
    );
    let peak = status_kb(pid, "VmHWM");
    assert!(
        peak < idle + 100 * 1024,
        "RSS rose from {idle} kB idle to a peak of {peak} kB"
    );
    // Still serving: the right password gets in once the first wait (2 s) is over.
    std::thread::sleep(Duration::from_secs(2));
    let (status, body) = lab.login_account(1, "anna", "the-right-password");
    assert_eq!(status, "303", "{body}");
}

#[test]
fn a_throttled_answer_says_how_long_to_wait_and_that_wait_is_enough() {
    let lab = Lab::start(1);
    let code = lab.vouchers(&[])[0].clone();
    for _ in 0..3 {
        assert_eq!(lab.login(1, WRONG_CODE, "").0, "401");
    }
    let (status, head, _) = lab.login(1, WRONG_CODE, "");
    assert_eq!(status, "429", "{head}");
    let retry: u64 = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("retry-after:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After: {head}"));
    assert!(
        head.contains(&format!("please wait {retry} seconds")),
        "{head}"
    );
    // A right code from the waiting device waits too.
    assert_eq!(lab.login(1, &code, "").0, "429");
    std::thread::sleep(Duration::from_secs(retry));
    let (status, body, _) = lab.login(1, &code, "");
    assert_eq!(status, "303", "waited {retry} s as told: {body}");
}

#[test]
fn a_valid_code_gets_in_at_once_while_a_guesser_rotates_macs_and_addresses() {
    let lab = Lab::start(2);
    let code = lab.vouchers(&[])[0].clone();
    let addresses = add_addresses(&lab, 1, 100, 40);
    let stop = AtomicBool::new(false);
    let (checked, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let waited = std::thread::scope(|s| {
        s.spawn(|| {
            // A new MAC every three guesses, two MACs on each of 40 addresses: 240 guesses.
            for round in 0..2 * addresses.len() {
                let ip = &addresses[round / 2];
                let mac = format!("02:55:00:00:{:02x}:{:02x}", round / 256, round % 256);
                let token = lab.rotate_mac(1, &mac, ip);
                for _ in 0..3 {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    match lab.post_code_from(1, ip, WRONG_CODE, &token).as_str() {
                        "401" => checked.fetch_add(1, Ordering::Relaxed),
                        _ => refused.fetch_add(1, Ordering::Relaxed),
                    };
                }
            }
        });
        // Once the guesser has made more guesses than the old gateway-wide budget (60).
        lab.wait_until(Duration::from_secs(120), "70 guesses", || {
            checked.load(Ordering::Relaxed) + refused.load(Ordering::Relaxed) >= 70
        });
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < Duration::from_secs(20) {
            let (status, body, _) = lab.login(2, &code, "");
            if status == "303" {
                break;
            }
            last = format!("{status}: {body}");
            std::thread::sleep(Duration::from_millis(250));
        }
        let waited = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        assert!(
            waited < Duration::from_secs(3),
            "the right code waited {waited:?}: {last}"
        );
        waited
    });
    let (checked, refused) = (checked.into_inner(), refused.into_inner());
    eprintln!("right code in after {waited:?}; guesses checked {checked}, refused {refused}");
    assert!(checked <= 3 * addresses.len(), "{checked} guesses checked");
    assert_eq!(
        lab.client(2).map(|c| c["ip"].clone()),
        Some("10.77.0.12".into())
    );
}

#[test]
fn one_device_cannot_pile_up_orders() {
    let lab = Lab::start(1);
    for (name, price) in [("day", "4.50"), ("week", "9.50")] {
        lab.ok(&["profile", "add", name, "--validity", "1d", "--price", price]);
    }
    let own = vec![common::lab::guest_ip(1)];
    let day = flood(&lab, 1, "/signup", "profile=day", 100, &own);
    assert_eq!(day[&own[0]].get("303"), Some(&100), "{day:?}");
    let week = flood(&lab, 1, "/signup", "profile=week", 100, &own);
    assert_eq!(week[&own[0]].get("303"), Some(&100), "{week:?}");
    // New MACs on the same address: one more order (the device's third), then no more.
    for (round, expected) in [(0, "303"), (1, "429"), (2, "429")] {
        let mac = format!("02:56:00:00:00:{round:02x}");
        lab.in_ns(
            &lab.guest(1),
            &["ip", "link", "set", "wlan0", "address", &mac],
        );
        lab.in_ns(&lab.gw(), &["ip", "neigh", "flush", "dev", "lan0"]);
        let more = flood(&lab, 1, "/signup", "profile=day", 50, &own);
        assert_eq!(
            more[&own[0]].get(expected),
            Some(&50),
            "round {round}: {more:?}"
        );
    }
    let list: serde_json::Value =
        serde_json::from_str(&lab.ok(&["order", "list", "--json"])).unwrap();
    let pending = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["state"] == "pending")
        .count();
    assert_eq!(pending, 3, "{list}");
    let page = String::from_utf8_lossy(
        &lab.curl(1, &["-d", "profile=day", &format!("{PORTAL}/signup")])
            .stdout,
    )
    .into_owned();
    assert!(page.contains("orders waiting for payment"), "{page}");
}
