//! Reading per-client counters and quota usage back from a table listing. (Only numbers are
//! read back: who is authorised always comes from the database.)

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

/// Byte counts of our named objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelCounters {
    /// Counter name → bytes.
    pub counters: HashMap<String, u64>,
    /// Quota name → bytes used.
    pub quotas: HashMap<String, u64>,
}

#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(borrow)]
    nftables: Vec<Item<'a>>,
}

/// One entry of a listing; anything but counters and quotas is skipped unparsed.
#[derive(Deserialize)]
struct Item<'a> {
    #[serde(default, borrow)]
    counter: Option<Named<'a>>,
    #[serde(default, borrow)]
    quota: Option<Named<'a>>,
}

#[derive(Deserialize)]
struct Named<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    bytes: Option<u64>,
    used: Option<u64>,
}

/// Reads counters and quotas straight from `nft -j` output (one or more documents) without
/// building a JSON tree: with 10,000 clients the output is megabytes, read every second.
pub fn parse_bytes(output: &[u8]) -> Result<KernelCounters, serde_json::Error> {
    let mut out = KernelCounters::default();
    for doc in serde_json::Deserializer::from_slice(output).into_iter::<Doc>() {
        for item in doc?.nftables {
            // Entries without their number (not ours, or a newer nft) are skipped.
            if let Some(c) = item.counter
                && let Some(bytes) = c.bytes
            {
                out.counters.insert(c.name.into_owned(), bytes);
            }
            if let Some(q) = item.quota
                && let Some(used) = q.used
            {
                out.quotas.insert(q.name.into_owned(), used);
            }
        }
    }
    Ok(out)
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
        let k = parse_bytes(listing.to_string().as_bytes()).unwrap();
        assert_eq!(k.counters.get("cu1"), Some(&180));
        assert_eq!(k.quotas.get("q7"), Some(&5000));
        assert_eq!(k.counters.len(), 1);
        assert_eq!(count_rules(&listing), 1);
        assert_eq!(
            parse_bytes(json!({"nftables": []}).to_string().as_bytes()).unwrap(),
            KernelCounters::default()
        );
        // Over two concatenated documents (one per list command).
        let text = format!(
            "{listing}{}",
            json!({"nftables": [{"quota": {"name": "q8", "bytes": 10, "used": 3}}]})
        );
        let streamed = parse_bytes(text.as_bytes()).unwrap();
        assert_eq!(streamed.counters.get("cu1"), Some(&180));
        assert_eq!(streamed.quotas.get("q7"), Some(&5000));
        assert_eq!(streamed.quotas.get("q8"), Some(&3));
        assert!(parse_bytes(b"{not json").is_err());
    }
}
