//! The rendered ruleset and per-client changes against the real kernel, in a namespace.

mod common;

use common::policy;

use common::netns::{Netns, unique_prefix};
use hotspotd::config::Lan;
use hotspotd::firewall::{
    AccessLists, Change, ClientGrant, ClientRevoke, Firewall, FirewallPolicy, Ipv6Drop, Nft,
    QuotaGrant, Quotas, count_rules, down_counter, up_counter,
};

/// A policy with shaping: `lan0` (10.77.1.0/24, a pool of 253 classes) and `wan0`
/// (veths) made in `ns`.
fn shaped(ns: &Netns) -> FirewallPolicy {
    for (dev, peer) in [("lan0", "lanp"), ("wan0", "wanp")] {
        ns.exec(&[
            "ip", "link", "add", dev, "type", "veth", "peer", "name", peer,
        ]);
        ns.exec(&["ip", "link", "set", dev, "up"]);
    }
    FirewallPolicy {
        lans: vec![Lan {
            interface: "lan0".into(),
            subnet: "10.77.1.0/24".parse().unwrap(),
            address: "10.77.1.1".parse().unwrap(),
            subnet6: None,
        }],
        portal_port: 2050,
        wan_interface: Some("wan0".into()),
        manager: None,
    }
}

fn grant(i: u32, quotas: Quotas) -> ClientGrant {
    ClientGrant {
        session_id: i64::from(i),
        mac: format!("02:00:00:00:{:02x}:{:02x}", i / 256, i % 256),
        ip: format!("10.77.{}.{}", 1 + i / 250, 2 + i % 250)
            .parse()
            .unwrap(),
        ip6: vec![format!("2001:db8:77::{i:x}").parse().unwrap()],
        timeout_secs: 3600,
        rate_up_bps: Some(1_000_000),
        rate_down_bps: Some(4_000_000),
        quotas,
        flush_redirected: true,
    }
}

fn revoke(g: &ClientGrant, drop_quota: bool) -> ClientRevoke {
    ClientRevoke {
        session_id: g.session_id,
        mac: g.mac.clone(),
        ip: g.ip,
        ip6: g.ip6.clone(),
        quotas: g.quotas.clone(),
        drop_quotas: drop_quota,
        ends_session: true,
    }
}

#[test]
fn ruleset_loads_and_clients_come_and_go() {
    let ns = Netns::new(format!("{}-fw", unique_prefix()));
    let fw = Firewall::with_nft(policy(), Nft::in_netns(&ns.name));
    let quotas = Quotas {
        total: Some(QuotaGrant {
            name: "qt9g1".into(),
            bytes: 1_000_000,
            used: 1234,
        }),
        up: None,
        down: Some(QuotaGrant {
            name: "qd9g1".into(),
            bytes: 500_000,
            used: 0,
        }),
    };
    let a = grant(1, quotas.clone());
    let b = grant(2, quotas);
    fw.rebuild(std::slice::from_ref(&a), &AccessLists::default())
        .expect("base table and one client");
    // A second device of the same voucher shares the quota object and keeps its usage.
    fw.apply(&[Change::Allow(b.clone())]).expect("allow b");
    let k = fw.read().unwrap().expect("table exists");
    assert_eq!(k.counters.get(&up_counter(1)), Some(&0));
    assert_eq!(k.counters.get(&down_counter(2)), Some(&0));
    assert_eq!(k.quotas.get("qt9g1"), Some(&1234));
    let down6_map = || ns.exec(&["nft", "list", "map", "inet", "hotspotd", "down_counter6"]);
    let listed = down6_map();
    assert!(
        listed.contains("2001:db8:77::1 : \"cd1\"") && listed.contains("2001:db8:77::2 : \"cd2\""),
        "{listed}"
    );

    // Revoking a, keeping the quota for b; revoking twice must also succeed.
    // Ending a session reads its counters' last numbers (what its last tick missed).
    let last = fw
        .apply(&[Change::Revoke(revoke(&a, false))])
        .expect("revoke a");
    assert_eq!(last.counters.get(&up_counter(1)), Some(&0), "{last:?}");
    assert_eq!(last.counters.get(&down_counter(1)), Some(&0), "{last:?}");
    fw.apply(&[Change::Revoke(revoke(&a, false))])
        .expect("revoke a again");
    let k = fw.read().unwrap().unwrap();
    assert!(!k.counters.contains_key(&up_counter(1)));
    assert!(
        !down6_map().contains("2001:db8:77::1 "),
        "a's IPv6 still mapped"
    );
    assert_eq!(k.quotas.get("qt9g1"), Some(&1234));
    fw.apply(&[Change::Revoke(revoke(&b, true))])
        .expect("revoke b");
    let k = fw.read().unwrap().unwrap();
    assert!(k.counters.is_empty() && k.quotas.is_empty(), "{k:?}");

    assert!(fw.table_present().unwrap());
    // Flushing the ruleset is noticed.
    ns.exec(&["nft", "flush", "ruleset"]);
    assert!(fw.read().unwrap().is_none());
    assert!(!fw.table_present().unwrap());
}

