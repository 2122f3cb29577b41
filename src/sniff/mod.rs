//! Watching the guest network: DNS answers the gateway sends to guests (walled-garden domains
//! open the addresses they resolve to, for their TTL), and ARP, DHCP and IPv6 sources (who is
//! who).

pub mod capture;
pub mod devices;
pub mod dns;
mod filter;
#[cfg(test)]
mod fixtures;
pub mod ipv6;
// The garden's domain patterns are part of the hotspot settings, so they live in `model`.
pub use crate::model::names;
