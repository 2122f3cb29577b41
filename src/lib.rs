//! hotspotd: a captive-portal gateway daemon for Wi-Fi hotspots.

pub mod cli;
pub mod config;
pub mod control;
pub mod daemon;
pub mod delivery;
pub mod firewall;
pub mod gateway;
pub mod manager;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod neighbours;
pub mod payment;
pub mod portal;
pub mod proto;
pub mod sniff;
pub mod store;
pub mod sync;
