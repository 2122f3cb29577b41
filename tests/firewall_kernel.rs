//! The rendered ruleset and per-client changes against the real kernel, in a namespace.

mod common;

use common::policy;

use common::netns::{Netns, unique_prefix};
use hotspotd::firewall::{
    AccessLists, Change, ClientGrant, ClientRevoke, Firewall, Nft, QuotaGrant, Quotas, count_rules,
    down_counter, up_counter,
};

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
        flush_flows: true,
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
    fw.apply(&[Change::Revoke(revoke(&a, false))])
        .expect("revoke a");
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

    // Flushing the ruleset is noticed.
    ns.exec(&["nft", "flush", "ruleset"]);
    assert!(fw.read().unwrap().is_none());
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
