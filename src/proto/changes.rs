//! Settings down: `GET /sync/v1/changes?cursor=N&wait=S` (signed). The manager answers at once
//! when its hotspot's feed has anything after `cursor`, or holds the request up to `wait`
//! seconds ([`super::MAX_WAIT_SECS`] at most) and answers when something arrives. Each change
//! carries the entity's whole current state (or its removal), so applying a change twice, or
//! out of a stale snapshot, converges. A `reset` answer is a full snapshot: the unit replaces
//! every synced entity with it (first sync, or a cursor the manager no longer keeps).
//! Images are not inlined: the unit fetches `GET /sync/v1/assets/{sha256}` for each hash the
//! settings document names and does not hold yet.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The answer to a changes request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChangesResponse {
    /// The cursor to send next time (unchanged when the wait ended with nothing new).
    pub cursor: i64,
    /// True when `changes` is a full snapshot that replaces everything synced before.
    #[serde(default)]
    pub reset: bool,
    /// Changes in feed order.
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// One change of the hotspot's synced state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The hotspot's settings document (design, methods, consent texts, questionnaire,
    /// sessions, MAC lists, walled garden) at a revision; the JSON of the document as the
    /// manager's settings revisions store it.
    Settings {
        /// The document's revision, which the unit reports back as applied.
        revision: i64,
        /// The document.
        document: Value,
    },
    /// A profile of the hotspot, created or changed.
    Profile {
        /// Its name (unique per hotspot).
        name: String,
        /// The profile's specification, as the manager's profiles API shows it.
        spec: Value,
    },
    /// A profile removed.
    ProfileRemoved {
        /// Its name.
        name: String,
    },
    /// A limitation of the hotspot, created or changed.
    Limitation {
        /// Its name.
        name: String,
        /// Its specification, as the manager's limitations API shows it.
        spec: Value,
    },
    /// A limitation removed.
    LimitationRemoved {
        /// Its name.
        name: String,
    },
    /// A voucher made in the manager (its code travels only as an HMAC under the hotspot's
    /// voucher key, which the unit received at registration).
    Voucher(Voucher),
    /// A voucher deleted in the manager: the unit deletes it (online sessions end by the
    /// unit's own rules, as for a local deletion).
    VoucherRemoved {
        /// Its code's hash.
        code_hash: String,
    },
    /// The hotspot-wide usage of one user (voucher or account) merged from every unit's
    /// cumulative counters, so each unit enforces quotas and validity hotspot-wide.
    Usage(Usage),
    /// A guest's personal data erased at the manager (an access-and-erasure request, or the
    /// hotspot's retention): the unit erases the guest it knows by this uid the way its own
    /// `guests erase` does, logging it off first if it is online. Added after v1's first
    /// kinds; an older unit reads it as `Unknown`.
    GuestErased {
        /// The guest's UUID, as the unit reported it.
        guest_uid: String,
    },
    /// A change kind this build does not know (sent by a newer manager); skipped.
    #[serde(other)]
    Unknown,
}

/// A voucher as units receive it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Voucher {
    /// The HMAC-SHA256 of the code under the hotspot's voucher key, hex.
    pub code_hash: String,
    /// The profile it logs in with, when the batch was made from a named profile.
    #[serde(default)]
    pub profile: Option<String>,
    /// The batch's own terms when it was made from quick terms instead.
    #[serde(default)]
    pub terms: Option<VoucherTerms>,
    /// Revoked in the manager: the unit refuses it and ends its sessions.
    #[serde(default)]
    pub revoked: bool,
}

/// A batch's quick terms (the CLI's `voucher create` flags).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VoucherTerms {
    /// Validity, seconds.
    #[serde(default)]
    pub validity_secs: Option<i64>,
    /// When validity starts: `first-logon` or `creation`.
    #[serde(default)]
    pub starts: String,
    /// Devices at once.
    #[serde(default)]
    pub shared_users: i64,
    /// Download rate, bits per second.
    #[serde(default)]
    pub rate_down_bps: Option<i64>,
    /// Upload rate, bits per second.
    #[serde(default)]
    pub rate_up_bps: Option<i64>,
    /// Transfer quota, bytes (down + up).
    #[serde(default)]
    pub quota_bytes: Option<i64>,
    /// Logins allowed (`None`: unlimited).
    #[serde(default)]
    pub max_logins: Option<i64>,
}

/// One user's usage across the hotspot's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// The user: a voucher's code hash or an account's username.
    pub user: String,
    /// The profile the usage counts against.
    pub profile: String,
    /// The earliest first login any unit saw, Unix seconds.
    pub first_start: i64,
    /// Each unit's own cumulative counters; a unit adds the other units' rows to its own live
    /// counters (so merges are idempotent and order-free).
    pub per_unit: Vec<UnitUsage>,
}

/// One unit's cumulative counters for a user and profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitUsage {
    /// The unit.
    pub unit_id: i64,
    /// Bytes to the guest.
    pub bytes_down: i64,
    /// Bytes from the guest.
    pub bytes_up: i64,
    /// Seconds online.
    pub uptime_secs: i64,
    /// Logins counted.
    pub logins: i64,
    /// The user's devices online at this unit now (its open sessions under the profile), so
    /// shared users count hotspot-wide; absent from managers before it (read as none).
    #[serde(default)]
    pub online: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_from_a_newer_manager_reads_as_unknown() {
        let text = r#"{"cursor": 9, "changes": [
            {"kind": "voucher_removed", "code_hash": "ab"},
            {"kind": "hologram", "colour": "blue"}],
            "field_from_the_future": 1}"#;
        let read: ChangesResponse = serde_json::from_str(text).unwrap();
        assert_eq!(read.cursor, 9);
        assert!(!read.reset);
        assert_eq!(
            read.changes,
            vec![
                Change::VoucherRemoved {
                    code_hash: "ab".into()
                },
                Change::Unknown
            ]
        );
    }
}
