//! Reading access-list entries: MACs, IPv4 destinations, garden domain patterns.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::sniff::names::DomainPattern;

/// Reads a MAC in any case; `None` if it is not one.
pub fn parse_mac(text: &str) -> Option<String> {
    let mac = text.trim().to_ascii_lowercase();
    crate::neighbours::valid_mac(&mac).then_some(mac)
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

/// Reads a garden entry: an address or network, else a domain pattern (never a probe host).
pub fn parse_garden_entry(text: &str) -> Result<GardenEntry, String> {
    if let Some(net) = parse_destination(text) {
        return Ok(GardenEntry::Network(net));
    }
    DomainPattern::parse(text)
        .map(GardenEntry::Domain)
        .map_err(|e| e.to_string())
}
