//! Each hotspot's change feed: one row per manager write that changes what its units hold,
//! appended in the same transaction as the write (so a change is in the feed exactly when it
//! is committed). A row names the entity, not its content: the feed answers with each named
//! entity's state when it is read (`state`), so a change read twice, or after a later one,
//! converges. The row's id is the unit's cursor. An entity's older rows are deleted as a newer
//! one is appended, so the feed holds one row per entity changed, however often it changes.

use crate::manager::db::{Conn, DbError};

/// What changed.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// The settings document (a new revision).
    Settings,
    /// A profile, by name (created, changed or removed).
    Profile(&'a str),
    /// A limitation, by name.
    Limitation(&'a str),
    /// Every voucher of a batch (made).
    Batch(i64),
    /// One voucher, by code hash (revoked or deleted).
    Voucher(&'a str),
    /// One user's usage under a profile, merged across units.
    Usage {
        /// Voucher code hash or account name.
        user: &'a str,
        /// The profile.
        profile: &'a str,
    },
    /// A guest erased, by its uid (the units erase it too).
    GuestErased(&'a str),
}

/// Kinds as stored in `sync_changes.kind`.
pub const SETTINGS: &str = "settings";
/// A profile.
pub const PROFILE: &str = "profile";
/// A limitation.
pub const LIMITATION: &str = "limitation";
/// A voucher batch.
pub const BATCH: &str = "batch";
/// A voucher.
pub const VOUCHER: &str = "voucher";
/// A usage row.
pub const USAGE: &str = "usage";
/// An erased guest.
pub const GUEST_ERASED: &str = "guest_erased";

impl Subject<'_> {
    fn parts(self) -> (&'static str, String) {
        match self {
            Subject::Settings => (SETTINGS, String::new()),
            Subject::Profile(name) => (PROFILE, name.to_string()),
            Subject::Limitation(name) => (LIMITATION, name.to_string()),
            Subject::Batch(id) => (BATCH, id.to_string()),
            Subject::Voucher(hash) => (VOUCHER, hash.to_string()),
            // A tab never occurs in a code hash or a profile name (names refuse control
            // characters), so the pair splits back unambiguously.
            Subject::Usage { user, profile } => (USAGE, format!("{user}\t{profile}")),
            Subject::GuestErased(uid) => (GUEST_ERASED, uid.to_string()),
        }
    }
}

/// Appends `subject` to `hotspot`'s feed in the caller's transaction; its waiting long-polls
/// wake when the transaction commits.
pub fn append(
    c: &mut dyn Conn,
    hotspot: i64,
    subject: Subject<'_>,
    now: i64,
) -> Result<(), DbError> {
    let (kind, key) = subject.parts();
    c.execute(
        "INSERT INTO sync_changes (hotspot_id, kind, subject, created_at) VALUES ($1, $2, $3, $4)",
        &[hotspot.into(), kind.into(), (&key).into(), now.into()],
    )?;
    // The entity's earlier rows are redundant now: a unit whose cursor is before them reads
    // this one too, and the state it gets is the same. The feed stays one row per entity.
    c.execute(
        "DELETE FROM sync_changes WHERE hotspot_id = $1 AND kind = $2 AND subject = $3
         AND id < (SELECT MAX(id) FROM sync_changes WHERE hotspot_id = $1 AND kind = $2
                   AND subject = $3)",
        &[hotspot.into(), kind.into(), (&key).into()],
    )?;
    c.feed_touched(hotspot)
}
