//! Access lists: MACs that bypass the portal (printers, TVs, staff), MACs that are blocked,
//! and the walled garden (destinations guests reach before login). Constant rules; the lists
//! are set elements, replaced in one transaction.

use ipnet::Ipv4Net;
use serde_json::{Value, json};

use super::render::{meta_eq, object, payload, rule};

/// Connection mark bit of flows started by allowlisted devices, so their replies pass too
/// (the download direction cannot see the device's MAC). One bit, so marks set by other
/// tables survive.
pub const ALLOWED_FLOW_MARK: u32 = 0x0010_0000;

/// The lists as the kernel should hold them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessLists {
    /// MACs that bypass the portal.
    pub allow: Vec<String>,
    /// MACs dropped on arrival (no DNS, no portal, nothing).
    pub block: Vec<String>,
    /// Destinations open before login.
    pub garden: Vec<Ipv4Net>,
}

/// The sets (declared with the table).
pub fn sets() -> Vec<Value> {
    let set = |name: &str, kind: &str, flags: &[&str]| json!({"add": {"set": object(json!({"name": name, "type": kind, "flags": flags}))}});
    vec![
        set("allow_mac", "ether_addr", &[]),
        set("block_mac", "ether_addr", &[]),
        set("garden", "ipv4_addr", &["interval"]),
        // Addresses of walled-garden domains, learnt from DNS answers, for their TTL.
        set("garden_dns", "ipv4_addr", &["timeout"]),
    ]
}

fn in_set(field: Value, set: &str) -> Value {
    json!({"match": {"op": "==", "left": field, "right": format!("@{set}")}})
}

/// `screen`, first of all (prerouting, priority -150): blocked MACs are dropped before DNS,
/// DHCP or the portal see them.
pub fn screen_rules(lan: &Value) -> Vec<Value> {
    vec![rule(
        "screen",
        vec![
            meta_eq("iifname", lan),
            in_set(payload("ether", "saddr"), "block_mac"),
            json!({"drop": null}),
        ],
    )]
}

/// First rules of `capture`: allowlisted devices and garden destinations are not redirected.
pub fn capture_rules(lan: &Value) -> Vec<Value> {
    let mut rules = vec![rule(
        "capture",
        vec![
            meta_eq("iifname", lan),
            in_set(payload("ether", "saddr"), "allow_mac"),
            json!({"return": null}),
        ],
    )];
    for set in GARDEN_SETS {
        rules.push(rule(
            "capture",
            vec![
                meta_eq("iifname", lan),
                in_set(payload("ip", "daddr"), set),
                json!({"return": null}),
            ],
        ));
    }
    rules
}

/// The garden by address, and the addresses of garden domains learnt from DNS.
const GARDEN_SETS: [&str; 2] = ["garden", "garden_dns"];

/// First rules of `forward`: allowlisted devices pass (their flows marked so replies pass),
/// and anyone reaches the garden.
pub fn forward_rules(lan: &Value) -> Vec<Value> {
    let ct_mark = json!({"ct": {"key": "mark"}});
    let mut rules = vec![
        // ether saddr @allow_mac ct mark set ct mark | 0x00100000 accept
        rule(
            "forward",
            vec![
                meta_eq("iifname", lan),
                in_set(payload("ether", "saddr"), "allow_mac"),
                json!({"mangle": {"key": ct_mark, "value": {"|": [ct_mark, ALLOWED_FLOW_MARK]}}}),
                json!({"accept": null}),
            ],
        ),
        // oifname lan ct mark & 0x00100000 == 0x00100000 accept
        rule(
            "forward",
            vec![
                meta_eq("oifname", lan),
                json!({"match": {"op": "==", "left": {"&": [ct_mark, ALLOWED_FLOW_MARK]}, "right": ALLOWED_FLOW_MARK}}),
                json!({"accept": null}),
            ],
        ),
    ];
    for set in GARDEN_SETS {
        rules.push(rule(
            "forward",
            vec![
                meta_eq("iifname", lan),
                in_set(payload("ip", "daddr"), set),
                json!({"accept": null}),
            ],
        ));
        rules.push(rule(
            "forward",
            vec![
                meta_eq("oifname", lan),
                in_set(payload("ip", "saddr"), set),
                json!({"accept": null}),
            ],
        ));
    }
    rules
}

/// Opens addresses of walled-garden domains for the given seconds; an address already open
/// gets the new time (the latest answer's TTL is what clients were told). nft 1.0.6 cannot
/// refresh a timeout in place, so each address is added (kept if present), deleted and added
/// again, in one transaction: no packet sees it missing.
pub fn garden_dns_commands(openings: &[(std::net::Ipv4Addr, u32)]) -> Vec<Value> {
    // One entry per address (a delete listing an address twice would fail the batch); the
    // longest time when one batch has several answers for it.
    let mut latest: std::collections::BTreeMap<std::net::Ipv4Addr, u32> = Default::default();
    for (ip, secs) in openings {
        let entry = latest.entry(*ip).or_insert(*secs);
        *entry = (*entry).max(*secs);
    }
    if latest.is_empty() {
        return Vec::new();
    }
    let elems: Vec<Value> = latest
        .iter()
        .map(|(ip, secs)| json!({"elem": {"val": ip.to_string(), "timeout": secs}}))
        .collect();
    let keys: Vec<Value> = latest.keys().map(|ip| json!(ip.to_string())).collect();
    let element = |elem: &Vec<Value>| object(json!({"name": "garden_dns", "elem": elem}));
    vec![
        json!({"add": {"element": element(&elems)}}),
        json!({"delete": {"element": element(&keys)}}),
        json!({"add": {"element": element(&elems)}}),
    ]
}

/// Replaces the three sets' contents.
pub fn commands(lists: &AccessLists) -> Vec<Value> {
    let flush = |name: &str| json!({"flush": {"set": object(json!({"name": name}))}});
    let add = |name: &str, elems: Vec<Value>| json!({"add": {"element": object(json!({"name": name, "elem": elems}))}});
    let mut cmds = vec![flush("allow_mac"), flush("block_mac"), flush("garden")];
    if !lists.allow.is_empty() {
        cmds.push(add(
            "allow_mac",
            lists.allow.iter().map(|m| json!(m)).collect(),
        ));
    }
    if !lists.block.is_empty() {
        cmds.push(add(
            "block_mac",
            lists.block.iter().map(|m| json!(m)).collect(),
        ));
    }
    if !lists.garden.is_empty() {
        let elems = lists
            .garden
            .iter()
            .map(|n| {
                if n.prefix_len() == 32 {
                    json!(n.addr().to_string())
                } else {
                    json!({"prefix": {"addr": n.network().to_string(), "len": n.prefix_len()}})
                }
            })
            .collect();
        cmds.push(add("garden", elems));
    }
    cmds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_replace_the_sets_whole() {
        let lists = AccessLists {
            allow: vec!["02:00:00:00:00:01".into()],
            block: vec![],
            garden: vec![
                "203.0.113.0/24".parse().unwrap(),
                "198.51.100.7/32".parse().unwrap(),
            ],
        };
        let cmds = commands(&lists);
        assert_eq!(cmds.iter().filter(|c| c.get("flush").is_some()).count(), 3);
        assert_eq!(cmds.len(), 5, "no add for the empty blocklist");
        assert_eq!(
            cmds[4]["add"]["element"]["elem"],
            json!([{"prefix": {"addr": "203.0.113.0", "len": 24}}, "198.51.100.7"])
        );
        assert_eq!(commands(&AccessLists::default()).len(), 3);
    }
}
