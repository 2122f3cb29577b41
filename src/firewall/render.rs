//! The constant part of our table, rendered as nftables JSON. Pure: tested as golden JSON.
//!
//! Rule count never depends on the number of clients: who is authorised, and each client's
//! counters, rate limits and quota, live in sets and maps (see `clients.rs`).

use std::fmt;
use std::net::SocketAddr;

use serde::Serialize;
use serde_json::{Value, json};

use super::access;
use crate::config::Lan;

/// Our table; we never touch any other.
pub const TABLE: &str = "hotspotd";
/// Its family: one table sees IPv4 and IPv6.
pub const FAMILY: &str = "inet";

/// Everything the constant rules depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallPolicy {
    /// Guest networks (interface, subnet, gateway address); at least one.
    pub lans: Vec<Lan>,
    /// Portal port on every gateway address.
    pub portal_port: u16,
    /// The uplink, where guests' uploads are shaped; `None`: per-client rates are not
    /// enforced (the table alone, e.g. in tests without interfaces).
    pub wan_interface: Option<String>,
    /// Where the embedded Hotspot Manager listens (a management address): guests' packets to
    /// its port or address are dropped unanswered.
    pub manager: Option<SocketAddr>,
}

impl fmt::Display for FirewallPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("guests on ")?;
        for (i, lan) in self.lans.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(
                f,
                "{sep}{} ({}, portal {}:{})",
                lan.interface, lan.subnet, lan.address, self.portal_port
            )?;
        }
        f.write_str("; DNS/DHCP allowed, HTTP captured, HTTPS reset, rest rejected")?;
        match self.manager {
            Some(m) => write!(f, "; manager {m} dropped"),
            None => Ok(()),
        }
    }
}

/// The value itself for one guest network, an anonymous set for several: the rules stay the
/// same in number however many networks there are.
fn one_or_set(mut values: Vec<Value>) -> Value {
    if values.len() == 1 {
        values.remove(0)
    } else {
        json!({ "set": values })
    }
}

/// `{"family": "inet", "table": "hotspotd", ...extra}`
pub fn object(extra: Value) -> Value {
    let mut obj = json!({"family": FAMILY, "table": TABLE});
    if let (Some(target), Value::Object(fields)) = (obj.as_object_mut(), extra) {
        target.extend(fields);
    }
    obj
}

pub fn meta_eq(key: &str, value: impl Serialize) -> Value {
    json!({"match": {"op": "==", "left": {"meta": {"key": key}}, "right": value}})
}

pub fn payload(protocol: &str, field: &str) -> Value {
    json!({"payload": {"protocol": protocol, "field": field}})
}

fn payload_eq(protocol: &str, field: &str, right: Value) -> Value {
    json!({"match": {"op": "==", "left": payload(protocol, field), "right": right}})
}

/// `ether saddr . <family> saddr <op> @set`; `family` is `ip` or `ip6`.
fn mac_ip_in(op: &str, family: &str, set: &str) -> Value {
    json!({"match": {"op": op, "left": {"concat": [payload("ether", "saddr"), payload(family, "saddr")]}, "right": format!("@{set}")}})
}

pub fn rule(chain: &str, expr: Vec<Value>) -> Value {
    json!({"add": {"rule": object(json!({"chain": chain, "expr": expr}))}})
}

/// `add set`: `key` is a type name or, for a concatenation, a list of them.
pub fn set(name: &str, key: Value, flags: &[&str]) -> Value {
    json!({"add": {"set": object(json!({"name": name, "type": key, "flags": flags}))}})
}

/// `add map` from `key` to `kind` (counter, quota or a value type such as classid).
pub fn map(name: &str, key: &str, kind: &str) -> Value {
    json!({"add": {"map": object(json!({"name": name, "type": key, "map": kind}))}})
}

fn base_chain(name: &str, kind: &str, hook: &str, prio: i32) -> Value {
    json!({"add": {"chain": object(json!({
        "name": name, "type": kind, "hook": hook, "prio": prio, "policy": "accept"
    }))}})
}

fn chain(name: &str) -> Value {
    json!({"add": {"chain": object(json!({"name": name}))}})
}

/// Per-client chain: rate class, then quotas, then count what was delivered. `dir` is `up` or
/// `down`: the `<dir>_quota` map holds the user's total allowance (the same object is reached
/// from both directions), `<dir>_only_quota` its allowance for this direction alone. `suffix`
/// names the IPv6 maps (`6`), whose keys are IPv6 addresses.
fn client_chain(name: &str, key: Value, dir: &str, suffix: &str) -> Vec<Value> {
    let (class_map, quota_map, only_map, counter_map) = (
        format!("{dir}_class{suffix}"),
        format!("{dir}_quota{suffix}"),
        format!("{dir}_only_quota{suffix}"),
        format!("{dir}_counter{suffix}"),
    );
    let lookup = |kind: &str, map: &str| json!({kind: {"map": {"key": key.clone(), "data": format!("@{map}")}}});
    vec![
        // meta priority set <key> map @..._class: the client's HTB class, shaped to its rate
        // when it leaves (`shaping`); no entry, no class: unshaped.
        rule(
            name,
            vec![json!({"mangle": {
                "key": {"meta": {"key": "priority"}},
                "value": {"map": {"key": key.clone(), "data": format!("@{class_map}")}},
            }})],
        ),
        // quota name <key> map @..._quota drop: the transfer allowance, shared by both directions.
        rule(
            name,
            vec![lookup("quota", &quota_map), json!({"drop": null})],
        ),
        // quota name <key> map @..._only_quota drop: the download or upload allowance.
        rule(
            name,
            vec![lookup("quota", &only_map), json!({"drop": null})],
        ),
        // counter name <key> map @..._counter: bytes actually forwarded, for accounting and idle.
        rule(name, vec![lookup("counter", &counter_map)]),
        rule(name, vec![json!({"accept": null})]),
    ]
}