#[test]
fn rule_count_is_constant_with_a_thousand_clients() {
    let ns = Netns::new(format!("{}-fw", unique_prefix()));
    let fw = Firewall::with_nft(policy(), Nft::in_netns(&ns.name));
    fw.rebuild(&[], &AccessLists::default()).unwrap();
    let empty = count_rules(&fw.listing().unwrap().unwrap());
    let many: Vec<ClientGrant> = (0..1000).map(|i| grant(i, Quotas::default())).collect();
    fw.rebuild(&many, &AccessLists::default()).unwrap();
    let listing = fw.listing().unwrap().unwrap();
    assert_eq!(count_rules(&listing), empty);
    let k = fw.read().unwrap().expect("table exists");
    assert_eq!(k.counters.len(), 2000);
}

#[test]
fn a_new_dns_answer_refreshes_an_open_garden_address() {
    let ns = Netns::new(format!("{}-fw", unique_prefix()));
    let fw = Firewall::with_nft(policy(), Nft::in_netns(&ns.name));
    fw.rebuild(&[], &AccessLists::default()).unwrap();
    let ip: std::net::Ipv4Addr = "203.0.113.7".parse().unwrap();
    let expires = || {
        let listed = ns.exec(&["nft", "-j", "list", "set", "inet", "hotspotd", "garden_dns"]);
        let v: serde_json::Value = serde_json::from_str(&listed).unwrap();
        v["nftables"][1]["set"]["elem"][0]["elem"]["expires"]
            .as_u64()
            .unwrap_or_else(|| panic!("no expiry listed: {listed}"))
    };
    fw.apply(&[Change::GardenDns(vec![(ip, 60)])]).unwrap();
    assert!(expires() <= 60);
    // A later answer with a longer TTL, and the same address twice in one batch.
    fw.apply(&[Change::GardenDns(vec![(ip, 600), (ip, 3600)])])
        .unwrap();
    assert!(expires() > 3000, "timeout not refreshed: {}", expires());
}

/// Our table as nft lists it, without what differs between two identical tables: handles
/// and the seconds left on timed elements.
fn table_listing(ns: &Netns) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("handle");
                map.remove("expires");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let listed = ns.exec(&["nft", "-j", "list", "table", "inet", "hotspotd"]);
    let mut v: serde_json::Value = serde_json::from_str(&listed).unwrap();
    strip(&mut v);
    v
}

