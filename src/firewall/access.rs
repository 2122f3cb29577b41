//! Access lists: MACs that bypass the portal (printers, TVs, staff), MACs that are blocked,
//! and the walled garden (destinations guests reach before login). Constant rules; the lists
//! are set elements, replaced in one transaction.

use ipnet::Ipv4Net;
use serde_json::{Value, json};

use super::ops::{Element, Key, Object, Op};
use super::render::{map, meta_eq, object, payload, rule, set};

/// Connection mark bit of flows started by allowlisted devices, so their replies pass too
/// (the download direction cannot see the device's MAC). One bit, so marks set by other
/// tables survive.
pub const ALLOWED_FLOW_MARK: u32 = 0x0010_0000;

/// Connection marks of rate-limited allowlisted devices: the flow bit plus an index in the
/// low 20 bits, so the download direction (which cannot see the MAC) finds the device's
/// policer by the flow's mark.
const DEVICE_MARK_BITS: u32 = 0x000f_ffff;

/// A device that bypasses the portal, optionally policed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedDevice {
    /// `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// Download rate, bits/s; `None` is unlimited.
    pub rate_down_bps: Option<u64>,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
}

impl AllowedDevice {
    /// An unlimited device.
    pub fn unlimited(mac: &str) -> Self {
        AllowedDevice {
            mac: mac.to_string(),
            rate_down_bps: None,
            rate_up_bps: None,
        }
    }
}

/// The lists as the kernel should hold them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessLists {
    /// Devices that bypass the portal.
    pub allow: Vec<AllowedDevice>,
    /// MACs dropped on arrival (no DNS, no portal, nothing).
    pub block: Vec<String>,
    /// Destinations open before login.
    pub garden: Vec<Ipv4Net>,
}

/// The sets (declared with the table).
pub fn sets() -> Vec<Value> {
    let set = |name: &str, kind: &str, flags: &[&str]| set(name, json!(kind), flags);
    vec![
        set("allow_mac", "ether_addr", &[]),
        // Rate-limited allowlisted devices: upload policer by MAC; their flows' mark, and the
        // download policer by that mark.
        map("allow_up_limit", "ether_addr", "limit"),
        map("allow_mark", "ether_addr", "mark"),
        map("allow_down_limit", "mark", "limit"),
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
    let by_mac =
        |map: &str| json!({"map": {"key": payload("ether", "saddr"), "data": format!("@{map}")}});
    let mut rules = vec![
        // limit name ether saddr map @allow_up_limit drop: a policed device's upload.
        rule(
            "forward",
            vec![
                meta_eq("iifname", lan),
                json!({"limit": by_mac("allow_up_limit")}),
                json!({"drop": null}),
            ],
        ),
        // ct mark set ether saddr map @allow_mark: a policed device's flows carry its own
        // mark (the whole mark: its index cannot be ORed in from a map).
        rule(
            "forward",
            vec![
                meta_eq("iifname", lan),
                json!({"mangle": {"key": ct_mark, "value": by_mac("allow_mark")}}),
            ],
        ),
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
        // limit name ct mark map @allow_down_limit drop: a policed device's download.
        rule(
            "forward",
            vec![
                meta_eq("oifname", lan),
                json!({"limit": {"map": {"key": ct_mark, "data": "@allow_down_limit"}}}),
                json!({"drop": null}),
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
pub fn garden_dns_ops(openings: &[(std::net::Ipv4Addr, u32)]) -> Vec<Op> {
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
    let elems: Vec<Element> = latest
        .iter()
        .map(|(ip, secs)| Element::timed(Key::V4(*ip), u64::from(*secs)))
        .collect();
    let keys: Vec<Key> = latest.keys().map(|ip| Key::V4(*ip)).collect();
    vec![
        Op::AddElements("garden_dns", elems.clone()),
        Op::DeleteElements("garden_dns", keys),
        Op::AddElements("garden_dns", elems),
    ]
}

/// The flow mark of each policed device: stable for a device whatever else is on the list
/// (derived from its MAC; a clash moves the later MAC in sorted order to the next free index).
pub fn device_marks(allow: &[AllowedDevice]) -> Vec<(&AllowedDevice, u32)> {
    let mut policed: Vec<&AllowedDevice> = allow
        .iter()
        .filter(|d| d.rate_down_bps.is_some() || d.rate_up_bps.is_some())
        .collect();
    policed.sort_by(|a, b| a.mac.cmp(&b.mac));
    let mut taken = std::collections::HashSet::new();
    policed
        .into_iter()
        .map(|device| {
            // FNV-1a: small, fixed, good enough to spread MACs over 2^20 indexes.
            let hash = device.mac.bytes().fold(0x811c_9dc5u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
            let mut index = hash & DEVICE_MARK_BITS;
            // Index 0 would be the plain flow bit of unpoliced devices.
            while index == 0 || !taken.insert(index) {
                index = (index + 1) & DEVICE_MARK_BITS;
            }
            (device, ALLOWED_FLOW_MARK | index)
        })
        .collect()
}

/// Policer names of an allowlisted device, by MAC and rate: a new rate is a new object (an
/// object left behind by an old rate is unreferenced, and gone with the next table rebuild).
fn policer_name(dir: &str, mac: &str, bps: u64) -> String {
    format!("a{dir}_{}_{bps}", mac.replace(':', ""))
}

/// Replaces the lists' sets and maps.
pub fn commands(lists: &AccessLists) -> Vec<Value> {
    let flush = |name: &str| json!({"flush": {"set": object(json!({"name": name}))}});
    let flush_map = |name: &str| json!({"flush": {"map": object(json!({"name": name}))}});
    let add = |name: &str, elems: Vec<Value>| json!({"add": {"element": object(json!({"name": name, "elem": elems}))}});
    let mut cmds = vec![flush("allow_mac"), flush("block_mac"), flush("garden")];
    cmds.extend(["allow_up_limit", "allow_mark", "allow_down_limit"].map(flush_map));
    if !lists.allow.is_empty() {
        cmds.push(add(
            "allow_mac",
            lists.allow.iter().map(|d| json!(d.mac)).collect(),
        ));
    }
    let (mut ups, mut marks, mut downs) = (Vec::new(), Vec::new(), Vec::new());
    for (device, mark) in device_marks(&lists.allow) {
        marks.push(json!([device.mac, mark]));
        if let Some(bps) = device.rate_up_bps {
            let name = policer_name("u", &device.mac, bps);
            cmds.push(Op::AddObject(Object::limit(name.clone(), bps)).to_json());
            ups.push(json!([device.mac, name]));
        }
        if let Some(bps) = device.rate_down_bps {
            let name = policer_name("d", &device.mac, bps);
            cmds.push(Op::AddObject(Object::limit(name.clone(), bps)).to_json());
            downs.push(json!([mark, name]));
        }
    }
    for (map, elems) in [
        ("allow_up_limit", ups),
        ("allow_mark", marks),
        ("allow_down_limit", downs),
    ] {
        if !elems.is_empty() {
            cmds.push(add(map, elems));
        }
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
mod tests;
