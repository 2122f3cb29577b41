//! Per-client state as nftables JSON commands: set elements and named objects, never rules.
//!
//! Names: `cu<session>`/`cd<session>` counters, `lu<session>`/`ld<session>` limits (up/down);
//! quota objects are named by the caller (one set per user, shared by its devices).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Value, json};

use super::render::object;

/// A named kernel quota: traffic stops once `bytes` have passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaGrant {
    /// Object name (unique per user and generation).
    pub name: String,
    /// Allowance in bytes.
    pub bytes: u64,
    /// Bytes already consumed.
    pub used: u64,
}

/// A user's allowances: total (both directions share it), upload only, download only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quotas {
    /// Download + upload.
    pub total: Option<QuotaGrant>,
    /// Upload only.
    pub up: Option<QuotaGrant>,
    /// Download only.
    pub down: Option<QuotaGrant>,
}

impl Quotas {
    fn all(&self) -> impl Iterator<Item = &QuotaGrant> {
        [&self.total, &self.up, &self.down].into_iter().flatten()
    }

    /// (map, key is MAC?) pairs naming each quota, for a client.
    fn map_entries(&self) -> Vec<(&'static str, bool, &QuotaGrant)> {
        let mut out = Vec::new();
        if let Some(q) = &self.total {
            out.push(("up_quota", true, q));
            out.push(("down_quota", false, q));
        }
        if let Some(q) = &self.up {
            out.push(("up_only_quota", true, q));
        }
        if let Some(q) = &self.down {
            out.push(("down_only_quota", false, q));
        }
        out
    }
}

/// What the kernel must know to let one device through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientGrant {
    /// Session id (names the counters and limits).
    pub session_id: i64,
    /// Device MAC, `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// Device IPv4 address.
    pub ip: Ipv4Addr,
    /// Device IPv6 addresses learnt so far.
    pub ip6: Vec<Ipv6Addr>,
    /// Seconds until the kernel drops the client by itself if the daemon does not act first.
    pub timeout_secs: u64,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
    /// Download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// The user's allowances.
    pub quotas: Quotas,
}

/// The client to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRevoke {
    /// Session id.
    pub session_id: i64,
    /// Device MAC.
    pub mac: String,
    /// Device IPv4 address.
    pub ip: Ipv4Addr,
    /// Device IPv6 addresses.
    pub ip6: Vec<Ipv6Addr>,
    /// The quotas the client was granted with.
    pub quotas: Quotas,
    /// Delete the quota objects too (no other device of the user uses them any more).
    pub drop_quotas: bool,
    /// Kill the device's open connections (the session ended; not when limits are replaced).
    pub flush_flows: bool,
}

/// Name of the upload counter of a session.
pub fn up_counter(session_id: i64) -> String {
    format!("cu{session_id}")
}

/// Name of the download counter of a session.
pub fn down_counter(session_id: i64) -> String {
    format!("cd{session_id}")
}

/// The IPv6 twin of a download map (keyed by IPv6 address, naming the same objects).
fn v6_map(map: &str) -> Option<&'static str> {
    match map {
        "down_counter" => Some("down_counter6"),
        "down_limit" => Some("down_limit6"),
        "down_quota" => Some("down_quota6"),
        "down_only_quota" => Some("down_only_quota6"),
        _ => None,
    }
}

/// `(map, key, object)` entries for a client's download maps: one per IPv4 entry and, for
/// each IPv6 address, one in the IPv6 twin.
fn with_v6(
    entries: Vec<(&'static str, String, String)>,
    ip6: &[Ipv6Addr],
) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::with_capacity(entries.len() * (1 + ip6.len()));
    for (map, key, value) in entries {
        if let Some(twin) = v6_map(map) {
            out.extend(ip6.iter().map(|a| (twin, a.to_string(), value.clone())));
        }
        out.push((map, key, value));
    }
    out
}

