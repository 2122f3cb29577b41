//! The wire protocol between units (`hotspotd run`) and the Hotspot Manager, version 1, under
//! `/sync/v1`. It imports nothing from the crate: units in the field run older builds than the
//! manager, so these types change only additively (new fields carry `#[serde(default)]`,
//! unknown fields are ignored, unknown kinds read as `Unknown`), while `model` stays free to
//! change. Conversions live at the two edges (`sync` on the unit, `manager::sync`).

pub mod assertion;
pub mod auth;
pub mod changes;
pub mod events;
pub mod register;

use serde::{Deserialize, Serialize};

/// The protocol revision this build speaks. A unit sends it at registration and with every
/// event batch; the manager answers older revisions with the fields they know.
pub const PROTOCOL: u32 = 1;

/// Every sync route lives under this prefix; a breaking change would get `/sync/v2`.
pub const PREFIX: &str = "/sync/v1";

/// How long the manager may hold a `changes` long-poll, seconds. The unit's client timeout
/// must exceed it.
pub const MAX_WAIT_SECS: u64 = 25;

/// The one error shape of every refused sync request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    /// Stable machine-readable code, e.g. `unit_removed`, `bad_signature`, `replayed`,
    /// `clock_skew`, `token_used`.
    pub code: String,
    /// What happened and what to do, for the unit's log and `hotspotd sync status`.
    pub message: String,
}

/// The error envelope, `{"error": {...}}`, the same as the manager's API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: WireError,
}
