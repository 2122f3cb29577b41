//! Access-list entries as operators write them: MAC addresses, IPv4 destinations and
//! walled-garden domain patterns. Pure parsers shared by the hotspot settings, the machine
//! config's seed and the CLI.

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::names::DomainPattern;

/// `aa:bb:cc:dd:ee:ff`, not all zero.
pub fn valid_mac(mac: &str) -> bool {
    let parts: Vec<&str> = mac.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
        && mac != "00:00:00:00:00:00"
}

/// Reads a MAC in any case; `None` if it is not one.
pub fn parse_mac(text: &str) -> Option<String> {
    let mac = text.trim().to_ascii_lowercase();
    valid_mac(&mac).then_some(mac)
}

/// Reads an IPv4 address (as a /32) or network.
pub fn parse_destination(text: &str) -> Option<Ipv4Net> {
    let text = text.trim();
    text.parse::<Ipv4Net>()
        .ok()
        .or_else(|| text.parse::<Ipv4Addr>().ok().map(Ipv4Net::from))
        .map(|n| n.trunc())
}

/// One walled-garden entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GardenEntry {
    /// An IPv4 address or network.
    Network(Ipv4Net),
    /// A domain pattern.
    Domain(DomainPattern),
}

impl fmt::Display for GardenEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GardenEntry::Network(net) => net.fmt(f),
            GardenEntry::Domain(pattern) => pattern.fmt(f),
        }
    }
}

/// How to write a garden entry (the fix of every refused one).
pub const GARDEN_HINT: &str =
    "write an IPv4 address or network (203.0.113.0/24), a host name (pay.example.com) or *.domain";

/// Reads a garden entry: an address or network, else a domain pattern (never a probe host).
pub fn parse_garden_entry(text: &str) -> Result<GardenEntry, String> {
    if let Some(net) = parse_destination(text) {
        return Ok(GardenEntry::Network(net));
    }
    DomainPattern::parse(text)
        .map(GardenEntry::Domain)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_normalised() {
        assert_eq!(
            parse_mac(" 02:AB:cd:00:00:01 ").as_deref(),
            Some("02:ab:cd:00:00:01")
        );
        assert_eq!(parse_mac("00:00:00:00:00:00"), None);
        assert_eq!(
            parse_garden_entry("198.51.100.9/24").unwrap().to_string(),
            "198.51.100.0/24"
        );
        assert_eq!(
            parse_garden_entry("203.0.113.7").unwrap().to_string(),
            "203.0.113.7/32"
        );
        assert_eq!(
            parse_garden_entry("*.Stripe.com").unwrap().to_string(),
            "*.stripe.com"
        );
        assert!(parse_garden_entry("*.apple.com").is_err());
    }
}
