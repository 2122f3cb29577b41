//! Which global IPv6 address a guest's packet shows it uses: the source of any packet, or the
//! target of a duplicate-address-detection probe (sent from `::` before a new address is used,
//! so the address is known before the guest's first connection from it). Pure; never panics.

use std::net::Ipv6Addr;

/// ICMPv6 next-header value.
const ICMPV6: u8 = 58;
/// ICMPv6 neighbour solicitation.
const NEIGHBOUR_SOLICITATION: u8 = 135;

fn addr_at(b: &[u8], at: usize) -> Option<Ipv6Addr> {
    let bytes: [u8; 16] = b.get(at..at + 16)?.try_into().ok()?;
    Some(Ipv6Addr::from(bytes))
}

/// Whether a guest can be authorised for `a`: unicast beyond its link (link-local, multicast,
/// loopback and unspecified addresses are never forwarded).
pub fn is_routable_unicast(a: Ipv6Addr) -> bool {
    let first = a.segments()[0];
    !(a.is_unspecified() || a.is_loopback() || a.is_multicast() || (first & 0xffc0) == 0xfe80)
}

/// The routable address an IPv6 packet (Ethernet payload) shows its sender uses.
pub fn sender_address(ip: &[u8]) -> Option<Ipv6Addr> {
    if *ip.first()? >> 4 != 6 {
        return None;
    }
    let source = addr_at(ip, 8)?;
    if source.is_unspecified() {
        // Duplicate address detection: ICMPv6 NS whose target is the tentative address.
        let icmp = ip.get(40..)?;
        if *ip.get(6)? != ICMPV6 || *icmp.first()? != NEIGHBOUR_SOLICITATION {
            return None;
        }
        return addr_at(icmp, 8).filter(|a| is_routable_unicast(*a));
    }
    is_routable_unicast(source).then_some(source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn packet(source: Ipv6Addr, next: u8, body: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0];
        p.extend_from_slice(&(body.len() as u16).to_be_bytes());
        p.extend_from_slice(&[next, 255]);
        p.extend_from_slice(&source.octets());
        p.extend_from_slice(&"ff02::1:ff00:10".parse::<Ipv6Addr>().unwrap().octets());
        p.extend_from_slice(body);
        p
    }

    fn solicitation(target: Ipv6Addr) -> Vec<u8> {
        let mut icmp = vec![NEIGHBOUR_SOLICITATION, 0, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&target.octets());
        icmp
    }

    #[test]
    fn a_global_source_is_the_senders_address() {
        let a: Ipv6Addr = "2001:db8:77::10".parse().unwrap();
        assert_eq!(sender_address(&packet(a, 6, &[0; 20])), Some(a));
    }

    #[test]
    fn duplicate_address_detection_names_the_new_address() {
        let tentative: Ipv6Addr = "2001:db8:77::abcd".parse().unwrap();
        let dad = packet(Ipv6Addr::UNSPECIFIED, ICMPV6, &solicitation(tentative));
        assert_eq!(sender_address(&dad), Some(tentative));
        // Other packets from `::` (e.g. MLD) name nobody.
        let mld = packet(Ipv6Addr::UNSPECIFIED, ICMPV6, &[143, 0, 0, 0]);
        assert_eq!(sender_address(&mld), None);
    }

    #[test]
    fn link_local_multicast_and_truncated_packets_name_nobody() {
        for source in ["fe80::1", "ff02::1", "::1"] {
            let p = packet(source.parse().unwrap(), 6, &[]);
            assert_eq!(sender_address(&p), None, "{source}");
        }
        let link_local_dad = packet(
            Ipv6Addr::UNSPECIFIED,
            ICMPV6,
            &solicitation("fe80::5".parse().unwrap()),
        );
        assert_eq!(sender_address(&link_local_dad), None);
        let whole = packet(
            Ipv6Addr::UNSPECIFIED,
            ICMPV6,
            &solicitation("2001:db8::1".parse().unwrap()),
        );
        for cut in 0..whole.len() {
            assert_eq!(sender_address(&whole[..cut]), None, "cut at {cut}");
        }
        let mut v4 = whole.clone();
        v4[0] = 0x45;
        assert_eq!(sender_address(&v4), None);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = sender_address(&bytes);
        }
    }
}
