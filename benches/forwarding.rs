//! Forwarding throughput of one guest through the gateway namespace, in one run: with no
//! daemon at all (no hotspotd table), with the daemon and only this guest authorised, and with
//! 10,000 more authorised clients (sessions restored from SQLite), and with no daemon again at
//! the end (the baseline is the mean of both no-daemon runs). iperf3 from the guest to the
//! upstream namespace, both directions, over IPv4. Prints figures; asserts nothing about speed.
//! Run as root: `cargo bench --bench forwarding`.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::process::Child;

use common::lab::Lab;
use support::{cpu_ticks, proc_field, seed_sessions, wide_lab};

/// Seconds per iperf3 run (after one omitted warm-up second), and runs per figure.
const SECONDS: &str = "5";
const RUNS: usize = 3;

/// Median receiver throughput, Gbit/s, of `RUNS` iperf3 runs from guest 1 (`reverse`: download).
fn throughput(lab: &Lab, reverse: bool) -> f64 {
    let mut runs: Vec<f64> = (0..RUNS)
        .map(|_| {
            // Client on CPU 0, server on CPU 1: left to the scheduler, the two ends wander
            // and the same setup reads 13.5–18.3 Gbit/s; pinned, within about ±5%.
            let mut args = vec![
                "iperf3",
                "-c",
                "10.88.0.2",
                "-t",
                SECONDS,
                "-O",
                "1",
                "-J",
                "-A",
                "0,1",
            ];
            if reverse {
                args.push("-R");
            }
            let out = lab.in_ns(&lab.guest(1), &args);
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
                panic!(
                    "iperf3 failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            });
            let bps = v["end"]["sum_received"]["bits_per_second"]
                .as_f64()
                .unwrap_or_else(|| panic!("no throughput in iperf3 output: {v}"));
            bps / 1e9
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[RUNS / 2]
}

struct Figures {
    up: f64,
    down: f64,
}

/// Prints `figures` as percentages of `base`.
fn compare(what: &str, figures: &Figures, base: &Figures) {
    println!(
        "{what}: upload {:.0}%, download {:.0}%",
        figures.up / base.up * 100.0,
        figures.down / base.down * 100.0
    );
}

fn measure(lab: &Lab, what: &str) -> Figures {
    let f = Figures {
        up: throughput(lab, false),
        down: throughput(lab, true),
    };
    println!(
        "{what}: upload {:.2} Gbit/s, download {:.2} Gbit/s (median of {RUNS} × {SECONDS} s)",
        f.up, f.down
    );
    f
}

/// `measure`, also printing the daemon's CPU use and RSS meanwhile (the packet capture sees
/// every frame on the LAN).
fn measure_with_daemon(lab: &Lab, what: &str) -> Figures {
    let pid = lab.daemon_pid();
    let (t0, started) = (cpu_ticks(pid), std::time::Instant::now());
    let f = measure(lab, what);
    let cpu = (cpu_ticks(pid) - t0) as f64 / 100.0 / started.elapsed().as_secs_f64() * 100.0;
    let rss = proc_field(pid, "status", "VmRSS").replace('\t', " ");
    println!(
        "  daemon meanwhile: CPU {cpu:.1}% of one core, {}",
        rss.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
    );
    f
}

fn iperf_server(lab: &Lab) -> Child {
    let upstream = format!("{}-up", lab.prefix);
    let server = lab.in_ns_spawn(&upstream, &["iperf3", "-s"]);
    lab.wait_until(
        std::time::Duration::from_secs(5),
        "iperf3 listening",
        || {
            let out = lab.in_ns(&upstream, &["ss", "-Hltn", "sport = :5201"]);
            !out.stdout.is_empty()
        },
    );
    server
}

fn login(lab: &Lab) {
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303", "guest 1 login");
}

fn main() {
    let mut lab = wide_lab();
    let mut server = iperf_server(&lab);
    let bare = measure(&lab, "no daemon (no hotspotd table)");
    // For reference: connection tracking alone (any NAT chain turns it on; our table has one).
    let nft = |cmd: &str| {
        let out = lab.in_ns(&lab.gw(), &["nft", cmd]);
        assert!(
            out.status.success(),
            "nft {cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    nft(
        "add table inet conntrack_only; add chain inet conntrack_only pre { type nat hook prerouting priority -100; }",
    );
    let tracked = measure(&lab, "no daemon, conntrack on (one empty NAT chain)");
    nft("delete table inet conntrack_only");
    lab.start_daemon();
    login(&lab);
    let alone = measure_with_daemon(&lab, "daemon, 1 authorised client");
    let _ = server.kill();
    let _ = server.wait();
    drop(lab);

    let mut lab = wide_lab();
    seed_sessions(&lab, 10_000);
    let mut server = iperf_server(&lab);
    lab.start_daemon();
    assert!(lab.clients().len() >= 10_000, "seeded sessions restored");
    login(&lab);
    let crowded = measure_with_daemon(&lab, "daemon, 10,000 + 1 authorised clients");
    lab.stop_daemon("TERM");
    let bare_again = measure(
        &lab,
        "daemon stopped, table of 10,001 clients left in place",
    );
    // No daemon once more at the end: the machine drifts by more than the differences
    // measured, so the baseline is the mean of the first and last runs, and their spread
    // is printed as the noise of this run.
    let out = lab.in_ns(&lab.gw(), &["nft", "delete", "table", "inet", "hotspotd"]);
    assert!(
        out.status.success(),
        "deleting the table: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And its shaping pools (the root qdiscs stay with the table when the daemon stops).
    for dev in ["lan0", "lan1", "wan0"] {
        let _ = lab.in_ns(&lab.gw(), &["tc", "qdisc", "del", "dev", dev, "root"]);
    }
    let bare_end = measure(&lab, "no daemon again (table and shaping pools deleted)");
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "no daemon, first vs last run: upload {:+.0}%, download {:+.0}% (the noise of this run)",
        (bare_end.up / bare.up - 1.0) * 100.0,
        (bare_end.down / bare.down - 1.0) * 100.0,
    );
    let bare = Figures {
        up: (bare.up + bare_end.up) / 2.0,
        down: (bare.down + bare_end.down) / 2.0,
    };

    compare(
        "with 10,000 clients vs no daemon (mean of first and last)",
        &crowded,
        &bare,
    );
    compare("1 client vs no daemon", &alone, &bare);
    compare(
        "kernel path alone (daemon stopped, 10,001 clients in the table) vs no daemon",
        &bare_again,
        &bare,
    );
    compare("conntrack alone vs no daemon", &tracked, &bare);
    compare("10,000 clients vs conntrack alone", &crowded, &tracked);
}
