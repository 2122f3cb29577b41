//! A hostile guest against the login path of the real daemon in the namespace lab:
//! 1. the daemon's RSS (idle, and its peak, VmHWM) through floods of simultaneous logins —
//!    150 account logins from one address, 60 wrong voucher codes from one address, 60
//!    account logins spread over 20 addresses — and how many of each were checked;
//! 2. how long a guest with a valid code takes to get in while another device guesses codes,
//!    changing its MAC every three guesses and cycling through 40 addresses (five samples,
//!    20 s apart), and how many guesses the gateway checked meanwhile.
//!
//! Prints figures; asserts nothing about speed. It only speaks HTTP to the daemon, so the same
//! bench measures any version. Run as root: `cargo bench --bench login_flood`.

#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)] // each bench uses part of it
mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::lab::{Lab, PORTAL, guest_ip};
use support::proc_field;

const WRONG_CODE: &str = "ABCDE-FGHJK";
/// Valid-code logins timed during the guessing attack.
const SAMPLES: usize = 5;
/// Time between two samples (the attack goes on throughout).
const SPACING: Duration = Duration::from_secs(20);
/// A valid code that has not got in after this long is given up on.
const GIVE_UP: Duration = Duration::from_secs(30);

fn add_addresses(lab: &Lab, first: usize, n: usize) -> Vec<String> {
    (first..first + n)
        .map(|i| {
            let ip = format!("10.77.0.{i}");
            lab.in_ns(
                &lab.guest(1),
                &["ip", "addr", "add", &format!("{ip}/24"), "dev", "wlan0"],
            );
            ip
        })
        .collect()
}

/// Answers to `count` simultaneous POSTs from guest 1, by status (tests/support/flood.py).
fn flood(lab: &Lab, body: &str, count: usize, sources: &[String]) -> HashMap<String, usize> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/flood.py");
    let out = lab.in_ns(
        &lab.guest(1),
        &[
            "python3",
            script.to_str().unwrap_or_default(),
            &format!("{PORTAL}/login"),
            body,
            &count.to_string(),
            &sources.join(","),
        ],
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("flood failed: {out:?}"));
    let mut total = HashMap::new();
    for statuses in v["by_source"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        for (status, n) in statuses.as_object().into_iter().flatten() {
            *total.entry(status.clone()).or_default() += n.as_u64().unwrap_or(0) as usize;
        }
    }
    total
}

fn mb(pid: u32, key: &str) -> f64 {
    let line = proc_field(pid, "status", key);
    let kb: f64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Each flood against a fresh daemon, so one flood's throttle state does not shape the next.
fn memory() {
    let floods = [
        (
            "150 account logins, one address",
            "username=anna&password=guess",
            150,
            1,
        ),
        ("60 wrong codes, one address", "code=ABCDE-FGHJK", 60, 1),
        (
            "60 account logins, 20 addresses",
            "username=anna&password=guess",
            60,
            20,
        ),
    ];
    for (what, body, count, addresses) in floods {
        let lab = Lab::start(1);
        lab.ok(&["profile", "add", "day", "--validity", "1d"]);
        lab.account("anna", "the-right-password", &["--profile", "day"]);
        let sources = match addresses {
            1 => vec![guest_ip(1)],
            n => add_addresses(&lab, 100, n),
        };
        let pid = lab.daemon_pid();
        let idle = mb(pid, "VmRSS");
        let start = Instant::now();
        let answers = flood(&lab, body, count, &sources);
        let took = start.elapsed();
        let checked = answers.get("401").copied().unwrap_or(0);
        println!(
            "{what}: {checked} checked, answers {answers:?}, {:.1} s; RSS idle {idle:.1} MB, peak {:.1} MB ({:+.1} MB), after {:.1} MB",
            took.as_secs_f64(),
            mb(pid, "VmHWM"),
            mb(pid, "VmHWM") - idle,
            mb(pid, "VmRSS"),
        );
    }
}

fn guessing_attack() {
    let lab = Lab::start(2);
    let codes = lab.vouchers(&["-n", &SAMPLES.to_string()]);
    let addresses = add_addresses(&lab, 100, 40);
    let stop = AtomicBool::new(false);
    let (checked, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let attack_started = Instant::now();
    let waits = std::thread::scope(|s| {
        s.spawn(|| {
            for round in 0usize.. {
                let ip = &addresses[round % addresses.len()];
                let mac = format!(
                    "02:55:00:00:{:02x}:{:02x}",
                    (round / 256) % 256,
                    round % 256
                );
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
        // Past the old gateway-wide budget (60 failures a minute) before the first sample.
        while checked.load(Ordering::Relaxed) + refused.load(Ordering::Relaxed) < 70 {
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut waits = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            // One sample every SPACING into the attack.
            let due = SPACING * u32::try_from(i).unwrap_or(0);
            std::thread::sleep(due.saturating_sub(attack_started.elapsed()));
            let start = Instant::now();
            let mut got_in = false;
            while start.elapsed() < GIVE_UP {
                if lab.login(2, code, "").0 == "303" {
                    got_in = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            waits.push((start.elapsed(), got_in));
            lab.logout(2);
        }
        stop.store(true, Ordering::Relaxed);
        waits
    });
    let minutes = attack_started.elapsed().as_secs_f64() / 60.0;
    let (checked, refused) = (checked.into_inner(), refused.into_inner());
    for (i, (wait, got_in)) in waits.iter().enumerate() {
        let outcome = if *got_in { "in after" } else { "gave up after" };
        println!(
            "valid code {} (~{} s into the attack): {outcome} {:.2} s",
            i + 1,
            SPACING.as_secs() * i as u64,
            wait.as_secs_f64()
        );
    }
    println!(
        "attacker over {minutes:.1} min: {} guesses, {checked} checked ({:.0} per minute), {refused} refused",
        checked + refused,
        checked as f64 / minutes
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a word picks one part.
    let which = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    if which.is_empty() || which == "memory" {
        memory();
    }
    if which.is_empty() || which == "guessing" {
        guessing_attack();
    }
}
