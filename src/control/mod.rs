//! Local control API over a Unix socket, used by the CLI (`hotspotd clients`, `kick`, …).
//! One JSON request per line, one JSON response per line.

mod client;
mod reloads;
mod server;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use client::{ControlError, request};
pub use reloads::ReloadLog;
pub use server::{bind, serve};

/// A command for the running daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "kebab-case")]
pub enum Request {
    /// Connected clients.
    Clients,
    /// End every session of a user (a revoked voucher, a disabled account).
    EndUser {
        /// User id.
        user_id: i64,
    },
    /// Re-read a user's profiles and usage (assigned, removed, counters reset).
    ReloadUser {
        /// User id.
        user_id: i64,
    },
    /// Re-read and install the access lists (MAC allow/block, walled garden).
    ReloadAccess,
    /// Daemon health and counters, and the outcome of the latest reload.
    Status,
    /// The addresses and ports the daemon listens on (portal, metrics), so that
    /// `check-config` can tell them from ports held by another program.
    Listeners,
    /// Devices on the guest network (neighbour table) and whether they are online.
    Devices,
    /// Let a device in without credentials, under a profile (operator's `auth`).
    Auth {
        /// MAC or IPv4 address of the device.
        device: String,
        /// Profile name.
        profile: String,
    },
    /// End a device's session, by MAC or IPv4 address (operator's `deauth`).
    Deauth {
        /// MAC or IPv4 address.
        device: String,
    },
    /// Save a new hotspot settings document and put it in force (see
    /// `Gateway::apply_settings`).
    SetSettings {
        /// The whole document, as JSON.
        document: String,
        /// The revision it was edited from: refused if another is in force by now.
        base: Option<u64>,
        /// Who changes it (`cli-set`, `cli-import`, …), kept in the history.
        source: String,
    },
}

/// The daemon's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// True on success.
    pub ok: bool,
    /// Result on success.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
    /// Message on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
