//! Shared helpers for the end-to-end tests. Each test binary uses a different subset.
#![allow(dead_code)]

pub mod guest;
pub mod lab;
pub mod netns;
pub mod rates;
pub mod webdriver;

use hotspotd::config::Lan;
use hotspotd::firewall::FirewallPolicy;

/// The firewall policy of the lab's gateway, with room for thousands of clients (/16).
pub fn policy() -> FirewallPolicy {
    FirewallPolicy {
        lans: vec![Lan {
            interface: "lan0".into(),
            subnet: "10.77.0.0/16".parse().unwrap(),
            address: "10.77.0.1".parse().unwrap(),
            subnet6: None,
        }],
        portal_port: 2050,
    }
}
