//! Per-client state as nftables JSON commands: set elements and named objects, never rules.
//!
//! Names: `cu<session>`/`cd<session>` counters, `lu<session>`/`ld<session>` limits (up/down),
//! `q<voucher>` the voucher's quota, shared by all its devices and both directions.

use std::net::Ipv4Addr;

use serde_json::{Value, json};

use super::render::object;

/// What the kernel must know to let one device through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientGrant {
    /// Session id (names the counters and limits).
    pub session_id: i64,
    /// Device MAC, `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// Device IPv4 address.
    pub ip: Ipv4Addr,
    /// Seconds until the kernel drops the client by itself if the daemon does not act first.
    pub timeout_secs: u64,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
    /// Download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// The voucher's quota, if it has one.
    pub quota: Option<QuotaGrant>,
}

/// A voucher's data allowance as a kernel quota object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaGrant {
    /// Voucher id (names the object).
    pub voucher_id: i64,
    /// Allowance in bytes.
    pub limit_bytes: u64,
    /// Bytes already used (restored from the database).
    pub used_bytes: u64,
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
    /// The voucher's quota, if it has one.
    pub quota: Option<QuotaGrant>,
    /// Delete the quota object too (no other device of the voucher is online).
    pub drop_quota: bool,
}

/// Name of the upload counter of a session.
pub fn up_counter(session_id: i64) -> String {
    format!("cu{session_id}")
}

/// Name of the download counter of a session.
pub fn down_counter(session_id: i64) -> String {
    format!("cd{session_id}")
}

/// Name of a voucher's quota object.
pub fn quota_name(voucher_id: i64) -> String {
    format!("q{voucher_id}")
}

fn element(set: &str, elem: Value) -> Value {
    json!({"element": object(json!({"name": set, "elem": [elem]}))})
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
fn limit(name: &str, bps: u64) -> Value {
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
        &quota_name(q.voucher_id),
        json!({"bytes": q.limit_bytes, "used": q.used_bytes.min(q.limit_bytes), "inv": true}),
    )
}

/// Commands that authorise one client. Objects come before the map elements naming them.
pub fn grant_commands(g: &ClientGrant) -> Vec<Value> {
    let mac = g.mac.as_str();
    let ip = g.ip.to_string();
    let (cu, cd) = (up_counter(g.session_id), down_counter(g.session_id));
    let mut cmds = vec![
        add(named("counter", &cu, json!({}))),
        add(named("counter", &cd, json!({}))),
    ];
    let mut maps = vec![
        element("up_counter", json!([mac, cu])),
        element("down_counter", json!([ip, cd])),
    ];
    if let Some(bps) = g.rate_up_bps {
        let name = format!("lu{}", g.session_id);
        cmds.push(add(limit(&name, bps)));
        maps.push(element("up_limit", json!([mac, name])));
    }
    if let Some(bps) = g.rate_down_bps {
        let name = format!("ld{}", g.session_id);
        cmds.push(add(limit(&name, bps)));
        maps.push(element("down_limit", json!([ip, name])));
    }
    if let Some(q) = &g.quota {
        // `add` keeps an existing object (and its usage) when another device shares the voucher.
        cmds.push(add(quota(q)));
        maps.push(element("up_quota", json!([mac, quota_name(q.voucher_id)])));
        maps.push(element("down_quota", json!([ip, quota_name(q.voucher_id)])));
    }
    cmds.extend(maps.into_iter().map(add));
    // The set elements last: the client passes only once its accounting is in place.
    cmds.push(add(element(
        "authed",
        json!({"elem": {"val": {"concat": [mac, ip]}, "timeout": g.timeout_secs.max(1)}}),
    )));
    cmds.push(add(element(
        "authed_ip",
        json!({"elem": {"val": ip, "timeout": g.timeout_secs.max(1)}}),
    )));
    cmds
}

/// Commands that remove one client. Each deletion is preceded by an `add` of the same item, so
/// the batch succeeds whether or not the kernel still holds it (a set element may have timed
/// out already; nft 1.0.6 has no `destroy`). Re-adding a quota object with its own limit only
/// rewrites that limit; the kernel keeps its usage.
pub fn revoke_commands(r: &ClientRevoke) -> Vec<Value> {
    let mac = r.mac.as_str();
    let ip = r.ip.to_string();
    let sid = r.session_id;
    let (cu, cd) = (up_counter(sid), down_counter(sid));
    let (lu, ld) = (format!("lu{sid}"), format!("ld{sid}"));
    let objects = vec![
        named("counter", &cu, json!({})),
        named("counter", &cd, json!({})),
        limit(&lu, 8),
        limit(&ld, 8),
    ];
    let mut pairs = vec![
        ("up_counter", mac.to_string(), cu),
        ("down_counter", ip.clone(), cd),
        ("up_limit", mac.to_string(), lu),
        ("down_limit", ip.clone(), ld),
    ];
    let mut cmds: Vec<Value> = objects.iter().cloned().map(add).collect();
    if let Some(q) = &r.quota {
        cmds.push(add(quota(q)));
        pairs.push(("up_quota", mac.to_string(), quota_name(q.voucher_id)));
        pairs.push(("down_quota", ip.clone(), quota_name(q.voucher_id)));
    }
    let sets = [
        element(
            "authed",
            json!({"elem": {"val": {"concat": [mac, ip]}, "timeout": 1}}),
        ),
        element("authed_ip", json!({"elem": {"val": ip, "timeout": 1}})),
    ];
    cmds.extend(
        pairs
            .iter()
            .map(|(map, key, value)| add(element(map, json!([key, value])))),
    );
    cmds.extend(sets.iter().cloned().map(add));
    // Out of the sets first, so no packet passes uncounted while the rest goes.
    cmds.extend(sets.into_iter().map(delete));
    cmds.extend(
        pairs
            .iter()
            .map(|(map, key, _)| delete(element(map, json!(key)))),
    );
    cmds.extend(objects.into_iter().map(delete));
    if let (Some(q), true) = (&r.quota, r.drop_quota) {
        cmds.push(delete(quota(q)));
    }
    cmds
}
