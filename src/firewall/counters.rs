//! Per-client counters and quota usage read back from the kernel (only numbers are read
//! back: who is authorised always comes from the database), and rule counts of a listing.

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
    fn counts_rules_of_a_listing() {
        let listing = json!({"nftables": [
            {"metainfo": {"version": "1.0.6"}},
            {"counter": {"name": "cu1", "bytes": 180}},
            {"rule": {"chain": "forward"}},
            {"rule": {"chain": "capture"}}
        ]});
        assert_eq!(count_rules(&listing), 2);
        assert_eq!(count_rules(&json!({})), 0);
    }
}
