use super::*;
use serde_json::{Value, json};

use crate::firewall::shaping::Classes;

/// Sessions 1 to 50 hold upload class `4853:<session>` and download class
/// `4853:<session + 100>`.
fn classes() -> ClassLookup {
    let held: Vec<(i64, Classes)> = (1..=50)
        .map(|i| {
            let minor = u16::try_from(i).unwrap();
            let classes = Classes {
                down: Some((0, minor + 100)),
                up: Some(minor),
            };
            (i, classes)
        })
        .collect();
    ClassLookup::uniform(&held)
}

fn grant_commands(grants: &[&ClientGrant]) -> Vec<Value> {
    grant_ops(grants, &classes())
        .iter()
        .map(Op::to_json)
        .collect()
}

fn revoke_commands(revokes: &[&ClientRevoke]) -> Vec<Value> {
    revoke_ops(revokes, &classes())
        .iter()
        .map(Op::to_json)
        .collect()
}

fn quotas() -> Quotas {
    Quotas {
        total: Some(QuotaGrant {
            name: "qt7g1".into(),
            bytes: 100,
            used: 5,
        }),
        up: None,
        down: Some(QuotaGrant {
            name: "qd7g1".into(),
            bytes: 50,
            used: 0,
        }),
    }
}

fn grant(i: i64) -> ClientGrant {
    ClientGrant {
        session_id: i,
        mac: format!("02:00:00:00:00:{i:02x}"),
        ip: Ipv4Addr::new(10, 0, 0, i as u8),
        ip6: vec![Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i as u16)],
        timeout_secs: 60,
        rate_up_bps: Some(1_000_000),
        rate_down_bps: None,
        quotas: quotas(),
        flush_redirected: true,
    }
}

/// The `verb` (`add`/`delete`) element command for `set`.
fn element_command<'a>(cmds: &'a [Value], verb: &str, set: &str) -> &'a Value {
    cmds.iter()
        .find(|c| c[verb]["element"]["name"] == set)
        .unwrap_or_else(|| panic!("no {verb} element command for {set}"))
}

fn element_commands(cmds: &[Value]) -> usize {
    cmds.iter()
        .filter(|c| {
            c.as_object()
                .and_then(|o| o.values().next())
                .is_some_and(|b| b.get("element").is_some())
        })
        .count()
}

#[test]
fn elements_are_grouped_per_set_whatever_the_client_count() {
    let one = [grant(1)];
    let many: Vec<ClientGrant> = (1..=50).map(grant).collect();
    let cmds_one = grant_commands(&one.iter().collect::<Vec<_>>());
    let cmds_many = grant_commands(&many.iter().collect::<Vec<_>>());
    // counters (2), total quota (2 maps), download-only quota, up and down classes, the two
    // sets; for IPv6 the download counter, quotas and class again (4 maps) and two sets.
    assert_eq!(element_commands(&cmds_one), 15);
    assert_eq!(element_commands(&cmds_many), 15);
    // The set elements come last: a client passes only once its objects exist.
    let last = cmds_many.last().unwrap();
    assert_eq!(last["add"]["element"]["name"], "authed_ip6");
    assert_eq!(last["add"]["element"]["elem"].as_array().unwrap().len(), 50);
    // An IPv6 address reaches the same objects as the IPv4 one.
    let down6 = element_command(&cmds_one, "add", "down_counter6");
    assert_eq!(
        down6["add"]["element"]["elem"][0],
        json!(["2001:db8::1", "cd1"])
    );
    // The classes as nft writes them (hex), the IPv6 address to the IPv4 one's.
    let up = element_command(&cmds_one, "add", "up_class");
    assert_eq!(
        up["add"]["element"]["elem"][0],
        json!(["02:00:00:00:00:01", "4853:1"])
    );
    let down6 = element_command(&cmds_one, "add", "down_class6");
    assert_eq!(
        down6["add"]["element"]["elem"][0],
        json!(["2001:db8::1", "4853:65"])
    );
    let down_only = element_command(&cmds_one, "add", "down_only_quota");
    assert_eq!(
        down_only["add"]["element"]["elem"][0],
        json!(["10.0.0.1", "qd7g1"])
    );
}

#[test]
fn revokes_add_before_they_delete_and_drop_quotas_only_when_asked() {
    let r = |id: i64, drop_quotas| ClientRevoke {
        session_id: id,
        mac: format!("02:00:00:00:00:{id:02x}"),
        ip: Ipv4Addr::new(10, 0, 0, id as u8),
        ip6: vec![Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, id as u16)],
        quotas: quotas(),
        drop_quotas,
        ends_session: true,
    };
    let (a, b) = (r(1, false), r(2, true));
    let cmds = revoke_commands(&[&a, &b, &a]);
    let first_delete = cmds.iter().position(|c| c.get("delete").is_some()).unwrap();
    assert!(cmds[..first_delete].iter().all(|c| c.get("add").is_some()));
    assert!(
        cmds[first_delete..]
            .iter()
            .all(|c| c.get("delete").is_some())
    );
    let quota_deletes = cmds
        .iter()
        .filter(|c| c["delete"].get("quota").is_some())
        .count();
    assert_eq!(
        quota_deletes, 2,
        "b drops its two quota objects, a keeps them"
    );
    // The duplicate revoke of session 1 is folded away.
    let authed = element_command(&cmds, "delete", "authed");
    assert_eq!(
        authed["delete"]["element"]["elem"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let authed6 = element_command(&cmds, "delete", "authed6");
    assert_eq!(
        authed6["delete"]["element"]["elem"][0],
        json!({"concat": ["02:00:00:00:00:01", "2001:db8::1"]})
    );
}

#[test]
fn dropping_an_ipv6_address_touches_only_that_address() {
    let mut client = grant(1);
    client.rate_down_bps = Some(2_000_000);
    let kept = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xbb);
    client.ip6.push(kept);
    let drop = Ipv6Drop {
        ip: client.ip6[0],
        client,
    };
    let cmds: Vec<Value> = drop_ipv6_ops(&[&drop], &classes())
        .iter()
        .map(Op::to_json)
        .collect();
    let first_delete = cmds.iter().position(|c| c.get("delete").is_some()).unwrap();
    assert!(cmds[..first_delete].iter().all(|c| c.get("add").is_some()));
    let mut deleted: Vec<(String, Value)> = cmds[first_delete..]
        .iter()
        .map(|c| {
            let e = &c["delete"]["element"];
            assert_eq!(e["elem"].as_array().unwrap().len(), 1, "{c}");
            (
                e["name"].as_str().unwrap().to_string(),
                e["elem"][0].clone(),
            )
        })
        .collect();
    deleted.sort_by(|a, b| a.0.cmp(&b.0));
    let addr = json!("2001:db8::1");
    assert_eq!(
        deleted,
        vec![
            (
                "authed6".into(),
                json!({"concat": ["02:00:00:00:00:01", "2001:db8::1"]})
            ),
            ("authed_ip6".into(), addr.clone()),
            ("down_class6".into(), addr.clone()),
            ("down_counter6".into(), addr.clone()),
            ("down_only_quota6".into(), addr.clone()),
            ("down_quota6".into(), addr),
        ],
        "the address's elements, nothing of IPv4, the other address or the objects"
    );
}
