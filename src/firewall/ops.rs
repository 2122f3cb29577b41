//! Changes to our table's per-client state, typed: named objects and set elements, never
//! rules. Written to the kernel over netlink (`netlink`) or as nft JSON (`to_json`, for
//! batches that also rebuild rules or lists).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Value, json};

use super::render::object;

/// The key of an element of one of our sets or maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A device MAC, `aa:bb:cc:dd:ee:ff` (checked when encoded).
    Mac(String),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address.
    V6(Ipv6Addr),
    /// A MAC and IPv4 address pair (`ether_addr . ipv4_addr`).
    MacV4(String, Ipv4Addr),
    /// A MAC and IPv6 address pair (`ether_addr . ipv6_addr`).
    MacV6(String, Ipv6Addr),
}

impl Key {
    fn to_json(&self) -> Value {
        match self {
            Key::Mac(mac) => json!(mac),
            Key::V4(ip) => json!(ip.to_string()),
            Key::V6(ip) => json!(ip.to_string()),
            Key::MacV4(mac, ip) => json!({"concat": [mac, ip.to_string()]}),
            Key::MacV6(mac, ip) => json!({"concat": [mac, ip.to_string()]}),
        }
    }
}

/// An element to add: a set member (with an optional timeout) or a map entry naming an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// What the element matches.
    pub key: Key,
    /// Seconds until the kernel removes the element by itself.
    pub timeout_secs: Option<u64>,
    /// For object maps: the named counter, limit or quota the key points to.
    pub object: Option<String>,
    /// For the class maps: the HTB class id (`major << 16 | minor`) the key selects.
    pub class: Option<u32>,
}

impl Element {
    /// A map entry `key : object`.
    pub fn entry(key: Key, object: String) -> Self {
        Element {
            key,
            timeout_secs: None,
            object: Some(object),
            class: None,
        }
    }

    /// A class map entry `key : major:minor`.
    pub fn class(key: Key, class: u32) -> Self {
        Element {
            key,
            timeout_secs: None,
            object: None,
            class: Some(class),
        }
    }

    /// A set member that expires after `secs` (at least one: zero means "never" to nft).
    pub fn timed(key: Key, secs: u64) -> Self {
        Element {
            key,
            timeout_secs: Some(secs.max(1)),
            object: None,
            class: None,
        }
    }

    fn to_json(&self) -> Value {
        let key = self.key.to_json();
        match (&self.object, self.class, self.timeout_secs) {
            (Some(object), _, _) => json!([key, object]),
            // nft writes class ids as tc does: hex major and minor.
            (None, Some(class), _) => {
                json!([key, format!("{:x}:{:x}", class >> 16, class & 0xffff)])
            }
            (None, None, Some(timeout)) => json!({"elem": {"val": key, "timeout": timeout}}),
            (None, None, None) => key,
        }
    }
}

/// A named stateful object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    /// Packets and bytes.
    Counter {
        /// Object name.
        name: String,
    },
    /// A byte-rate policer that matches traffic over the rate (allowlisted devices' rates;
    /// guests' rates are shaped, see `shaping`).
    Limit {
        /// Object name.
        name: String,
        /// Rate, bytes per second.
        bytes_per_sec: u64,
        /// Bucket size, bytes.
        burst: u32,
    },
    /// A byte allowance that matches traffic once it is used up.
    Quota {
        /// Object name.
        name: String,
        /// Allowance, bytes.
        bytes: u64,
        /// Already consumed, bytes.
        used: u64,
    },
}

impl Object {
    /// A counter.
    pub fn counter(name: String) -> Self {
        Object::Counter { name }
    }

    /// A policer of `bps` bits/s. The burst must hold a whole GSO/GRO super-packet (up to
    /// 64 KiB) or such packets would never pass, and a tenth of a second of traffic smooths
    /// TCP's bursts.
    pub fn limit(name: String, bps: u64) -> Self {
        let bytes_per_sec = (bps / 8).max(1);
        let burst = (bytes_per_sec / 10).clamp(96 * 1024, u64::from(u32::MAX));
        Object::Limit {
            name,
            bytes_per_sec,
            burst: u32::try_from(burst).unwrap_or(u32::MAX),
        }
    }

    /// A quota of `bytes` of which `used` are gone (never more than the allowance).
    pub fn quota(name: String, bytes: u64, used: u64) -> Self {
        Object::Quota {
            name,
            bytes,
            used: used.min(bytes),
        }
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        match self {
            Object::Counter { name } | Object::Limit { name, .. } | Object::Quota { name, .. } => {
                name
            }
        }
    }