/// The whole table as one atomic batch: create (so the delete cannot fail), delete, rebuild.
pub fn render(policy: &FirewallPolicy) -> Value {
    let lans = &policy.lans;
    let lan = &one_or_set(lans.iter().map(|l| json!(l.interface)).collect());
    let gw = one_or_set(lans.iter().map(|l| json!(l.address.to_string())).collect());
    let table = json!({"table": {"family": FAMILY, "name": TABLE}});
    let mut cmds = vec![
        json!({"add": table.clone()}),
        json!({"delete": table.clone()}),
        json!({"add": table}),
        // Authorised (MAC, IPv4) pairs; the timeout is a kernel backstop at the session deadline.
        set("authed", json!(["ether_addr", "ipv4_addr"]), &["timeout"]),
        set("authed_ip", json!("ipv4_addr"), &["timeout"]),
        map("up_class", "ether_addr", "classid"),
        map("down_class", "ipv4_addr", "classid"),
        map("up_quota", "ether_addr", "quota"),
        map("down_quota", "ipv4_addr", "quota"),
        map("up_only_quota", "ether_addr", "quota"),
        map("down_only_quota", "ipv4_addr", "quota"),
        map("up_counter", "ether_addr", "counter"),
        map("down_counter", "ipv4_addr", "counter"),
        // IPv6: (MAC, address) pairs learnt from the guests' own packets; the download side
        // reaches the same objects as IPv4 (one counter, rate and quota per session).
        set("authed6", json!(["ether_addr", "ipv6_addr"]), &["timeout"]),
        set("authed_ip6", json!("ipv6_addr"), &["timeout"]),
        map("down_class6", "ipv6_addr", "classid"),
        map("down_quota6", "ipv6_addr", "quota"),
        map("down_only_quota6", "ipv6_addr", "quota"),
        map("down_counter6", "ipv6_addr", "counter"),
        // Blocked MACs go before anything else (conntrack and NAT run at -200/-100).
        base_chain("screen", "filter", "prerouting", -150),
        // Before the usual dstnat (-100), so we see guests' HTTP before any other NAT rule.
        base_chain("capture", "nat", "prerouting", -105),
        // Before the usual filter (0): our verdicts come first; other tables still apply.
        base_chain("guard", "filter", "input", -5),
        base_chain("forward", "filter", "forward", -5),
        // Regular chains exist before the rules that jump to them.
        chain("client_up"),
        chain("client_down"),
        chain("client_down6"),
    ];
    cmds.extend(access::sets());
    cmds.extend(access::screen_rules(lan));
    cmds.extend(access::capture_rules(lan));
    // capture: authorised clients pass untouched.
    cmds.push(rule(
        "capture",
        vec![
            meta_eq("iifname", lan),
            mac_ip_in("==", "ip", "authed"),
            json!({"return": null}),
        ],
    ));
    // capture: any other plain-HTTP request over IPv4, to any host, goes to the portal. The
    // portal is IPv4 only: guests' IPv6 HTTP is reset in `forward` and they fall back to IPv4.
    cmds.push(rule(
        "capture",
        vec![
            meta_eq("iifname", lan),
            meta_eq("nfproto", "ipv4"),
            payload_eq("tcp", "dport", json!(80)),
            json!({"redirect": {"port": policy.portal_port}}),
        ],
    ));

    // guard: what guests may reach on the gateway itself.
    cmds.extend(manager_rules(lan, policy.manager));
    cmds.push(rule("guard", vec![
        meta_eq("iifname", lan),
        json!({"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}),
        json!({"accept": null}),
    ]));
    // DNS (udp/tcp 53) and DHCP (udp 67) to the gateway.
    for (proto, ports) in [("udp", json!({"set": [53, 67]})), ("tcp", json!(53))] {
        cmds.push(rule(
            "guard",
            vec![
                meta_eq("iifname", lan),
                payload_eq(proto, "dport", ports),
                json!({"accept": null}),
            ],
        ));
    }
    // The portal: reached directly, and by captured HTTP after the redirect above.
    cmds.push(rule(
        "guard",
        vec![
            meta_eq("iifname", lan),
            payload_eq("ip", "daddr", json!(gw)),
            payload_eq("tcp", "dport", json!(policy.portal_port)),
            json!({"accept": null}),
        ],
    ));
    // ICMPv6 carries neighbour discovery; without it the LAN breaks for dual-stack guests.
    cmds.push(rule("guard", vec![
        meta_eq("iifname", lan),
        json!({"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "ipv6-icmp"}}),
        json!({"accept": null}),
    ]));
    cmds.push(rule(
        "guard",
        vec![
            meta_eq("iifname", lan),
            payload_eq("icmp", "type", json!("echo-request")),
            json!({"limit": {"rate": 10, "per": "second"}}),
            json!({"accept": null}),
        ],
    ));
    // Every other service of the gateway is closed to guests, answered at once.
    cmds.push(rule(
        "guard",
        vec![
            meta_eq("iifname", lan),
            json!({"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}),
            json!({"reject": {"type": "tcp reset"}}),
        ],
    ));
    cmds.push(rule(
        "guard",
        vec![
            meta_eq("iifname", lan),
            json!({"reject": {"type": "icmpx", "expr": "admin-prohibited"}}),
        ],
    ));

    // forward: guest networks are isolated from each other, whoever is logged in: without
    // this, an authorised guest's address passes the download rule below for a packet from
    // an unauthorised guest of another network. Two name compares per packet, no lookup.
    cmds.push(rule(
        "forward",
        vec![
            meta_eq("iifname", lan),
            meta_eq("oifname", lan),
            json!({"drop": null}),
        ],
    ));
    // forward: authorised traffic next, through the per-client chains: it is nearly all the
    // traffic, and every rule before these costs each of its packets a lookup. (A garden
    // destination therefore counts against an online guest's allowance; before login, and
    // once the allowance is gone and the session ended, it stays open.)
    // No subnet match: `authed*` only ever hold guest-subnet addresses (the daemon checks
    // before granting), and each match costs every forwarded packet.
    for (family, pairs) in [("ip", "authed"), ("ip6", "authed6")] {
        cmds.push(rule(
            "forward",
            vec![
                meta_eq("iifname", lan),
                mac_ip_in("==", family, pairs),
                json!({"jump": {"target": "client_up"}}),
            ],
        ));
    }
    for (family, addresses, chain) in [
        ("ip", "@authed_ip", "client_down"),
        ("ip6", "@authed_ip6", "client_down6"),
    ] {
        cmds.push(rule(
            "forward",
            vec![
                meta_eq("oifname", lan),
                payload_eq(family, "daddr", json!(addresses)),
                json!({"jump": {"target": chain}}),
            ],
        ));
    }
    cmds.extend(access::forward_rules(lan));
    // TCP (HTTPS above all) is never intercepted: a reset fails it at once, which tells the
    // guest's OS it is captive and makes a browser drop connections left from a session.
    cmds.push(rule(
        "forward",
        vec![
            meta_eq("iifname", lan),
            json!({"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}),
            json!({"reject": {"type": "tcp reset"}}),
        ],
    ));
    // Everything else from unauthorised guests (IPv6 included) is refused.
    cmds.push(rule(
        "forward",
        vec![
            meta_eq("iifname", lan),
            json!({"reject": {"type": "icmpx", "expr": "admin-prohibited"}}),
        ],
    ));
    // Nothing reaches a guest who is not authorised.
    cmds.push(rule(
        "forward",
        vec![meta_eq("oifname", lan), json!({"drop": null})],
    ));

    cmds.extend(client_chain(
        "client_up",
        payload("ether", "saddr"),
        "up",
        "",
    ));
    cmds.extend(client_chain(
        "client_down",
        payload("ip", "daddr"),
        "down",
        "",
    ));
    cmds.extend(client_chain(
        "client_down6",
        payload("ip6", "daddr"),
        "down",
        "6",
    ));
    json!({"nftables": cmds})
}

/// guard: nothing from a guest network reaches the embedded manager, whatever address it
/// is sent to (the gateway's guest-side one, the management one routed through, any source
/// written into it): its port and its address are dropped before any other rule, unanswered
/// (no reset tells a scanner that something is there).
fn manager_rules(lan: &Value, manager: Option<SocketAddr>) -> Vec<Value> {
    let Some(listen) = manager else {
        return Vec::new();
    };
    let family = if listen.is_ipv4() { "ip" } else { "ip6" };
    vec![
        rule(
            "guard",
            vec![
                meta_eq("iifname", lan),
                payload_eq("tcp", "dport", json!(listen.port())),
                json!({"drop": null}),
            ],
        ),
        rule(
            "guard",
            vec![
                meta_eq("iifname", lan),
                payload_eq(family, "daddr", json!(listen.ip().to_string())),
                json!({"drop": null}),
            ],
        ),
    ]
}

/// Number of rules in a rendered batch (constant whatever the client count).
pub fn rule_count(batch: &Value) -> usize {
    batch["nftables"]
        .as_array()
        .map(|cmds| {
            cmds.iter()
                .filter(|c| c["add"].get("rule").is_some())
                .count()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
