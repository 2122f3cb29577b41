//! Any bytes as a DNS message (compression pointers, CNAME chains, truncation). Must never
//! panic or loop.
#![no_main]

use hotspotd::sniff::dns::parse_message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|msg: &[u8]| {
    let _ = parse_message(msg);
});
