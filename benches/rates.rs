//! Rate precision of the daemon itself: one guest logs in with a voucher at each rate and
//! runs iperf3 (8 s, both directions) through the real daemon (release) in the namespace
//! lab. Per run: the first 1-second window as a multiple of the rate, the worst later
//! window's deviation from the rate, and the goodput of the later windows (receiver side,
//! TCP payload), medians over the rounds. Prints figures; asserts nothing. Run as root:
//! `cargo bench --bench rates [-- ROUNDS]` (`RATES=1,8` for some rates only).
//! `bench/rates_ab.py` compares the same figures for policing and shaping variants built by
//! hand with nft and tc.

#[path = "../tests/common/mod.rs"]
mod common;

use common::lab::Lab;
use common::rates::iperf3_windows;

const SECONDS: usize = 8;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(3);
    let rates: Vec<u64> = std::env::var("RATES")
        .unwrap_or_else(|_| "1,8,50,200".into())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    println!(
        "the daemon's rates, median of {rounds} runs of {SECONDS} 1-second windows (iperf3, receiver side)"
    );
    println!(
        "{:>11} {:4} {:>10} {:>11} {:>8}",
        "rate", "dir", "1st s/rate", "worst later", "goodput"
    );
    for mbit in rates {
        let lab = Lab::start(1);
        let rate = format!("{mbit}M");
        let code = &lab.vouchers(&["--down", &rate, "--up", &rate])[0];
        assert_eq!(lab.login(1, code, "").0, "303", "{}", lab.log());
        let mut server = lab.in_ns_spawn(&format!("{}-up", lab.prefix), &["iperf3", "-s", "-J"]);
        let bps = mbit as f64 * 1e6;
        for (dir, download) in [("down", true), ("up", false)] {
            let (mut first, mut worst, mut good) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds {
                let w = iperf3_windows(&lab, download, SECONDS);
                eprintln!(
                    "{mbit} Mbit/s {dir}: {}",
                    w.iter()
                        .map(|x| format!("{:.2}", x / 1e6))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                let later = &w[1..];
                first.push(w[0] / bps);
                worst.push(
                    later
                        .iter()
                        .map(|x| (x / bps - 1.0).abs())
                        .fold(0.0, f64::max),
                );
                good.push(later.iter().sum::<f64>() / later.len() as f64 / bps);
            }
            println!(
                "{mbit:>4} Mbit/s {dir:4} {:>10.2} {:>10.1}% {:>7.1}%",
                median(first),
                median(worst) * 100.0,
                median(good) * 100.0
            );
        }
        let _ = server.kill();
        let _ = server.wait();
    }
}
