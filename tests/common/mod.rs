//! Shared helpers for the end-to-end tests. Each test binary uses a different subset.
#![allow(dead_code)]

pub mod lab;
pub mod netns;
pub mod webdriver;

use hotspotd::firewall::FirewallPolicy;

/// The firewall policy of the lab's gateway, with room for thousands of clients (/16).
pub fn policy() -> FirewallPolicy {
    FirewallPolicy {
        lan_interface: "lan0".into(),
        lan_subnet: "10.77.0.0/16".parse().unwrap(),
        lan_address: "10.77.0.1".parse().unwrap(),
        portal_port: 2050,
    }
}
