//! Per-client state as kernel operations: set elements and named objects, never rules.
//!
//! Names: `cu<session>`/`cd<session>` counters (up/down); quota objects are named by the
//! caller (one set per user, shared by its devices). Rates are HTB classes the class maps
//! point to (`shaping`).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::ops::{BySet, Element, Key, Object, Op};
use super::shaping::{self, ClassLookup};

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
    /// Flush the address's connections that were redirected to the portal (a login, or a
    /// move to an address that was held until now; not when limits are replaced).
    pub flush_redirected: bool,
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
    /// The session ended: its counters go too (once read) and the device's open connections
    /// are killed. Not when limits are replaced or the device moves: the session's counters
    /// then stay and go on counting.
    pub ends_session: bool,
}

/// An IPv6 address leaving a session that stays online (the device's least recently seen
/// one, when the session holds as many as it may).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Drop {
    /// The session as granted (names its counters, limits and quotas).
    pub client: ClientGrant,
    /// The address that stops passing.
    pub ip: Ipv6Addr,
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
        "down_quota" => Some("down_quota6"),
        "down_only_quota" => Some("down_only_quota6"),
        _ => None,
    }
}

/// `(map, key, object)` entries for a client's maps: each as given and, for a download map,
/// one in its IPv6 twin per IPv6 address.
fn with_v6(
    entries: Vec<(&'static str, Key, String)>,
    ip6: &[Ipv6Addr],
) -> Vec<(&'static str, Key, String)> {
    let mut out = Vec::with_capacity(entries.len() * (1 + ip6.len()));
    for (map, key, value) in entries {
        if let Some(twin) = v6_map(map) {
            out.extend(ip6.iter().map(|a| (twin, Key::V6(*a), value.clone())));
        }
        out.push((map, key, value));
    }
    out
}

fn mac_key(mac: &str) -> Key {
    Key::Mac(mac.to_string())
}

fn quota(q: &QuotaGrant) -> Object {
    Object::quota(q.name.clone(), q.bytes, q.used)
}

/// A client's quota map entries.
fn quota_entries(mac: &str, ip: Ipv4Addr, quotas: &Quotas) -> Vec<(&'static str, Key, String)> {
    quotas
        .map_entries()
        .into_iter()
        .map(|(map, by_mac, q)| {
            let key = if by_mac { mac_key(mac) } else { Key::V4(ip) };
            (map, key, q.name.clone())
        })
        .collect()
}

/// The `authed*` set keys of a device: (pair set, address set, pair key, address key).
fn authed_keys(
    mac: &str,
    ip: Ipv4Addr,
    ip6: &[Ipv6Addr],
) -> Vec<(&'static str, &'static str, Key, Key)> {
    let v4 = (
        "authed",
        "authed_ip",
        Key::MacV4(mac.to_string(), ip),
        Key::V4(ip),
    );
    std::iter::once(v4).chain(authed6_keys(mac, ip6)).collect()
}

/// The `authed6*` set keys of a device's IPv6 addresses.
fn authed6_keys(
    mac: &str,
    ip6: &[Ipv6Addr],
) -> impl Iterator<Item = (&'static str, &'static str, Key, Key)> {
    ip6.iter().map(move |a| {
        (
            "authed6",
            "authed_ip6",
            Key::MacV6(mac.to_string(), *a),
            Key::V6(*a),
        )
    })
}

/// Operations that authorise clients: objects first, then the map elements naming them, then
/// the set elements, so a client passes only once its accounting is in place.
pub fn grant_ops(grants: &[&ClientGrant], classes: &ClassLookup) -> Vec<Op> {
    let mut objects = Vec::new();
    let mut seen_quotas = std::collections::HashSet::new();
    let mut maps = BySet::default();
    let mut sets = BySet::default();
    for g in grants {
        let sid = g.session_id;
        objects.push(Op::AddObject(Object::counter(up_counter(sid))));
        objects.push(Op::AddObject(Object::counter(down_counter(sid))));
        // `add` keeps an existing object (and its usage) when another device of the user
        // already has it; the caller passes the same numbers, so nothing is rewritten.
        for q in g
            .quotas
            .all()
            .filter(|q| seen_quotas.insert(q.name.clone()))
        {
            objects.push(Op::AddObject(quota(q)));
        }
        for (map, key, value) in with_v6(map_entries(g), &g.ip6) {
            maps.push(map, Element::entry(key, value));
        }
        for (map, key, class) in shaping::entries(&g.mac, g.ip, &g.ip6, classes.granted(sid)) {
            maps.push(map, Element::class(key, class));
        }
        for (pair_set, ip_set, pair, addr) in authed_keys(&g.mac, g.ip, &g.ip6) {
            sets.push(pair_set, Element::timed(pair, g.timeout_secs));
            sets.push(ip_set, Element::timed(addr, g.timeout_secs));
        }
    }
    let mut ops = objects;
    ops.extend(maps.into_ops(Op::AddElements));
    ops.extend(sets.into_ops(Op::AddElements));
    ops
}

/// The object map entries of a granted client over IPv4 and its MAC: counters, its user's
/// quotas.
fn map_entries(g: &ClientGrant) -> Vec<(&'static str, Key, String)> {
    let (mac, sid) = (g.mac.as_str(), g.session_id);
    let mut entries = vec![
        ("up_counter", mac_key(mac), up_counter(sid)),
        ("down_counter", Key::V4(g.ip), down_counter(sid)),
    ];
    entries.extend(quota_entries(mac, g.ip, &g.quotas));
    entries
}

/// Operations that take IPv6 addresses out of sessions that stay online: the address's set
/// elements and its entries in the IPv6 download maps; the session's objects stay. Added
/// before deleted, like a revoke, so the batch holds whatever the kernel has timed out.
pub fn drop_ipv6_ops(drops: &[&Ipv6Drop], classes: &ClassLookup) -> Vec<Op> {
    let (mut maps, mut map_keys) = (BySet::default(), BySet::default());
    let (mut sets, mut set_keys) = (BySet::default(), BySet::default());
    for d in drops {
        let v6_only = with_v6(map_entries(&d.client), &[d.ip])
            .into_iter()
            .filter(|(_, key, _)| matches!(key, Key::V6(_)));
        for (map, key, value) in v6_only {
            map_keys.push(map, key.clone());
            maps.push(map, Element::entry(key, value));
        }
        let held = classes.kept(d.client.session_id);
        for (map, key, class) in shaping::entries(&d.client.mac, d.client.ip, &[d.ip], held)
            .into_iter()
            .filter(|(_, key, _)| matches!(key, Key::V6(_)))
        {
            map_keys.push(map, key.clone());
            maps.push(map, Element::class(key, class));
        }
        for (pair_set, ip_set, pair, addr) in authed6_keys(&d.client.mac, &[d.ip]) {
            sets.push(pair_set, Element::timed(pair.clone(), 1));
            sets.push(ip_set, Element::timed(addr.clone(), 1));
            set_keys.push(pair_set, pair);
            set_keys.push(ip_set, addr);
        }
    }
    let mut ops: Vec<Op> = maps.into_ops(Op::AddElements).collect();
    ops.extend(sets.into_ops(Op::AddElements));
    ops.extend(set_keys.into_ops(Op::DeleteElements));
    ops.extend(map_keys.into_ops(Op::DeleteElements));
    ops
}

/// Operations that delete the counters of ended sessions, after `revoke_ops` made them
/// unreachable and their last numbers were read. Added first, like everything deleted.
pub fn retire_counters(revokes: &[&ClientRevoke]) -> Vec<Op> {
    let counters: Vec<Object> = revokes
        .iter()
        .filter(|r| r.ends_session)
        .flat_map(|r| counter_names(r.session_id))
        .map(Object::counter)
        .collect();
    let mut ops: Vec<Op> = counters.iter().cloned().map(Op::AddObject).collect();
    ops.extend(counters.into_iter().map(Op::DeleteObject));
    ops
}

/// Names of a session's upload and download counters.
pub fn counter_names(session_id: i64) -> [String; 2] {
    [up_counter(session_id), down_counter(session_id)]
}

/// Operations that remove clients: set elements, map entries (their classes go back to the
/// pool in `shaping`) and (with the user's last device) quotas; counters are left to `retire_counters`. Everything deleted is first added, so the batch succeeds
/// whether or not the kernel still holds it (a set element may have timed out already; nft
/// 1.0.6 and kernels before 6.3 have no `destroy`). Re-adding a quota object with its own
/// limit only rewrites that limit; the kernel keeps its usage.
pub fn revoke_ops(revokes: &[&ClientRevoke], classes: &ClassLookup) -> Vec<Op> {
    let mut kept = Vec::new();
    let mut quotas = Vec::new();
    let mut dropped_quotas = Vec::new();
    let mut seen_quotas = std::collections::HashSet::new();
    let mut dropped_names = std::collections::HashSet::new();
    let mut maps = BySet::default();
    let mut map_keys = BySet::default();
    let mut sets = BySet::default();
    let mut set_keys = BySet::default();
    let mut seen = std::collections::HashSet::new();
    for r in revokes.iter().filter(|r| seen.insert(r.session_id)) {
        let mac = r.mac.as_str();
        let sid = r.session_id;
        let mut entries = vec![
            ("up_counter", mac_key(mac), up_counter(sid)),
            ("down_counter", Key::V4(r.ip), down_counter(sid)),
        ];
        // The counters stay (see `retire_counters`): unreachable once their map entries go.
        // Added like the rest, so the map entries re-added below name something.
        kept.push(Op::AddObject(Object::counter(up_counter(sid))));
        kept.push(Op::AddObject(Object::counter(down_counter(sid))));
        // Devices of one user share quota objects: each is added and deleted once.
        for q in r.quotas.all() {
            if seen_quotas.insert(q.name.clone()) {
                quotas.push(Op::AddObject(quota(q)));
            }
            if r.drop_quotas && dropped_names.insert(q.name.clone()) {
                dropped_quotas.push(Op::DeleteObject(quota(q)));
            }
        }
        entries.extend(quota_entries(mac, r.ip, &r.quotas));
        for (map, key, value) in with_v6(entries, &r.ip6) {
            map_keys.push(map, key.clone());
            maps.push(map, Element::entry(key, value));
        }
        for (map, key, class) in shaping::entries(mac, r.ip, &r.ip6, classes.revoked(sid)) {
            map_keys.push(map, key.clone());
            maps.push(map, Element::class(key, class));
        }
        for (pair_set, ip_set, pair, addr) in authed_keys(mac, r.ip, &r.ip6) {
            sets.push(pair_set, Element::timed(pair.clone(), 1));
            sets.push(ip_set, Element::timed(addr.clone(), 1));
            set_keys.push(pair_set, pair);
            set_keys.push(ip_set, addr);
        }
    }
    let mut ops = kept;
    ops.extend(quotas);
    ops.extend(maps.into_ops(Op::AddElements));
    ops.extend(sets.into_ops(Op::AddElements));
    // Out of the sets first, so no packet passes uncounted while the rest goes.
    ops.extend(set_keys.into_ops(Op::DeleteElements));
    ops.extend(map_keys.into_ops(Op::DeleteElements));
    ops.extend(dropped_quotas);
    ops
}

#[cfg(test)]
mod tests;
