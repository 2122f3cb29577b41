//! hotspotd: a captive-portal gateway daemon for Wi-Fi hotspots.

pub mod model;
pub mod config;
pub mod store;
pub mod firewall;
pub mod neighbours;
pub mod gateway;
pub mod portal;
pub mod control;
pub mod daemon;
pub mod cli;
