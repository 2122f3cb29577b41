use super::*;
use crate::sniff::fixtures::{frame, response};
use proptest::prelude::*;

#[test]
fn follows_cnames_to_the_addresses_of_the_question() {
    let got = parse_frame(&frame(&response()));
    let addrs: Vec<_> = got
        .iter()
        .map(|r| (r.question.as_str(), r.address, r.ttl))
        .collect();
    assert_eq!(
        addrs,
        vec![
            ("pay.example.com", Ipv4Addr::new(203, 0, 113, 7), 60),
            ("pay.example.com", Ipv4Addr::new(203, 0, 113, 8), 60)
        ]
    );
}

#[test]
fn ignores_queries_errors_and_other_traffic() {
    let mut query = response();
    query[2] = 0x01; // not a response
    assert!(parse_message(&query).is_empty());
    let mut nxdomain = response();
    nxdomain[3] = 0x83;
    assert!(parse_message(&nxdomain).is_empty());
    let mut tcp = frame(&response());
    tcp[14 + 9] = 6;
    assert!(parse_frame(&tcp).is_empty());
    let mut other_port = frame(&response());
    other_port[14 + 20 + 1] = 54;
    assert!(parse_frame(&other_port).is_empty());
    let mut arp = frame(&response());
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    assert!(parse_frame(&arp).is_empty());
}

#[test]
fn truncated_input_never_panics() {
    let f = frame(&response());
    for len in 0..f.len() {
        let _ = parse_frame(&f[..len]);
    }
    let m = response();
    for len in 0..m.len() {
        let _ = parse_message(&m[..len]);
    }
}

#[test]
fn a_compression_loop_ends() {
    let mut m = vec![0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
    m.extend_from_slice(&[0xc0, 12]); // the question's name points at itself
    m.extend_from_slice(&[0, 1, 0, 1]);
    assert!(parse_message(&m).is_empty());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_frame(&bytes);
        let _ = parse_message(&bytes);
    }

    #[test]
    fn mutated_responses_never_panic(flips in proptest::collection::vec((0usize..120, any::<u8>()), 1..8)) {
        let mut f = frame(&response());
        for (at, value) in flips {
            let at = at % f.len();
            f[at] = value;
        }
        let _ = parse_frame(&f);
    }
}
