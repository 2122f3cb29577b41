//! Reading access-list entries: MACs, IPv4 destinations, garden domain patterns.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::file::RawAllowMac;
use super::{ConfigError, invalid};
use crate::model::units::parse_rate;
use crate::sniff::names::DomainPattern;

/// A device that bypasses the portal, as the config describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedMac {
    /// `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// What it is.
    pub note: String,
    /// Download rate, bits/s (`None`: unlimited).
    pub rate_down_bps: Option<u64>,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
}

/// Validates `access.allow_macs`.
pub fn allowed_macs(raw: Vec<RawAllowMac>) -> Result<Vec<AllowedMac>, ConfigError> {
    const KEY: &str = "access.allow_macs";
    let bad_mac = |m: &str| {
        invalid(
            KEY,
            format!("{m:?} is not a MAC address"),
            "write it as aa:bb:cc:dd:ee:ff",
        )
    };
    let rate = |text: Option<String>, mac: &str| {
        text.map(|t| {
            parse_rate(&t).map_err(|e| invalid(KEY, format!("rate of {mac}: {e}"), e.hint))
        })
        .transpose()
    };
    raw.into_iter()
        .map(|entry| match entry {
            RawAllowMac::Mac(m) => Ok(AllowedMac {
                mac: parse_mac(&m).ok_or_else(|| bad_mac(&m))?,
                note: String::new(),
                rate_down_bps: None,
                rate_up_bps: None,
            }),
            RawAllowMac::Device(d) => {
                let mac = parse_mac(&d.mac).ok_or_else(|| bad_mac(&d.mac))?;
                Ok(AllowedMac {
                    rate_down_bps: rate(d.down, &mac)?,
                    rate_up_bps: rate(d.up, &mac)?,
                    note: d.note,
                    mac,
                })
            }
        })
        .collect()
}

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
