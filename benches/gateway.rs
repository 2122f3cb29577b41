//! Gateway benchmark in the namespace lab, with the release daemon and the real kernel.
//! Prints figures; asserts nothing about speed. Run as root: `cargo bench --bench gateway`.
//!
//! 1. Authorising 1,000 clients in one nft transaction (library, fresh namespace), rule count
//!    with 0 and 1,000 clients.
//! 2. The daemon restoring 1,000 sessions from SQLite in one go, its RSS and CPU with them.
//! 3. Splash page requests/second with wrk from a guest namespace.
//! 4. Login → first upstream TCP connection, p50/p99 over 200 logins, by voucher and by
//!    click-through in the same run.
//!
//! Forwarding throughput is in `benches/forwarding.rs`.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use common::policy;

use std::time::{Duration, Instant};

use common::lab::{Lab, PORTAL};
use common::netns::{Netns, unique_prefix};
use hotspotd::firewall::{AccessLists, Change, ClientGrant, Firewall, Nft, Quotas, count_rules};
use support::{client_ip, client_mac, cpu_ticks, proc_field, seed_sessions, wide_lab};

/// Client counts measured (issue 2 asks for 1,000; issue 4 for 10,000).
const SIZES: [u32; 2] = [1000, 10_000];

fn grants(n: u32, first_session: i64) -> Vec<ClientGrant> {
    (0..n)
        .map(|i| ClientGrant {
            session_id: first_session + i64::from(i),
            mac: client_mac(i),
            ip: client_ip(i).parse().unwrap(),
            ip6: Vec::new(),
            timeout_secs: 3600,
            rate_up_bps: Some(2_000_000),
            rate_down_bps: Some(10_000_000),
            quotas: Quotas::default(),
            flush_redirected: false,
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// Median, min and max of five fresh authorisations of `clients` in one transaction.
fn authorise_rounds(fw: &Firewall, clients: u32, with_nft: bool) -> (f64, f64, f64) {
    let mut times = Vec::new();
    for round in 0..5 {
        fw.rebuild(&[], &AccessLists::default()).unwrap();
        let changes: Vec<Change> = grants(clients, i64::from(round) * 10_000)
            .into_iter()
            .map(Change::Allow)
            .collect();
        let start = Instant::now();
        if with_nft {
            fw.apply_with_nft(&changes).unwrap();
        } else {
            fw.apply(&changes).unwrap();
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (percentile(&times, 0.5), times[0], times[4])
}

/// One more client with `clients` in the table: netlink, and nft for comparison.
fn one_more_client(fw: &Firewall, clients: u32) -> (f64, f64) {
    let time = |session: i64, with_nft: bool| {
        let mut extra = grants(clients + 1, 0).pop().expect("one more client");
        extra.session_id = session;
        let change = [Change::Allow(extra.clone())];
        let start = Instant::now();
        if with_nft {
            fw.apply_with_nft(&change).unwrap();
        } else {
            fw.apply(&change).unwrap();
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let revoke = hotspotd::firewall::ClientRevoke {
            session_id: session,
            mac: extra.mac,
            ip: extra.ip,
            ip6: Vec::new(),
            quotas: Quotas::default(),
            drop_quotas: true,
            ends_session: true,
        };
        fw.apply(&[Change::Revoke(revoke)]).unwrap();
        ms
    };
    (time(99_999, false), time(99_998, true))
}

/// Forks and clones since boot, machine-wide (`processes` in /proc/stat): the delta over a
/// step bounds the processes it spawned (other activity on the machine adds to it).
fn forks_since_boot() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("processes "))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Ends every client of the table in one batch, as a window closing does: the removal with
/// its counter reads, then the flush of their connections over ctnetlink; and, for
/// comparison, one `conntrack -D` per address as before.
fn end_all_at_once(fw: &Firewall, ns: &Netns, clients: u32) {
    let ending: Vec<Change> = grants(clients, 0)
        .into_iter()
        .map(|g| {
            Change::Revoke(hotspotd::firewall::ClientRevoke {
                session_id: g.session_id,
                mac: g.mac,
                ip: g.ip,
                ip6: Vec::new(),
                quotas: Quotas::default(),
                drop_quotas: true,
                ends_session: true,
            })
        })
        .collect();
    let ips: Vec<std::net::IpAddr> = (0..clients)
        .map(|i| client_ip(i).parse().unwrap())
        .collect();
    let forks = forks_since_boot();
    let start = Instant::now();
    let last = fw.apply(&ending).unwrap();
    let removal_ms = start.elapsed().as_secs_f64() * 1000.0;
    let filter = hotspotd::firewall::FlowFilter {
        clients: ips.iter().copied().collect(),
        redirected: Default::default(),
    };
    let start = Instant::now();
    hotspotd::firewall::kill_flows(Some(&ns.name), &filter).unwrap();
    let flush_ms = start.elapsed().as_secs_f64() * 1000.0;
    let forked = forks_since_boot() - forks;
    assert_eq!(
        last.counters.len(),
        2 * clients as usize,
        "every counter read"
    );
    let script: String = ips
        .iter()
        .map(|ip| format!("conntrack -D -f ipv4 --orig-src {ip} >/dev/null 2>&1; "))
        .collect();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), script).unwrap();
    let start = Instant::now();
    ns.command(&["sh", &file.path().display().to_string()])
        .status()
        .unwrap();
    let old_ms = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "end {clients} sessions at once: removal with last counts {removal_ms:.1} ms, connection flush over ctnetlink {flush_ms:.1} ms, {forked} forks machine-wide meanwhile (the daemon's path spawns none); before: one conntrack -D per address {old_ms:.0} ms"
    );
}

/// The lab's policy with shaping: veths `lan0` and `wan0` made in `ns`, so every client's
/// rates get classes of the pools (10,240 per interface for the /16).
fn shaped_policy(ns: &Netns) -> hotspotd::firewall::FirewallPolicy {
    for (dev, peer) in [("lan0", "lanp"), ("wan0", "wanp")] {
        ns.exec(&[
            "ip", "link", "add", dev, "type", "veth", "peer", "name", peer,
        ]);
        ns.exec(&["ip", "link", "set", dev, "up"]);
    }
    hotspotd::firewall::FirewallPolicy {
        wan_interface: Some("wan0".into()),
        ..policy()
    }
}

fn firewall_batches(clients: u32) {
    let ns = Netns::new(format!("{}-bench", unique_prefix()));
    let fw = Firewall::with_nft(shaped_policy(&ns), Nft::in_netns(&ns.name));
    let start = Instant::now();
    fw.rebuild(&[], &AccessLists::default()).unwrap();
    println!(
        "first start: shaping pools made (10,240 HTB classes with TBF leaves on each of lan0 and wan0) and empty table in {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    let rules_empty = count_rules(&fw.listing().unwrap().unwrap());
    let (median, min, max) = authorise_rounds(&fw, clients, false);
    let (nft_median, nft_min, nft_max) = authorise_rounds(&fw, clients, true);
    let start = Instant::now();
    fw.rebuild(&grants(clients, 0), &AccessLists::default())
        .unwrap();
    let rebuild_ms = start.elapsed().as_secs_f64() * 1000.0;
    let rules_full = count_rules(&fw.listing().unwrap().unwrap());
    let (single_ms, single_nft_ms) = one_more_client(&fw, clients);
    let mut reads: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let k = fw.read().unwrap().expect("table exists");
            assert_eq!(k.counters.len(), 2 * clients as usize);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    reads.sort_by(f64::total_cmp);
    println!(
        "authorise {clients} clients in one transaction over netlink: median {median:.1} ms (5 runs, min {min:.1}, max {max:.1}); through nft: median {nft_median:.1} ms (min {nft_min:.1}, max {nft_max:.1})"
    );
    println!(
        "rebuild whole table with {clients} clients (nft): {rebuild_ms:.1} ms; one more client alone: {single_ms:.2} ms over netlink, {single_nft_ms:.1} ms through nft"
    );
    println!(
        "read every counter and quota of {clients} clients over netlink: median {:.1} ms (5 runs)",
        percentile(&reads, 0.5)
    );
    println!("nft rules: {rules_empty} with 0 clients, {rules_full} with {clients} clients");
    end_all_at_once(&fw, &ns, clients);
    // The daemon listens to nftables' change announcements (table repair): with a listener,
    // the kernel writes a notification for every element our transactions add.
    hotspotd::firewall::watch(Some(ns.name.clone()), |_| {}).unwrap();
    let (median, min, max) = authorise_rounds(&fw, clients, false);
    println!(
        "authorise {clients} clients over netlink with the daemon's change listener: median {median:.1} ms (min {min:.1}, max {max:.1})"
    );
}

/// Starts the daemon on `clients` sessions seeded into the lab's database and measures the
/// restore, memory, CPU and the splash page with them online.
fn daemon_with_clients(clients: u32) {
    let mut lab = wide_lab();
    seed_sessions(&lab, clients);
    let start = Instant::now();
    lab.start_daemon();
    let up = start.elapsed();
    let applied = lab
        .log()
        .lines()
        .find(|l| l.contains("firewall table applied"))
        .map(|l| l.to_string())
        .unwrap_or_default();
    let elapsed = applied
        .split("elapsed_ms")
        .nth(1)
        .map(|s| s.chars().filter(char::is_ascii_digit).collect::<String>())
        .unwrap_or_default();
    println!(
        "daemon restore of {clients} sessions: table with all of them applied in {elapsed} ms; portal answering {:.0} ms after start",
        up.as_secs_f64() * 1000.0
    );
    let listing = lab.in_ns(
        &lab.gw(),
        &["nft", "-j", "list", "table", "inet", "hotspotd"],
    );
    let listing: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    println!(
        "nft rules in the daemon's table with {clients} clients: {}",
        count_rules(&listing)
    );
    let pid = lab.daemon_pid();
    std::thread::sleep(Duration::from_secs(3));
    // RSS sampled every 250 ms over 10 s of enforcement ticks: one reading lands anywhere
    // in a tick's allocate/free cycle.
    let t0 = cpu_ticks(pid);
    let mut rss_kb: Vec<u64> = (0..40)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(250));
            proc_field(pid, "status", "VmRSS")
                .split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse().ok())
                .unwrap_or(0)
        })
        .collect();
    let t1 = cpu_ticks(pid);
    rss_kb.sort_unstable();
    println!(
        "daemon with {clients} clients: RSS median {:.1} MB, max {:.1} MB over 10 s ({}), CPU {:.1}% of one core over those 10 s of enforcement ticks",
        rss_kb[rss_kb.len() / 2] as f64 / 1024.0,
        rss_kb[rss_kb.len() - 1] as f64 / 1024.0,
        proc_field(pid, "status", "VmHWM")
            .replace('\t', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        (t1 - t0) as f64 / 100.0 / 10.0 * 100.0
    );
    println!("clients listed by the daemon: {}", lab.clients().len());

    // Splash requests/second from a guest, direct and through the capture redirect.
    for (what, url) in [
        ("splash page", format!("{PORTAL}/")),
        ("captured request (302)", "http://example.com/".to_string()),
    ] {
        let out = lab.in_ns(
            &lab.guest(1),
            &["wrk", "-t2", "-c32", "-d5s", "--latency", &url],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let rps = text
            .lines()
            .find(|l| l.starts_with("Requests/sec"))
            .unwrap_or("Requests/sec: ?")
            .to_string();
        let p99 = text
            .lines()
            .find(|l| l.trim_start().starts_with("99%"))
            .unwrap_or("99% ?")
            .trim()
            .to_string();
        println!("{what}: {rps}, latency {p99} (wrk -t2 -c32, 5 s, from the guest namespace)");
    }
    lab.stop_daemon("TERM");
}

fn login_latency() {
    let lab = Lab::start(1);
    let code = lab.vouchers(&["--uses", "unlimited"])[0].clone();
    println!("voucher:");
    login_rounds(&lab, &code);
    // The same daemon, the same device: click-through under an unlimited profile (each round
    // finds the device's guest and user again and appends its consents to the ledger).
    lab.ok(&[
        "profile",
        "add",
        "click-through",
        "--name-for-users",
        "Free Wi-Fi",
    ]);
    lab.ok(&["settings", "set", "methods.click.enabled", "true"]);
    println!("click-through:");
    login_rounds(&lab, "click");
}

/// 200 logins of guest 1 with `code` ("click": click-through), printing the percentiles.
fn login_rounds(lab: &Lab, code: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/login_latency.py");
    let out = lab.in_ns(
        &lab.guest(1),
        &["python3", script, PORTAL, code, "10.88.0.2", "200"],
    );
    assert!(
        out.status.success(),
        "latency script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (key, what) in [
        (
            "post_to_first_connect_ms",
            "login POST sent → first upstream TCP connection",
        ),
        (
            "response_to_first_connect_ms",
            "login response received → first upstream TCP connection",
        ),
        ("login_request_ms", "login request alone"),
    ] {
        let mut s: Vec<f64> = v[key]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x.as_f64())
            .collect();
        s.sort_by(f64::total_cmp);
        println!(
            "{what}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} logins)",
            percentile(&s, 0.5),
            percentile(&s, 0.99),
            s[s.len() - 1],
            s.len()
        );
    }
}

fn main() {
    // BENCH_ONLY=firewall|daemon|login runs one part (they take minutes together).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only == part;
    if run("firewall") {
        for clients in SIZES {
            firewall_batches(clients);
        }
    }
    if run("daemon") {
        for clients in SIZES {
            daemon_with_clients(clients);
        }
    }
    if run("login") {
        login_latency();
    }
}
