use super::*;
use proptest::prelude::*;

const MAC: [u8; 6] = [0x02, 0x77, 0, 0, 0, 0x0b];

fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&MAC);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn arp_request(ip: [u8; 4]) -> Vec<u8> {
    let mut p = vec![0, 1, 8, 0, 6, 4, 0, 1];
    p.extend_from_slice(&MAC);
    p.extend_from_slice(&ip);
    p.extend_from_slice(&[0; 6]);
    p.extend_from_slice(&[10, 77, 0, 1]);
    ethernet(0x0806, &p)
}

/// A DHCP message (BOOTP + options) in UDP/IPv4/Ethernet.
fn dhcp(sport: u16, dport: u16, op: u8, yiaddr: [u8; 4], options: &[u8]) -> Vec<u8> {
    let mut b = vec![op, 1, 6, 0, 0x39, 0x03, 0xf3, 0x26, 0, 0, 0, 0];
    b.extend_from_slice(&[0; 4]); // ciaddr
    b.extend_from_slice(&yiaddr);
    b.extend_from_slice(&[0; 8]); // siaddr, giaddr
    b.extend_from_slice(&MAC);
    b.extend_from_slice(&[0; 10 + 64 + 128]);
    b.extend_from_slice(&[99, 130, 83, 99]);
    b.extend_from_slice(options);
    b.push(255);
    let udp_len = 8 + b.len();
    let mut udp = Vec::new();
    udp.extend_from_slice(&sport.to_be_bytes());
    udp.extend_from_slice(&dport.to_be_bytes());
    udp.extend_from_slice(&(udp_len as u16).to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(&b);
    let total = 20 + udp.len();
    let mut ip = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0,
        0,
        64,
        17,
        0,
        0,
        0,
        0,
        0,
        0,
        255,
        255,
        255,
        255,
    ];
    ip.extend_from_slice(&udp);
    ethernet(0x0800, &ip)
}

fn request_with_hostname() -> Vec<u8> {
    let mut o = vec![53, 1, 3]; // DHCPREQUEST
    o.extend_from_slice(&[12, 11]);
    o.extend_from_slice(b"guest-phone");
    o.extend_from_slice(&[60, 15]);
    o.extend_from_slice(b"android-dhcp-14");
    dhcp(68, 67, 1, [0; 4], &o)
}

#[test]
fn an_arp_claim_for_another_mac_is_ignored() {
    let mut forged = arp_request([10, 77, 0, 99]);
    // The sender hardware address names another device; the frame still comes from MAC.
    forged[14 + 8..14 + 14].copy_from_slice(&[0x02, 0x77, 0, 0, 0, 0x0c]);
    assert_eq!(parse_frame(&forged), None);
}

#[test]
fn reads_arp_and_dhcp() {
    assert_eq!(
        parse_frame(&arp_request([10, 77, 0, 11])),
        Some(Sighting::Arp {
            mac: "02:77:00:00:00:0b".into(),
            ip: Ipv4Addr::new(10, 77, 0, 11)
        })
    );
    assert_eq!(
        parse_frame(&request_with_hostname()),
        Some(Sighting::DhcpClient {
            mac: "02:77:00:00:00:0b".into(),
            hostname: Some("guest-phone".into()),
            vendor: Some("android-dhcp-14".into())
        })
    );
    let ack = dhcp(67, 68, 2, [10, 77, 0, 150], &[53, 1, 5]);
    assert_eq!(
        parse_frame(&ack),
        Some(Sighting::DhcpLease {
            mac: "02:77:00:00:00:0b".into(),
            ip: Ipv4Addr::new(10, 77, 0, 150)
        })
    );
    // An OFFER (2) is not a lease; ARP probes from 0.0.0.0 say nothing.
    assert_eq!(
        parse_frame(&dhcp(67, 68, 2, [10, 77, 0, 150], &[53, 1, 2])),
        None
    );
    assert_eq!(parse_frame(&arp_request([0, 0, 0, 0])), None);
}

#[test]
fn the_table_remembers_devices() {
    let mut t = DeviceTable::default();
    for (s, now) in [
        (parse_frame(&request_with_hostname()), 100),
        (
            parse_frame(&dhcp(67, 68, 2, [10, 77, 0, 150], &[53, 1, 5])),
            101,
        ),
        (parse_frame(&arp_request([10, 77, 0, 150])), 105),
    ] {
        t.observe(s.unwrap(), now);
    }
    let d = t.get("02:77:00:00:00:0b").unwrap();
    assert_eq!((d.first_seen, d.last_seen), (100, 105));
    assert_eq!(d.hostname.as_deref(), Some("guest-phone"));
    assert_eq!(d.ips, vec![Ipv4Addr::new(10, 77, 0, 150)]);
    assert_eq!(
        t.lease_holder(Ipv4Addr::new(10, 77, 0, 150)),
        Some("02:77:00:00:00:0b")
    );
    assert_eq!(t.lease_holder(Ipv4Addr::new(10, 77, 0, 151)), None);
}

#[test]
fn truncated_frames_never_panic() {
    for f in [arp_request([10, 77, 0, 11]), request_with_hostname()] {
        for len in 0..f.len() {
            let _ = parse_frame(&f[..len]);
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_frame(&bytes);
    }

    #[test]
    fn mutated_dhcp_never_panics(flips in proptest::collection::vec((0usize..400, any::<u8>()), 1..10)) {
        let mut f = request_with_hostname();
        for (at, v) in flips {
            let at = at % f.len();
            f[at] = v;
        }
        let _ = parse_frame(&f);
    }
}

#[test]
fn a_dhcp_request_naming_another_device_is_ignored() {
    let mut forged = request_with_hostname();
    // chaddr (at Ethernet 14 + IP 20 + UDP 8 + 28) names another device than the sender.
    forged[14 + 20 + 8 + 28 + 5] = 0x99;
    assert_eq!(parse_frame(&forged), None);
    assert!(matches!(
        parse_frame(&request_with_hostname()),
        Some(Sighting::DhcpClient { .. })
    ));
}
