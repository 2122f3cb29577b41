//! Other units' usage of a user and profile (the manager's `Usage` merge), kept per unit and
//! counted where this unit enforces: whole-life limits (bytes, online time: limitations
//! that never reset), logins against `max_logins`, and the profile's validity from the
//! earliest first login any unit saw. Each unit's row replaces its earlier one, so applying a
//! merge twice or out of order converges; this unit's own row is left out (its live counters
//! are the true ones).

use rusqlite::{OptionalExtension, Transaction, params};

use super::{ManagerLink, Store, StoreError};
use crate::model::limitation::Usage;
use crate::model::profile::{Assignment, State};

/// One other unit's cumulative counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitCounters {
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
    /// The user's devices online there now.
    pub online: i64,
}

/// A user's usage of a profile across the hotspot's units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedUsage {
    /// As units report it: an account's username, or a voucher's code hash in hex.
    pub user: String,
    /// The profile, by name.
    pub profile: String,
    /// The earliest first login any unit saw, Unix seconds (0: none).
    pub first_start: i64,
    /// Each unit's counters.
    pub per_unit: Vec<UnitCounters>,
}

/// Stores `u`'s rows of units other than `own_unit` and moves the profile's start back to
/// the earliest first login; a user or profile this unit does not know is skipped. Returns
/// the user when something of it changed here.
pub(super) fn apply_usage(
    tx: &Transaction,
    u: &SyncedUsage,
    own_unit: i64,
) -> Result<Option<i64>, StoreError> {
    let hash = hex::decode(&u.user).ok();
    let user: Option<i64> = tx
        .query_row(
            "SELECT id FROM users WHERE username = ?1 OR code_hash = ?2",
            params![u.user, hash],
            |r| r.get(0),
        )
        .optional()?;
    let profile: Option<i64> = tx
        .query_row(
            "SELECT id FROM profiles WHERE name = ?1",
            [&u.profile],
            |r| r.get(0),
        )
        .optional()?;
    let (Some(user), Some(profile)) = (user, profile) else {
        return Ok(None);
    };
    let mut changed = false;
    // The merge names every unit with the user online under the profile: one left out has
    // none online now (its last session there stopped).
    let named: Vec<i64> = u.per_unit.iter().map(|c| c.unit_id).collect();
    let online_before: Vec<i64> = tx
        .prepare_cached(
            "SELECT unit_id FROM remote_usage WHERE user_id = ?1 AND profile_id = ?2
             AND online <> 0",
        )?
        .query_map([user, profile], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for unit in online_before.into_iter().filter(|u| !named.contains(u)) {
        tx.execute(
            "UPDATE remote_usage SET online = 0 WHERE user_id = ?1 AND profile_id = ?2
             AND unit_id = ?3",
            [user, profile, unit],
        )?;
        changed = true;
    }
    for c in u.per_unit.iter().filter(|c| c.unit_id != own_unit) {
        // Rows as they are change nothing: this unit's own interims come back in every merge.
        changed |= tx.execute(
            "INSERT INTO remote_usage (user_id, profile_id, unit_id, bytes_down, bytes_up,
             uptime_secs, logins, online) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (user_id, profile_id, unit_id) DO UPDATE SET
             bytes_down = excluded.bytes_down, bytes_up = excluded.bytes_up,
             uptime_secs = excluded.uptime_secs, logins = excluded.logins,
             online = excluded.online
             WHERE bytes_down <> excluded.bytes_down OR bytes_up <> excluded.bytes_up
                OR uptime_secs <> excluded.uptime_secs OR logins <> excluded.logins
                OR online <> excluded.online",
            params![
                user,
                profile,
                c.unit_id,
                c.bytes_down,
                c.bytes_up,
                c.uptime_secs,
                c.logins,
                c.online
            ],
        )? > 0;
    }
    if u.first_start > 0 {
        changed |= start_earlier(tx, user, profile, u.first_start)?;
    }
    Ok(changed.then_some(user))
}

/// The user's first assignment of `profile` not yet used starts at `first` if that is
/// earlier than its own start (or it has not started here): its end moves with it.
fn start_earlier(
    tx: &Transaction,
    user: i64,
    profile: i64,
    first: i64,
) -> Result<bool, StoreError> {
    let row: Option<(i64, String, Option<i64>, Option<i64>)> = tx
        .query_row(
            "SELECT up.id, up.state, up.started_at, p.validity_secs FROM user_profiles up
             JOIN profiles p ON p.id = up.profile_id
             WHERE up.user_id = ?1 AND up.profile_id = ?2 AND up.state <> 'used'
             ORDER BY up.id LIMIT 1",
            [user, profile],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((id, state, started, validity)) = row else {
        return Ok(false);
    };
    if started.is_some_and(|s| s <= first) {
        return Ok(false);
    }
    // Started elsewhere: its clock runs here too ("started" becomes the active one when
    // nothing is ahead of it, as the queue's rules settle it).
    let state = match State::from_name(&state) {
        Some(State::Waiting) | None => State::Started,
        Some(s) => s,
    };
    let ends = validity.map(|v| first.saturating_add(v));
    tx.execute(
        "UPDATE user_profiles SET state = ?2, started_at = ?3, ends_at = ?4 WHERE id = ?1",
        params![id, state.as_str(), first, ends],
    )?;
    Ok(true)
}

/// A reset's snapshot names every user online at another unit: nobody else is.
pub(super) fn reset_online(tx: &Transaction) -> Result<(), StoreError> {
    tx.execute("UPDATE remote_usage SET online = 0 WHERE online <> 0", [])?;
    Ok(())
}

impl Store {
    /// The user's devices online at the hotspot's other units, as the manager last told,
    /// counted only while the manager is reachable: during a partition that count goes stale
    /// and must not lock a guest out, so the unit then decides alone (0).
    pub fn remote_devices_online(&self, user: i64, now: i64) -> Result<u32, StoreError> {
        if self.manager_link(now)? != ManagerLink::Reachable {
            return Ok(0);
        }
        let online: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(SUM(online), 0) FROM remote_usage WHERE user_id = ?1")?
            .query_row([user], |r| r.get(0))?;
        Ok(u32::try_from(online).unwrap_or(0))
    }

    /// Other units' usage of `assignment`'s profile by `user` (summed over the units).
    pub fn remote_usage(&self, user: i64, assignment: &Assignment) -> Result<Usage, StoreError> {
        let (down, up, uptime): (i64, i64, i64) = self.conn.query_row(
            "SELECT COALESCE(SUM(bytes_down), 0), COALESCE(SUM(bytes_up), 0),
             COALESCE(SUM(uptime_secs), 0) FROM remote_usage
             WHERE user_id = ?1 AND profile_id = ?2",
            [user, assignment.profile_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let count = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(Usage {
            uptime: count(uptime),
            up: count(up),
            down: count(down),
        })
    }
}
