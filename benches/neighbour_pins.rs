//! Pinning online guests' neighbour entries (rtnetlink, in-process, one writer thread): the
//! time to pin 10,000 guests (a restart restoring them), one more guest's pin with 10,000 in
//! place, what a login pays for it (queueing only), and, for comparison, `ip neigh replace`
//! per guest. Needs root: runs in a network namespace of its own, on a bridge with no ports.
//! Prints figures; asserts nothing about speed. Run: `cargo bench --bench neighbour_pins`.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use hotspotd::neighbours::pin::{PinnedNetwork, Pins};

const CLIENTS: u32 = 10_000;
const ROUNDS: u32 = 200;

fn ip(i: u32) -> IpAddr {
    let [_, _, c, d] = (i + 256).to_be_bytes();
    IpAddr::V4(Ipv4Addr::new(10, 77, c, d))
}

fn mac(i: u32) -> String {
    let [a, b, c, d] = i.to_be_bytes();
    format!("02:{a:02x}:{b:02x}:{c:02x}:{d:02x}:01")
}

fn sh(args: &[&str]) {
    let ok = Command::new(args[0])
        .args(&args[1..])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "{args:?} failed");
}

fn permanent_entries() -> usize {
    let out = Command::new("ip")
        .args(["neigh", "show", "nud", "permanent", "dev", "lan0"])
        .output()
        .expect("ip neigh");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn per(took: Duration, n: u32) -> String {
    format!("{:.1} µs", took.as_secs_f64() * 1e6 / f64::from(n))
}

fn main() {
    // SAFETY: unshare(2) on this (still single) thread: everything after runs in the new
    // namespace, the `ip` commands it starts included.
    assert_eq!(
        unsafe { libc::unshare(libc::CLONE_NEWNET) },
        0,
        "needs root (a network namespace of its own)"
    );
    sh(&["ip", "link", "add", "lan0", "type", "bridge"]);
    sh(&["ip", "link", "set", "lan0", "up"]);
    sh(&["ip", "addr", "add", "10.77.0.1/16", "dev", "lan0"]);
    let pins = Pins::start(vec![PinnedNetwork {
        interface: "lan0".into(),
        ranges: vec!["10.77.0.0/16".parse().unwrap()],
    }]);
    pins.written();

    let started = Instant::now();
    for i in 0..CLIENTS {
        pins.pin(ip(i), &mac(i));
    }
    let queued = started.elapsed();
    pins.written();
    let all = started.elapsed();
    assert_eq!(permanent_entries(), CLIENTS as usize);
    println!(
        "pin {CLIENTS} guests: {:.1} ms ({} each; queueing alone {} each)",
        all.as_secs_f64() * 1e3,
        per(all, CLIENTS),
        per(queued, CLIENTS)
    );

    let mut one = Vec::new();
    for r in 0..ROUNDS {
        let started = Instant::now();
        pins.pin(ip(CLIENTS + r), &mac(CLIENTS + r));
        pins.written();
        one.push(started.elapsed());
    }
    one.sort();
    println!(
        "one more guest with {CLIENTS} pinned, until written: median {}, max {}",
        per(one[one.len() / 2], 1),
        per(one[one.len() - 1], 1)
    );

    let started = Instant::now();
    for i in 0..CLIENTS + ROUNDS {
        pins.unpin(ip(i), &mac(i));
    }
    pins.written();
    println!(
        "unpin {}: {:.1} ms",
        CLIENTS + ROUNDS,
        started.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(permanent_entries(), 0);

    let started = Instant::now();
    for i in 0..ROUNDS {
        let (ip, mac) = (ip(i).to_string(), mac(i));
        sh(&[
            "ip",
            "neigh",
            "replace",
            &ip,
            "lladdr",
            &mac,
            "nud",
            "permanent",
            "dev",
            "lan0",
        ]);
    }
    println!(
        "for comparison, `ip neigh replace … nud permanent` per guest: {}",
        per(started.elapsed(), ROUNDS)
    );
}