/// One `add`/`delete element` command per set or map, whatever the number of clients:
/// nft handles one command with 1,000 elements far faster than 1,000 commands.
#[derive(Default)]
struct Elements {
    /// Set or map name → elements, in first-use order.
    by_set: Vec<(&'static str, Vec<Value>)>,
}

impl Elements {
    fn push(&mut self, set: &'static str, elem: Value) {
        match self.by_set.iter_mut().find(|(name, _)| *name == set) {
            Some((_, elems)) => elems.push(elem),
            None => self.by_set.push((set, vec![elem])),
        }
    }

    fn commands(&self, verb: &str) -> Vec<Value> {
        self.by_set
            .iter()
            .map(|(set, elems)| json!({verb: {"element": object(json!({"name": set, "elem": elems}))}}))
            .collect()
    }
}

fn add(body: Value) -> Value {
    json!({"add": body})
}

fn delete(body: Value) -> Value {
    json!({"delete": body})
}

fn named(kind: &str, name: &str, extra: Value) -> Value {
    let mut fields = json!({"name": name});
    if let (Some(target), Value::Object(more)) = (fields.as_object_mut(), extra) {
        target.extend(more);
    }
    json!({kind: object(fields)})
}

/// A byte-rate policer; the burst must hold a whole GSO/GRO super-packet (up to 64 KiB) or
/// such packets would never pass, and a tenth of a second of traffic smooths TCP's bursts.
pub(super) fn limit(name: &str, bps: u64) -> Value {
    let bytes_per_sec = (bps / 8).max(1);
    let burst = (bytes_per_sec / 10).max(96 * 1024);
    named(
        "limit",
        name,
        json!({"rate": bytes_per_sec, "per": "second", "rate_unit": "bytes",
               "burst": burst, "burst_unit": "bytes", "inv": true}),
    )
}

fn quota(q: &QuotaGrant) -> Value {
    named(
        "quota",
        &q.name,
        json!({"bytes": q.bytes, "used": q.used.min(q.bytes), "inv": true}),
    )
}

fn authed_elem(mac: &str, ip: &str, timeout: u64) -> Value {
    json!({"elem": {"val": {"concat": [mac, ip]}, "timeout": timeout.max(1)}})
}

fn authed_ip_elem(ip: &str, timeout: u64) -> Value {
    json!({"elem": {"val": ip, "timeout": timeout.max(1)}})
}

/// Commands that authorise clients: objects first, then the map elements naming them, then
/// the set elements, so a client passes only once its accounting is in place.
pub fn grant_commands(grants: &[&ClientGrant]) -> Vec<Value> {
    let mut objects = Vec::new();
    let mut seen_quotas = std::collections::HashSet::new();
    let mut maps = Elements::default();
    let mut sets = Elements::default();
    for g in grants {
        let mac = g.mac.as_str();
        let ip = g.ip.to_string();
        let (cu, cd) = (up_counter(g.session_id), down_counter(g.session_id));
        objects.push(add(named("counter", &cu, json!({}))));
        objects.push(add(named("counter", &cd, json!({}))));
        let mut entries = vec![
            ("up_counter", mac.to_string(), cu),
            ("down_counter", ip.clone(), cd),
        ];
        if let Some(bps) = g.rate_up_bps {
            let name = format!("lu{}", g.session_id);
            objects.push(add(limit(&name, bps)));
            entries.push(("up_limit", mac.to_string(), name));
        }
        if let Some(bps) = g.rate_down_bps {
            let name = format!("ld{}", g.session_id);
            objects.push(add(limit(&name, bps)));
            entries.push(("down_limit", ip.clone(), name));
        }
        // `add` keeps an existing object (and its usage) when another device of the user
        // already has it; the caller passes the same numbers, so nothing is rewritten.
        for q in g
            .quotas
            .all()
            .filter(|q| seen_quotas.insert(q.name.clone()))
        {
            objects.push(add(quota(q)));
        }
        for (map, by_mac, q) in g.quotas.map_entries() {
            let key = if by_mac { mac.to_string() } else { ip.clone() };
            entries.push((map, key, q.name.clone()));
        }
        for (map, key, value) in with_v6(entries, &g.ip6) {
            maps.push(map, json!([key, value]));
        }
        sets.push("authed", authed_elem(mac, &ip, g.timeout_secs));
        sets.push("authed_ip", authed_ip_elem(&ip, g.timeout_secs));
        for a in &g.ip6 {
            let a = a.to_string();
            sets.push("authed6", authed_elem(mac, &a, g.timeout_secs));
            sets.push("authed_ip6", authed_ip_elem(&a, g.timeout_secs));
        }
    }
    let mut cmds = objects;
    cmds.extend(maps.commands("add"));
    cmds.extend(sets.commands("add"));
    cmds
}

/// Commands that remove clients. Everything deleted is first added, so the batch succeeds
/// whether or not the kernel still holds it (a set element may have timed out already; nft
/// 1.0.6 has no `destroy`). Re-adding a quota object with its own limit only rewrites that
/// limit; the kernel keeps its usage.
pub fn revoke_commands(revokes: &[&ClientRevoke]) -> Vec<Value> {
    let mut objects = Vec::new();
    let mut quotas = Vec::new();
    let mut dropped_quotas = Vec::new();
    let mut seen_quotas = std::collections::HashSet::new();
    let mut dropped_names = std::collections::HashSet::new();
    let mut maps = Elements::default();
    let mut map_keys = Elements::default();
    let mut sets = Elements::default();
    let mut set_keys = Elements::default();
    let mut seen = std::collections::HashSet::new();
    for r in revokes.iter().filter(|r| seen.insert(r.session_id)) {
        let mac = r.mac.as_str();
        let ip = r.ip.to_string();
        let sid = r.session_id;
        let mut pairs: Vec<(&'static str, String, String)> = vec![
            ("up_counter", mac.to_string(), up_counter(sid)),
            ("down_counter", ip.clone(), down_counter(sid)),
            ("up_limit", mac.to_string(), format!("lu{sid}")),
            ("down_limit", ip.clone(), format!("ld{sid}")),
        ];
        objects.push(named("counter", &up_counter(sid), json!({})));
        objects.push(named("counter", &down_counter(sid), json!({})));
        objects.push(limit(&format!("lu{sid}"), 8));
        objects.push(limit(&format!("ld{sid}"), 8));
        // Devices of one user share quota objects: each is added and deleted once.
        for q in r.quotas.all() {
            if seen_quotas.insert(q.name.clone()) {
                quotas.push(add(quota(q)));
            }
            if r.drop_quotas && dropped_names.insert(q.name.clone()) {
                dropped_quotas.push(delete(quota(q)));
            }
        }
        for (map, by_mac, q) in r.quotas.map_entries() {
            let key = if by_mac { mac.to_string() } else { ip.clone() };
            pairs.push((map, key, q.name.clone()));
        }
        for (map, key, value) in with_v6(pairs, &r.ip6) {
            maps.push(map, json!([key, value]));
            map_keys.push(map, json!(key));
        }
        let v6 = r
            .ip6
            .iter()
            .map(|a| ("authed6", "authed_ip6", a.to_string()));
        for (pair_set, ip_set, addr) in std::iter::once(("authed", "authed_ip", ip)).chain(v6) {
            sets.push(pair_set, authed_elem(mac, &addr, 1));
            sets.push(ip_set, authed_ip_elem(&addr, 1));
            set_keys.push(pair_set, json!({"concat": [mac, addr]}));
            set_keys.push(ip_set, json!(addr));
        }
    }
    let mut cmds: Vec<Value> = objects.iter().cloned().map(add).collect();
    cmds.extend(quotas);
    cmds.extend(maps.commands("add"));
    cmds.extend(sets.commands("add"));
    // Out of the sets first, so no packet passes uncounted while the rest goes.
    cmds.extend(set_keys.commands("delete"));
    cmds.extend(map_keys.commands("delete"));
    cmds.extend(objects.into_iter().map(delete));
    cmds.extend(dropped_quotas);
    cmds
}

#[cfg(test)]
mod tests;
