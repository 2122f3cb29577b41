//! Reading per-client counters and quota usage back from a table listing. (Only numbers are
//! read back: who is authorised always comes from the database.)

use std::collections::HashMap;

use serde_json::Value;

/// Byte counts of our named objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelCounters {
    /// Counter name → bytes.
    pub counters: HashMap<String, u64>,
    /// Quota name → bytes used.
    pub quotas: HashMap<String, u64>,
}

/// Extracts counters and quotas from `nft -j list table` output.
pub fn parse_listing(listing: &Value) -> KernelCounters {
    let mut out = KernelCounters::default();
    let Some(items) = listing["nftables"].as_array() else {
        return out;
    };
    for item in items {
        if let Some(c) = item.get("counter")
            && let (Some(name), Some(bytes)) = (c["name"].as_str(), c["bytes"].as_u64())
        {
            out.counters.insert(name.to_string(), bytes);
        } else if let Some(q) = item.get("quota")
            && let (Some(name), Some(used)) = (q["name"].as_str(), q["used"].as_u64())
        {
            out.quotas.insert(name.to_string(), used);
        }
    }
    out
}

/// Number of rules in a listing.
pub fn count_rules(listing: &Value) -> usize {
    listing["nftables"]
        .as_array()
        .map(|items| items.iter().filter(|i| i.get("rule").is_some()).count())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_counters_and_quotas() {
        let listing = json!({"nftables": [
            {"metainfo": {"version": "1.0.6"}},
            {"counter": {"family": "inet", "name": "cu1", "table": "hotspotd", "handle": 28, "packets": 3, "bytes": 180}},
            {"quota": {"family": "inet", "name": "q7", "table": "hotspotd", "bytes": 1000000, "used": 5000, "inv": true}},
            {"rule": {"chain": "forward"}},
            {"counter": {"name": "broken"}}
        ]});
        let k = parse_listing(&listing);
        assert_eq!(k.counters.get("cu1"), Some(&180));
        assert_eq!(k.quotas.get("q7"), Some(&5000));
        assert_eq!(k.counters.len(), 1);
        assert_eq!(count_rules(&listing), 1);
        assert_eq!(parse_listing(&json!({})), KernelCounters::default());
    }
}
