//! `[sync]`: how this unit talks with its Hotspot Manager. The registration itself lives in
//! the database (`hotspotd unit register`); these keys can make the daemon register at start
//! (once: a registered unit ignores the token) and set how often a running session's
//! counters go up.

use std::path::PathBuf;

use serde::Deserialize;

use super::{ConfigError, invalid};

/// How often a running session's counters go to the manager unless configured, seconds.
pub const DEFAULT_INTERIM_SECS: u64 = 60;

/// `[sync]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSync {
    /// The manager's address, to register at start when not registered.
    pub manager: Option<String>,
    /// The one-time token for that registration.
    pub token: Option<String>,
    /// The unit's name (default: the host name).
    pub name: Option<String>,
    /// A CA certificate (PEM file) to trust for the manager.
    pub ca: Option<String>,
    /// The SHA-256 of the manager's certificate.
    pub pin: Option<String>,
    /// Seconds between a running session's counter reports.
    pub interim_secs: Option<u64>,
}

/// A registration to make at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoRegister {
    /// The manager's address.
    pub manager: String,
    /// The one-time token.
    pub token: String,
    /// The unit's name.
    pub name: Option<String>,
    /// CA file.
    pub ca: Option<PathBuf>,
    /// Certificate pin.
    pub pin: Option<String>,
}

/// The validated `[sync]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSection {
    /// Register at start, if not registered.
    pub register: Option<AutoRegister>,
    /// Seconds between a running session's counter reports.
    pub interim_secs: u64,
}

/// Validates `[sync]`.
pub fn validate(raw: Option<RawSync>) -> Result<SyncSection, ConfigError> {
    let raw = raw.unwrap_or_default();
    let interim_secs = raw.interim_secs.unwrap_or(DEFAULT_INTERIM_SECS);
    if !(10..=3600).contains(&interim_secs) {
        return Err(invalid(
            "sync.interim_secs",
            format!("{interim_secs} is out of range"),
            "use 10 to 3600 seconds (e.g. 60)",
        ));
    }
    let register = match (raw.manager, raw.token) {
        (Some(manager), Some(token)) => Some(AutoRegister {
            manager,
            token,
            name: raw.name,
            ca: raw.ca.map(PathBuf::from),
            pin: raw.pin,
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(invalid(
                "sync.token",
                "missing",
                "add the one-time token from the manager's Units view, or remove sync.manager",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "sync.manager",
                "missing",
                "add the manager's address (e.g. https://manager.example.com)",
            ));
        }
    };
    Ok(SyncSection {
        register,
        interim_secs,
    })
}
