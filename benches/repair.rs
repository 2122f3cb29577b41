//! How long our table is missing after someone flushes the ruleset: the daemon hears of it
//! from nftables' own announcement and rebuilds at once (before: the next once-a-second
//! check, ~0.6 s on average). Real daemon (release), real kernel, in the namespace lab. The
//! window is timed from the first poll that finds the table gone to the first that finds it
//! back (polls over netlink, ~0.1 ms apart). Prints figures; asserts nothing about speed.
//! Run as root: `cargo bench --bench repair`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::lab::Lab;
use common::policy;
use hotspotd::firewall::{Firewall, Nft};

const ROUNDS: usize = 20;

fn main() {
    let lab = Lab::start(2);
    let code = &lab.vouchers(&[])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    let fw = Firewall::with_nft(policy(), Nft::in_netns(&lab.gw()));
    let present = || fw.table_present().expect("ask the kernel");
    let mut windows = Vec::new();
    for _ in 0..ROUNDS {
        let mut flush = lab.in_ns_spawn(&lab.gw(), &["nft", "flush", "ruleset"]);
        let deadline = Instant::now() + Duration::from_secs(5);
        while present() {
            assert!(Instant::now() < deadline, "the flush never showed");
        }
        let gone = Instant::now();
        while !present() {
            assert!(Instant::now() < deadline, "the table never came back");
        }
        windows.push(gone.elapsed().as_secs_f64() * 1000.0);
        let _ = flush.wait();
        std::thread::sleep(Duration::from_millis(200));
    }
    windows.sort_by(f64::total_cmp);
    println!(
        "table missing after a flush: median {:.1} ms, max {:.1} ms, min {:.1} ms ({ROUNDS} flushes; {} rebuilds logged)",
        windows[ROUNDS / 2],
        windows[ROUNDS - 1],
        windows[0],
        lab.log()
            .matches("another process changed our nftables table")
            .count()
    );
}