    /// nft JSON `{"counter": {...}}` etc.
    pub fn to_json(&self) -> Value {
        let (kind, extra) = match self {
            Object::Counter { .. } => ("counter", json!({})),
            Object::Limit {
                bytes_per_sec,
                burst,
                ..
            } => (
                "limit",
                json!({"rate": bytes_per_sec, "per": "second", "rate_unit": "bytes",
                       "burst": burst, "burst_unit": "bytes", "inv": true}),
            ),
            Object::Quota { bytes, used, .. } => {
                ("quota", json!({"bytes": bytes, "used": used, "inv": true}))
            }
        };
        let mut fields = json!({"name": self.name()});
        if let (Some(target), Value::Object(more)) = (fields.as_object_mut(), extra) {
            target.extend(more);
        }
        json!({kind: object(fields)})
    }
}

/// One step of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Create an object (an existing one keeps its state; a quota takes the new allowance).
    AddObject(Object),
    /// Delete an object (it must exist and be unreferenced).
    DeleteObject(Object),
    /// Add elements to a set or map (an identical existing element is kept).
    AddElements(&'static str, Vec<Element>),
    /// Delete elements by key (they must exist).
    DeleteElements(&'static str, Vec<Key>),
}

impl Op {
    /// The nft JSON command.
    pub fn to_json(&self) -> Value {
        let elements = |set: &str, elem: Vec<Value>| object(json!({"name": set, "elem": elem}));
        match self {
            Op::AddObject(o) => json!({"add": o.to_json()}),
            Op::DeleteObject(o) => json!({"delete": o.to_json()}),
            Op::AddElements(set, elems) => json!({"add": {"element": elements(
                set,
                elems.iter().map(Element::to_json).collect()
            )}}),
            Op::DeleteElements(set, keys) => json!({"delete": {"element": elements(
                set,
                keys.iter().map(Key::to_json).collect()
            )}}),
        }
    }
}

/// Elements gathered per set, so each set gets one operation whatever the number of
/// clients (nft and the kernel handle one command with 1,000 elements far faster than 1,000
/// commands).
#[derive(Debug)]
pub struct BySet<T> {
    /// Set or map name → items, in first-use order.
    sets: Vec<(&'static str, Vec<T>)>,
}

impl<T> Default for BySet<T> {
    fn default() -> Self {
        BySet { sets: Vec::new() }
    }
}

impl<T> BySet<T> {
    /// Adds an item to a set's list.
    pub fn push(&mut self, set: &'static str, item: T) {
        match self.sets.iter_mut().find(|(name, _)| *name == set) {
            Some((_, items)) => items.push(item),
            None => self.sets.push((set, vec![item])),
        }
    }

    /// One operation per set.
    pub fn into_ops(self, op: impl Fn(&'static str, Vec<T>) -> Op) -> impl Iterator<Item = Op> {
        self.sets
            .into_iter()
            .map(move |(set, items)| op(set, items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_render_as_nft_json() {
        let mac = "02:00:00:00:00:01".to_string();
        let ip = Ipv4Addr::new(10, 0, 0, 1);
        assert_eq!(
            Element::timed(Key::MacV4(mac.clone(), ip), 0).to_json(),
            json!({"elem": {"val": {"concat": [mac, "10.0.0.1"]}, "timeout": 1}})
        );
        assert_eq!(
            Element::entry(Key::Mac(mac.clone()), "cu1".into()).to_json(),
            json!([mac, "cu1"])
        );
        let delete = Op::DeleteElements("authed_ip6", vec![Key::V6(Ipv6Addr::LOCALHOST)]);
        assert_eq!(
            delete.to_json()["delete"]["element"]["elem"],
            json!(["::1"])
        );
    }

    #[test]
    fn a_limit_bucket_holds_a_super_packet_and_a_tenth_of_a_second() {
        let slow = Object::limit("l".into(), 1_000_000);
        let fast = Object::limit("l".into(), 1_000_000_000);
        assert!(matches!(
            slow,
            Object::Limit {
                bytes_per_sec: 125_000,
                burst: 98_304,
                ..
            }
        ));
        assert!(matches!(
            fast,
            Object::Limit {
                burst: 12_500_000,
                ..
            }
        ));
        assert_eq!(slow.to_json()["limit"]["inv"], true);
    }

    #[test]
    fn a_quota_never_starts_more_than_used_up() {
        let q = Object::quota("q".into(), 100, 500);
        assert_eq!(q.to_json()["quota"]["used"], 100);
    }
}
