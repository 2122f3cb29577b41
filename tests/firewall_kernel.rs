//! The rendered ruleset and per-client changes against the real kernel, in a namespace.

mod common;

use common::netns::{Netns, unique_prefix};
use hotspotd::firewall::{
    Change, ClientGrant, ClientRevoke, Firewall, FirewallPolicy, Nft, QuotaGrant, count_rules,
    down_counter, quota_name, up_counter,
};

fn policy() -> FirewallPolicy {
    FirewallPolicy {
        lan_interface: "lan0".into(),
        lan_subnet: "10.77.0.0/16".parse().unwrap(),
        lan_address: "10.77.0.1".parse().unwrap(),
        portal_port: 2050,
    }
}

fn grant(i: u32, quota: Option<QuotaGrant>) -> ClientGrant {
    ClientGrant {
        session_id: i64::from(i),
        mac: format!("02:00:00:00:{:02x}:{:02x}", i / 256, i % 256),
        ip: format!("10.77.{}.{}", 1 + i / 250, 2 + i % 250)
            .parse()
            .unwrap(),
        timeout_secs: 3600,
        rate_up_bps: Some(1_000_000),
        rate_down_bps: Some(4_000_000),
        quota,
    }
}

fn revoke(g: &ClientGrant, drop_quota: bool) -> ClientRevoke {
    ClientRevoke {
        session_id: g.session_id,
        mac: g.mac.clone(),
        ip: g.ip,
        quota: g.quota,
        drop_quota,
    }
}

#[test]
fn ruleset_loads_and_clients_come_and_go() {
    let ns = Netns::new(format!("{}-fw", unique_prefix()));
    let fw = Firewall::with_nft(policy(), Nft::in_netns(&ns.name));
    let quota = QuotaGrant {
        voucher_id: 9,
        limit_bytes: 1_000_000,
        used_bytes: 1234,
    };
    let a = grant(1, Some(quota));
    let b = grant(2, Some(quota));
    fw.rebuild(std::slice::from_ref(&a))
        .expect("base table and one client");
    // A second device of the same voucher shares the quota object and keeps its usage.
    fw.apply(&[Change::Allow(b.clone())]).expect("allow b");
    let k = fw.read().unwrap().expect("table exists");
    assert_eq!(k.counters.get(&up_counter(1)), Some(&0));
    assert_eq!(k.counters.get(&down_counter(2)), Some(&0));
    assert_eq!(k.quotas.get(&quota_name(9)), Some(&1234));

    // Revoking a, keeping the quota for b; revoking twice must also succeed.
    fw.apply(&[Change::Revoke(revoke(&a, false))])
        .expect("revoke a");
    fw.apply(&[Change::Revoke(revoke(&a, false))])
        .expect("revoke a again");
    let k = fw.read().unwrap().unwrap();
    assert!(!k.counters.contains_key(&up_counter(1)));
    assert_eq!(k.quotas.get(&quota_name(9)), Some(&1234));
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
    fw.rebuild(&[]).unwrap();
    let empty = count_rules(&fw.listing().unwrap().unwrap());
    let many: Vec<ClientGrant> = (0..1000).map(|i| grant(i, None)).collect();
    fw.rebuild(&many).unwrap();
    let listing = fw.listing().unwrap().unwrap();
    assert_eq!(count_rules(&listing), empty);
    let k = hotspotd::firewall::parse_counters(&listing);
    assert_eq!(k.counters.len(), 2000);
}