#[test]
fn netlink_and_nft_leave_the_same_table() {
    let quotas = Quotas {
        total: Some(QuotaGrant {
            name: "qt3g1".into(),
            bytes: 10_000_000,
            used: 777,
        }),
        up: Some(QuotaGrant {
            name: "qu3g1".into(),
            bytes: 2_000_000,
            used: 0,
        }),
        down: None,
    };
    let mut unlimited = grant(4, Quotas::default());
    (unlimited.rate_up_bps, unlimited.rate_down_bps) = (None, None);
    // Client 2 gains a second IPv6 address, then gives it up (twice: the second finds it
    // gone and must still succeed).
    let mut two_addresses = grant(2, quotas.clone());
    two_addresses.ip6.push("2001:db8:77::beef".parse().unwrap());
    let give_up = Change::DropIpv6(Ipv6Drop {
        client: two_addresses.clone(),
        ip: "2001:db8:77::beef".parse().unwrap(),
    });
    let changes = [
        vec![
            Change::Allow(grant(1, quotas.clone())),
            Change::Allow(grant(2, quotas.clone())),
        ],
        vec![
            Change::Allow(grant(3, Quotas::default())),
            Change::Allow(unlimited),
        ],
        vec![
            Change::Revoke(revoke(&grant(1, quotas.clone()), false)),
            Change::GardenDns(vec![("198.51.100.9".parse().unwrap(), 300)]),
        ],
        vec![Change::Revoke(revoke(&grant(3, Quotas::default()), true))],
        vec![Change::Allow(two_addresses)],
        vec![give_up.clone()],
        vec![give_up],
    ];
    let prefix = unique_prefix();
    let (by_nft, by_netlink) = (
        Netns::new(format!("{prefix}-nft")),
        Netns::new(format!("{prefix}-nl")),
    );
    let fw_nft = Firewall::with_nft(shaped(&by_nft), Nft::in_netns(&by_nft.name));
    let fw_netlink = Firewall::with_nft(shaped(&by_netlink), Nft::in_netns(&by_netlink.name));
    for fw in [&fw_nft, &fw_netlink] {
        fw.rebuild(&[], &AccessLists::default()).unwrap();
    }
    for (step, batch) in changes.iter().enumerate() {
        fw_nft
            .apply_with_nft(batch)
            .unwrap_or_else(|e| panic!("step {step} by nft: {e}"));
        fw_netlink
            .apply(batch)
            .unwrap_or_else(|e| panic!("step {step} by netlink: {e}"));
        assert_eq!(
            table_listing(&by_netlink),
            table_listing(&by_nft),
            "tables differ after step {step}"
        );
        let beef = by_netlink
            .exec(&["nft", "list", "table", "inet", "hotspotd"])
            .contains("2001:db8:77::beef");
        // Present from the step that adds it (4) until the one that gives it up.
        assert_eq!(beef, step == 4, "2001:db8:77::beef after step {step}");
    }
    let listed = by_netlink.exec(&["nft", "list", "table", "inet", "hotspotd"]);
    for expected in [
        "quota qt3g1 {\n\t\tover 10000000 bytes used 777 bytes",
        // Session 2's classes (2 was the second granted: 4853:2 of each pool).
        "02:00:00:00:00:02 : 4853:2",
        "10.77.1.4 : 4853:2",
        "02:00:00:00:00:02 . 10.77.1.4 timeout 1h",
        "2001:db8:77::2 : \"cd2\"",
    ] {
        assert!(
            listed.contains(expected),
            "{expected:?} missing from\n{listed}"
        );
    }
    assert!(
        !listed.contains("beef"),
        "a dropped address left:\n{listed}"
    );
    // Its classes shape at its rates: 4 Mbit/s down on the LAN, 1 Mbit/s up on the WAN.
    for (dev, rate) in [
        ("lan0", "rate 4Mbit ceil 4Mbit"),
        ("wan0", "rate 1Mbit ceil 1Mbit"),
    ] {
        let classes = by_netlink.exec(&["tc", "class", "show", "dev", dev, "classid", "4853:2"]);
        assert!(classes.contains(rate), "{dev}: {classes}");
        let leaf = by_netlink.exec(&["tc", "qdisc", "show", "dev", dev, "parent", "4853:2"]);
        assert!(leaf.contains("tbf 3: "), "{dev}: {leaf}");
    }
}

#[test]
fn a_refused_transaction_names_the_refusal_and_changes_nothing() {
    let ns = Netns::new(format!("{}-fw", unique_prefix()));
    let fw = Firewall::with_nft(policy(), Nft::in_netns(&ns.name));
    fw.rebuild(&[grant(1, Quotas::default())], &AccessLists::default())
        .unwrap();
    let before = table_listing(&ns);
    // The same device under another session: its MAC already maps to session 1's counter.
    let mut clash = grant(1, Quotas::default());
    clash.session_id = 5;
    let err = fw
        .apply(&[
            Change::Allow(grant(2, Quotas::default())),
            Change::Allow(clash),
        ])
        .expect_err("a MAC mapped to another counter must be refused");
    let text = err.to_string();
    assert!(
        text.contains("add elements to up_counter") && text.contains("File exists"),
        "{text}"
    );
    assert_eq!(
        table_listing(&ns),
        before,
        "a refused transaction left changes behind"
    );

    let mut bad_mac = grant(3, Quotas::default());
    bad_mac.mac = "02:00:00:00:00".into();
    let err = fw.apply(&[Change::Allow(bad_mac)]).expect_err("bad MAC");
    assert!(err.to_string().contains("not a MAC address"), "{err}");
}

#[test]
fn the_embedded_managers_drop_rules_load_for_both_families() {
    for listen in ["10.66.0.1:8443", "[fd00:66::1]:8443"] {
        let ns = Netns::new(format!("{}-fw", unique_prefix()));
        let policy = FirewallPolicy {
            manager: Some(listen.parse().unwrap()),
            ..policy()
        };
        let fw = Firewall::with_nft(policy, Nft::in_netns(&ns.name));
        fw.rebuild(&[], &AccessLists::default())
            .unwrap_or_else(|e| panic!("{listen}: {e}"));
        let guard = ns.exec(&["nft", "list", "chain", "inet", "hotspotd", "guard"]);
        let ip = listen.trim_end_matches(":8443").trim_matches(['[', ']']);
        assert!(
            guard.contains("tcp dport 8443 drop") && guard.contains(&format!("daddr {ip} drop")),
            "{guard}"
        );
    }
}
