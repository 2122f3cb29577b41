//! Shared helpers for the end-to-end tests. Each test binary uses a different subset.
#![allow(dead_code)]

pub mod cli;
pub mod click;
pub mod codes;
pub mod design;
pub mod embedded;
pub mod guest;
pub mod lab;
pub mod manager;
pub mod manager_api;
pub mod manager_process;
pub mod netns;
pub mod peers;
pub mod postgres;
pub mod rates;
pub mod splash;
pub mod sso;
pub mod sync_client;
pub mod sync_unit;
pub mod tls;
pub mod webdriver;

use hotspotd::config::Lan;
use hotspotd::firewall::FirewallPolicy;

/// The firewall policy of the lab's gateway, with room for thousands of clients (/16); the
/// table alone, without shaping pools (no interfaces needed; rates are not enforced).
pub fn policy() -> FirewallPolicy {
    FirewallPolicy {
        lans: vec![Lan {
            interface: "lan0".into(),
            subnet: "10.77.0.0/16".parse().unwrap(),
            address: "10.77.0.1".parse().unwrap(),
            subnet6: None,
        }],
        portal_port: 2050,
        wan_interface: None,
        manager: None,
    }
}

/// The local time of day `secs` from now, `HH:MM:SS` (for profile windows).
pub fn local_time_of_day_plus(secs: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-d", &format!("{secs} seconds"), "+%H:%M:%S"])
        .output()
        .expect("run date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
