//! Users — accounts (username + argon2id password) and vouchers (a generated user known by
//! its code's keyed hash) — their queues of profiles and their usage per limitation period.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError, opt_u64, to_i64};
use crate::model::entities::User;
use crate::model::guest::Method;
use crate::model::limitation::Usage;
use crate::model::profile::{Assignment, ProfileClock, State, assign, settle};

/// One increment of usage to add to a limitation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageDelta {
    /// The assigned profile the usage belongs to.
    pub assignment_id: i64,
    /// The limitation.
    pub limitation_id: i64,
    /// Start of the limitation's current period.
    pub period_start: i64,
    /// What to add.
    pub usage: Usage,
}

/// `logins` counts other units' logins too (the manager's usage merge), so `max_logins` holds
/// hotspot-wide.
const USER: &str = "SELECT id, username, note, created_at, max_logins, logins
    + (SELECT COALESCE(SUM(r.logins), 0) FROM remote_usage r WHERE r.user_id = users.id),
    disabled_at FROM users";

fn user_row(row: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        note: row.get(2)?,
        created_at: row.get(3)?,
        max_logins: row.get(4)?,
        logins: row.get(5)?,
        disabled_at: row.get(6)?,
    })
}

impl Store {
    /// Creates one voucher user per code hash, each holding `profile`, in one transaction.
    pub fn insert_vouchers(
        &mut self,
        hashes: &[Vec<u8>],
        profile: (i64, ProfileClock),
        max_logins: Option<u32>,
        note: &str,
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(hashes.len());
        for hash in hashes {
            ids.push(insert_voucher(&tx, hash, profile, max_logins, note, now)?);
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Creates the user a guest of `method` (click-through, email, SMS) logs in as: known by
    /// `hash` like a voucher, never listed as one.
    pub fn insert_guest_user(
        &mut self,
        hash: &[u8],
        profile: (i64, ProfileClock),
        method: Method,
        now: i64,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        let note = format!("{method} guest");
        let user = insert_voucher(&tx, hash, profile, None, &note, now)?;
        tx.execute(
            "UPDATE users SET guest_method = ?2 WHERE id = ?1",
            params![user, method.as_str()],
        )?;
        tx.commit()?;
        Ok(user)
    }

    /// Creates an account; fails if the username is taken.
    pub fn insert_account(
        &mut self,
        username: &str,
        password_hash: &str,
        note: &str,
        max_logins: Option<u32>,
        now: i64,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO users (username, password_hash, note, created_at, max_logins) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![username, password_hash, note, now, max_logins],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A user by id.
    pub fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn
            .query_row(&format!("{USER} WHERE id = ?1"), [id], user_row)
            .optional()?)
    }

    /// The voucher user whose code has this keyed hash.
    pub fn user_by_code_hash(&self, hash: &[u8]) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn
            .query_row(&format!("{USER} WHERE code_hash = ?1"), [hash], user_row)
            .optional()?)
    }

    /// An account and its password hash.
    pub fn account(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        let sql = format!(
            "SELECT * FROM ({USER} WHERE username = ?1) JOIN (SELECT password_hash FROM users WHERE username = ?1)"
        );
        Ok(self
            .conn
            .query_row(&sql, [username], |r| {
                Ok((user_row(r)?, r.get::<_, String>(7)?))
            })
            .optional()?)
    }

    /// Vouchers (`vouchers = true`) or accounts, newest first.
    pub fn list_users(&self, vouchers: bool) -> Result<Vec<User>, StoreError> {
        let filter = if vouchers {
            "code_hash IS NOT NULL AND guest_method IS NULL"
        } else {
            "username IS NOT NULL"
        };
        let mut stmt = self
            .conn
            .prepare(&format!("{USER} WHERE {filter} ORDER BY id DESC"))?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Disables a user; false if missing or already disabled.
    pub fn disable_user(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE users SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL",
            params![id, now],
        )? == 1)
    }

    /// Enables a disabled user again (an operator's new grant to a device whose grant was
    /// revoked); false if missing or not disabled.
    pub fn enable_user(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE users SET disabled_at = NULL WHERE id = ?1 AND disabled_at IS NOT NULL",
            [id],
        )? == 1)
    }

    /// Counts a login against `max_logins`.
    pub fn record_login(&self, user_id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE users SET logins = logins + 1 WHERE id = ?1",
            [user_id],
        )?;
        Ok(())
    }

    /// A user's queue of profiles in assignment order (used ones included, as history), as
    /// the clock has it at `now` (stored states are as of the last write; a profile that
    /// ended since reads as used whether or not its user came back).
    pub fn assignments(&self, user_id: i64, now: i64) -> Result<Vec<Assignment>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT up.id, up.profile_id, p.validity_secs, p.starts, up.assigned_at, up.state,
             up.started_at, up.ends_at FROM user_profiles up JOIN profiles p ON p.id = up.profile_id
             WHERE up.user_id = ?1 ORDER BY up.id",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ))
        })?;
        rows.map(|r| {
            let (id, profile_id, validity, starts, assigned_at, state, started_at, ends_at) = r?;
            let starts =
                crate::model::profile::Starts::from_name(&starts).ok_or(StoreError::Corrupt {
                    column: "profiles.starts",
                    value: starts,
                })?;
            let state = State::from_name(&state).ok_or(StoreError::Corrupt {
                column: "user_profiles.state",
                value: state,
            })?;
            Ok(Assignment {
                id,
                profile_id,
                clock: ProfileClock {
                    validity_secs: opt_u64(validity),
                    starts,
                },
                assigned_at,
                state,
                started_at,
                ends_at,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()
        .map(|mut queue| {
            settle(&mut queue, now);
            queue
        })
    }

    /// Appends a profile to a user's queue.
    pub fn assign_profile(
        &mut self,
        user_id: i64,
        profile: (i64, ProfileClock),
        now: i64,
    ) -> Result<Assignment, StoreError> {
        let tx = self.conn.transaction()?;
        let a = insert_assignment(&tx, user_id, profile, now)?;
        tx.commit()?;
        Ok(a)
    }

    /// Writes the states and times of a queue back.
    pub fn save_assignments(&mut self, queue: &[Assignment]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE user_profiles SET state = ?2, started_at = ?3, ends_at = ?4 WHERE id = ?1",
            )?;
            for a in queue {
                stmt.execute(params![a.id, a.state.as_str(), a.started_at, a.ends_at])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes an assigned profile (the caller checks the seed's removal rule first).
    pub fn remove_assignment(
        &mut self,
        user_id: i64,
        assignment_id: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM user_profiles WHERE id = ?1 AND user_id = ?2",
            params![assignment_id, user_id],
        )? == 1)
    }

    /// Usage of an assigned profile: (limitation, period start) → usage.
    pub fn usage(&self, assignment_id: i64) -> Result<HashMap<(i64, i64), Usage>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT limitation_id, period_start, uptime, bytes_up, bytes_down FROM usage WHERE assignment_id = ?1")?;
        let rows = stmt.query_map([assignment_id], |r| {
            Ok((
                (r.get::<_, i64>(0)?, r.get::<_, i64>(1)?),
                Usage {
                    uptime: r.get::<_, i64>(2)?.max(0) as u64,
                    up: r.get::<_, i64>(3)?.max(0) as u64,
                    down: r.get::<_, i64>(4)?.max(0) as u64,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds usage increments, in one transaction.
    pub fn add_usage(&mut self, deltas: &[UsageDelta]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO usage (assignment_id, limitation_id, period_start, uptime, bytes_up, bytes_down)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (assignment_id, limitation_id, period_start) DO UPDATE SET
                 uptime = uptime + excluded.uptime, bytes_up = bytes_up + excluded.bytes_up,
                 bytes_down = bytes_down + excluded.bytes_down",
            )?;
            for d in deltas {
                stmt.execute(params![
                    d.assignment_id,
                    d.limitation_id,
                    d.period_start,
                    to_i64(d.usage.uptime),
                    to_i64(d.usage.up),
                    to_i64(d.usage.down)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a user that never had a session or an order (made for an operator's admission
    /// that was then refused), with its profile assignments and their usage. Returns whether
    /// it was deleted; a user with any history is kept.
    pub fn discard_unused_user(&mut self, user_id: i64) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let used: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE user_id = ?1)
                 OR EXISTS (SELECT 1 FROM orders WHERE user_id = ?1)",
            [user_id],
            |r| r.get(0),
        )?;
        if used {
            return Ok(false);
        }
        // Usage rows go with their assignments (ON DELETE CASCADE).
        tx.execute("DELETE FROM user_profiles WHERE user_id = ?1", [user_id])?;
        let deleted = tx.execute("DELETE FROM users WHERE id = ?1", [user_id])?;
        tx.commit()?;
        Ok(deleted == 1)
    }

    /// Clears a user's usage counters (operator's "reset counters"). Returns rows removed.
    pub fn reset_usage(&mut self, user_id: i64) -> Result<usize, StoreError> {
        Ok(self.conn.execute("DELETE FROM usage WHERE assignment_id IN (SELECT id FROM user_profiles WHERE user_id = ?1)", [user_id])?)
    }
}

fn insert_assignment(
    tx: &rusqlite::Transaction,
    user_id: i64,
    (profile_id, clock): (i64, ProfileClock),
    now: i64,
) -> Result<Assignment, StoreError> {
    let a = assign(0, profile_id, clock, now);
    tx.execute(
        "INSERT INTO user_profiles (user_id, profile_id, assigned_at, state, started_at, ends_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![user_id, profile_id, now, a.state.as_str(), a.started_at, a.ends_at],
    )?;
    Ok(Assignment {
        id: tx.last_insert_rowid(),
        ..a
    })
}

/// One voucher user holding `profile`, inside the caller's transaction.
pub(super) fn insert_voucher(
    tx: &rusqlite::Transaction,
    hash: &[u8],
    profile: (i64, ProfileClock),
    max_logins: Option<u32>,
    note: &str,
    now: i64,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO users (code_hash, note, created_at, max_logins) VALUES (?1, ?2, ?3, ?4)",
        params![hash, note, now, max_logins],
    )?;
    let user = tx.last_insert_rowid();
    insert_assignment(tx, user, profile, now)?;
    Ok(user)
}
