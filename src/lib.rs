//! hotspotd: a captive-portal gateway daemon for Wi-Fi hotspots.

pub mod model;
pub mod config;
pub mod store;
pub mod firewall;
