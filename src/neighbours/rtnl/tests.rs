use super::*;

#[test]
fn a_pin_is_a_permanent_entry_marked_as_ours() {
    let ip: IpAddr = "10.77.0.11".parse().unwrap();
    let pin = Entry::Pin {
        ifindex: 7,
        ip,
        mac: [2, 0x77, 0, 0, 0, 0x0b],
    };
    let bytes = encode(&pin, 5);
    assert_eq!(bytes.len(), 16 + 12 + 8 + 12 + 8);
    let (kind, seq, body) = messages(&bytes).next().unwrap();
    assert_eq!((kind, seq), (libc::RTM_NEWNEIGH, 5));
    // What we write reads back as ours, with its address.
    let unpin = Entry::Unpin {
        ifindex: 7,
        ip,
        mac: [2, 0x77, 0, 0, 0, 0x0b],
    };
    assert_eq!(pinned_by_us(body), Some(unpin));
    let bytes = encode(&unpin, 6);
    let (kind, _, body) = messages(&bytes).next().unwrap();
    assert_eq!(kind, libc::RTM_NEWNEIGH);
    assert_eq!(pinned_by_us(body), None, "not permanent, not marked");
    let forget = encode(&Entry::Forget { ifindex: 7, ip }, 7);
    let (kind, seq, _) = messages(&forget).next().unwrap();
    assert_eq!((kind, seq), (libc::RTM_DELNEIGH, 7));
}

#[test]
fn an_ipv6_pin_names_the_whole_address() {
    let ip: IpAddr = "2001:db8:77::11".parse().unwrap();
    let bytes = encode(
        &Entry::Pin {
            ifindex: 3,
            ip,
            mac: [2; 6],
        },
        1,
    );
    let (_, _, body) = messages(&bytes).next().unwrap();
    let unpin = Entry::Unpin {
        ifindex: 3,
        ip,
        mac: [2; 6],
    };
    assert_eq!(pinned_by_us(body), Some(unpin));
}

#[test]
fn truncated_replies_read_as_nothing() {
    let bytes = encode(
        &Entry::Pin {
            ifindex: 3,
            ip: "10.0.0.1".parse().unwrap(),
            mac: [2; 6],
        },
        1,
    );
    for cut in 0..bytes.len() {
        for (_, _, body) in messages(&bytes[..cut]) {
            let _ = pinned_by_us(body);
        }
    }
}
