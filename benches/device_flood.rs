//! A flood of frames from random MACs against the capture's device table: the cost of each
//! new MAC once the table is full (the bound keeps memory flat; this shows it also keeps the
//! work per frame flat). No root needed. Prints figures; asserts nothing about speed.
//! Run: `cargo bench --bench device_flood`.

use std::net::Ipv4Addr;
use std::time::Instant;

use hotspotd::sniff::devices::{DeviceTable, Sighting};

const NEW_MACS: u32 = 200_000;

fn main() {
    let mut table = DeviceTable::default();
    let started = Instant::now();
    for i in 0..NEW_MACS {
        let [a, b, c, d] = i.to_be_bytes();
        let arp = Sighting::Arp {
            mac: format!("02:00:{a:02x}:{b:02x}:{c:02x}:{d:02x}"),
            ip: Ipv4Addr::new(10, 77, 0, 10),
        };
        table.observe(arp, i64::from(i));
    }
    let took = started.elapsed();
    println!(
        "{NEW_MACS} new MACs into a table bounded at {}: {:.0} ms, {:.2} µs per MAC",
        table.len(),
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / f64::from(NEW_MACS)
    );
}
