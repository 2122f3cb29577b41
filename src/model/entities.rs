//! The entities the gateway's store keeps and every caller shares: profiles and users.
//! Rows are mapped to them in `store`; the rules about them live beside them in `model`.

use serde::{Deserialize, Serialize};

use super::limitation::{Attached, OutsideWindows};
use super::profile::ProfileClock;

/// A profile with its limitations (read back from JSON where the manager's change feed
/// carries it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Id.
    pub id: i64,
    /// Unique name (also the signup list's key).
    pub name: String,
    /// Shown to guests.
    pub name_for_users: String,
    /// Owner (usually `admin`).
    pub owner: String,
    /// Validity and when it starts.
    pub clock: ProfileClock,
    /// Price in cents; `None` = free.
    pub price_cents: Option<u64>,
    /// Simultaneous sessions per user.
    pub shared_users: u32,
    /// Access outside every window of its limitations.
    pub outside_windows: OutsideWindows,
    /// Attached limitations.
    pub limitations: Vec<Attached>,
}

/// What an operator gives to create a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// Unique name.
    pub name: String,
    /// Shown to guests.
    pub name_for_users: String,
    /// Owner.
    pub owner: String,
    /// Validity and start.
    pub clock: ProfileClock,
    /// Price in cents.
    pub price_cents: Option<u64>,
    /// Simultaneous sessions per user.
    pub shared_users: u32,
    /// Outside the windows.
    pub outside_windows: OutsideWindows,
}

/// A user (without secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id (a voucher's id).
    pub id: i64,
    /// Account name; `None` for a voucher.
    pub username: Option<String>,
    /// Operator's note.
    pub note: String,
    /// Unix time of creation.
    pub created_at: i64,
    /// Logins allowed; `None` = unlimited.
    pub max_logins: Option<u32>,
    /// Logins so far.
    pub logins: u32,
    /// Set when disabled (a revoked voucher).
    pub disabled_at: Option<i64>,
}
