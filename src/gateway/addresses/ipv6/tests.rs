use super::*;

fn a(last: u16) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0x77, 0, 0, 0, 0, last)
}

#[test]
fn the_address_to_replace_is_the_least_recently_used_not_the_oldest() {
    let held = [a(1), a(2), a(3), a(4)];
    // a(1) joined first but is in use again: a(2), the oldest not seen lately, goes.
    assert_eq!(least_recently_seen(&held, &[a(3), a(4), a(1)]), Some(a(2)));
    // Every address recent: the one seen longest ago.
    assert_eq!(
        least_recently_seen(&held, &[a(3), a(1), a(2), a(4)]),
        Some(a(3))
    );
    // Nothing seen at all (the device table forgot the device): the oldest held.
    assert_eq!(least_recently_seen(&held, &[]), Some(a(1)));
    assert_eq!(least_recently_seen(&[], &[a(1)]), None);
}
