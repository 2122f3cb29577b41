use super::*;

fn mac(i: usize) -> String {
    format!(
        "02:00:00:{:02x}:{:02x}:{:02x}",
        i >> 16 & 0xff,
        i >> 8 & 0xff,
        i & 0xff
    )
}

fn lease(mac: &str, ip: [u8; 4]) -> Sighting {
    Sighting::DhcpLease {
        mac: mac.to_string(),
        ip: Ipv4Addr::from(ip),
    }
}

#[test]
fn a_lease_belongs_to_whoever_got_it_last() {
    let mut t = DeviceTable::default();
    t.observe(lease(&mac(1), [10, 77, 0, 150]), 100);
    t.observe(lease(&mac(2), [10, 77, 0, 150]), 101);
    assert_eq!(
        t.lease_holder(Ipv4Addr::new(10, 77, 0, 150)),
        Some(mac(2).as_str())
    );
    // The first device moving on does not take the address from the second.
    t.observe(lease(&mac(1), [10, 77, 0, 151]), 102);
    assert_eq!(
        t.lease_holder(Ipv4Addr::new(10, 77, 0, 150)),
        Some(mac(2).as_str())
    );
    assert_eq!(
        t.lease_holder(Ipv4Addr::new(10, 77, 0, 151)),
        Some(mac(1).as_str())
    );
    // The second moving on frees its old address.
    t.observe(lease(&mac(2), [10, 77, 0, 152]), 103);
    assert_eq!(t.lease_holder(Ipv4Addr::new(10, 77, 0, 150)), None);
}

#[test]
fn a_full_table_drops_a_tenth_of_the_least_recent_devices_and_their_leases() {
    let mut t = DeviceTable::default();
    for i in 0..MAX_DEVICES {
        let arp = Sighting::Arp {
            mac: mac(i),
            ip: Ipv4Addr::new(10, 77, 0, 10),
        };
        t.observe(arp, i as i64);
    }
    t.observe(lease(&mac(0), [10, 77, 1, 0]), MAX_DEVICES as i64);
    t.observe(lease(&mac(1), [10, 77, 1, 1]), 1);
    assert_eq!(t.len(), MAX_DEVICES);

    // One more device: the batch seen longest ago goes, which now starts at device 1 (device
    // 0 was seen again at the end).
    t.observe(
        lease(&mac(MAX_DEVICES), [10, 77, 2, 0]),
        MAX_DEVICES as i64 + 1,
    );
    assert_eq!(t.len(), MAX_DEVICES - EVICT_BATCH + 1);
    assert!(
        t.get(&mac(0)).is_some(),
        "a recently seen device was dropped"
    );
    for i in 1..=EVICT_BATCH {
        assert!(t.get(&mac(i)).is_none(), "device {i} kept");
    }
    assert!(t.get(&mac(EVICT_BATCH + 1)).is_some());
    assert!(t.get(&mac(MAX_DEVICES)).is_some());
    assert_eq!(t.lease_holder(Ipv4Addr::new(10, 77, 1, 1)), None);
    assert_eq!(
        t.lease_holder(Ipv4Addr::new(10, 77, 1, 0)),
        Some(mac(0).as_str())
    );

    // The next new devices fit without another walk of the table.
    for i in 1..EVICT_BATCH {
        let arp = Sighting::Arp {
            mac: mac(MAX_DEVICES + i),
            ip: Ipv4Addr::new(10, 77, 0, 10),
        };
        t.observe(arp, MAX_DEVICES as i64 + 1);
    }
    assert_eq!(t.len(), MAX_DEVICES);
}
