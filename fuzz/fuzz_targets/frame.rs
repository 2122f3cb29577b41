//! Any Ethernet frame through everything the capture reads (ARP, DHCP, DNS answers, IPv6
//! senders). The frame's own source MAC and IPv4 source are taken as the gateway's, so the DNS
//! and DHCP-lease paths that only trust the gateway are reached too. Must never panic.
#![no_main]

use hotspotd::sniff::capture::{OwnAddresses, events_of};
use hotspotd::sniff::names::DomainPattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|frame: &[u8]| {
    let patterns: Vec<DomainPattern> = ["*.example.com", "pay.example.net"]
        .iter()
        .filter_map(|p| DomainPattern::parse(p).ok())
        .collect();
    let own = OwnAddresses {
        mac: frame
            .get(6..12)
            .and_then(|m| m.try_into().ok())
            .unwrap_or_default(),
        ip: frame
            .get(26..30)
            .and_then(|a| <[u8; 4]>::try_from(a).ok())
            .unwrap_or_default()
            .into(),
    };
    let _ = events_of(frame, &own, &patterns);
});
