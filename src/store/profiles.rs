//! Profiles, limitations and which limitations a profile has (with their time windows).

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError, opt_i64, opt_u64};
use crate::model::entities::{NewProfile, Profile};
use crate::model::limitation::{Attached, Limitation, OutsideWindows, ResetInterval, Window};
use crate::model::profile::{ProfileClock, Starts};

const PROFILE: &str = "SELECT id, name, name_for_users, owner, validity_secs, starts, price_cents,
    shared_users, outside_windows FROM profiles";

const LIMITATION: &str = "SELECT id, name, uptime_limit, download_limit, upload_limit,
    transfer_limit, rate_down_bps, rate_up_bps, reset_interval FROM limitations";

/// How many users, orders and sessions ever held profile `?1` (one that did is never deleted:
/// their history names it).
pub(super) const PROFILE_HOLDERS: &str =
    "SELECT (SELECT COUNT(*) FROM user_profiles WHERE profile_id = ?1)
    + (SELECT COUNT(*) FROM orders WHERE profile_id = ?1)
    + (SELECT COUNT(*) FROM session_profiles WHERE profile_id = ?1)";

fn corrupt(column: &'static str, value: String) -> StoreError {
    StoreError::Corrupt { column, value }
}

fn profile_row(row: &Row) -> rusqlite::Result<(Profile, String, String)> {
    Ok((
        Profile {
            id: row.get(0)?,
            name: row.get(1)?,
            name_for_users: row.get(2)?,
            owner: row.get(3)?,
            clock: ProfileClock {
                validity_secs: opt_u64(row.get(4)?),
                starts: Starts::FirstLogon,
            },
            price_cents: opt_u64(row.get(6)?),
            shared_users: row.get(7)?,
            outside_windows: OutsideWindows::Deny,
            limitations: Vec::new(),
        },
        row.get(5)?,
        row.get(8)?,
    ))
}

fn limitation_row(row: &Row) -> rusqlite::Result<(Limitation, String)> {
    Ok((
        Limitation {
            id: row.get(0)?,
            name: row.get(1)?,
            uptime_limit: opt_u64(row.get(2)?),
            download_limit: opt_u64(row.get(3)?),
            upload_limit: opt_u64(row.get(4)?),
            transfer_limit: opt_u64(row.get(5)?),
            rate_down_bps: opt_u64(row.get(6)?),
            rate_up_bps: opt_u64(row.get(7)?),
            reset: ResetInterval::Never,
        },
        row.get(8)?,
    ))
}

fn checked_limitation((mut l, reset): (Limitation, String)) -> Result<Limitation, StoreError> {
    l.reset =
        ResetInterval::parse(&reset).ok_or_else(|| corrupt("limitations.reset_interval", reset))?;
    Ok(l)
}

impl Store {
    /// Creates a profile; fails if the name is taken.
    pub fn insert_profile(&mut self, p: &NewProfile, now: i64) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO profiles (name, name_for_users, owner, validity_secs, starts, price_cents,
             shared_users, outside_windows, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                p.name,
                p.name_for_users,
                p.owner,
                opt_i64(p.clock.validity_secs),
                p.clock.starts.as_str(),
                opt_i64(p.price_cents),
                p.shared_users,
                p.outside_windows.as_str(),
                now
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn finish_profile(
        &self,
        (mut p, starts, outside): (Profile, String, String),
    ) -> Result<Profile, StoreError> {
        p.clock.starts =
            Starts::from_name(&starts).ok_or_else(|| corrupt("profiles.starts", starts))?;
        p.outside_windows = OutsideWindows::from_name(&outside)
            .ok_or_else(|| corrupt("profiles.outside_windows", outside))?;
        p.limitations = self.attached(p.id)?;
        Ok(p)
    }

    /// A profile by id.
    pub fn profile(&self, id: i64) -> Result<Option<Profile>, StoreError> {
        let row = self
            .conn
            .query_row(&format!("{PROFILE} WHERE id = ?1"), [id], profile_row)
            .optional()?;
        row.map(|r| self.finish_profile(r)).transpose()
    }

    /// A profile by name.
    pub fn profile_by_name(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        let row = self
            .conn
            .query_row(&format!("{PROFILE} WHERE name = ?1"), [name], profile_row)
            .optional()?;
        row.map(|r| self.finish_profile(r)).transpose()
    }

    /// All profiles by name.
    pub fn list_profiles(&self) -> Result<Vec<Profile>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("{PROFILE} ORDER BY name"))?;
        let rows: Vec<_> = stmt.query_map([], profile_row)?.collect::<Result<_, _>>()?;
        rows.into_iter().map(|r| self.finish_profile(r)).collect()
    }

    /// Deletes a profile nobody was ever given; false if it is or was in use or missing.
    pub fn delete_profile(&mut self, id: i64) -> Result<bool, StoreError> {
        let used: i64 = self.conn.query_row(PROFILE_HOLDERS, [id], |r| r.get(0))?;
        if used > 0 {
            return Ok(false);
        }
        Ok(self
            .conn
            .execute("DELETE FROM profiles WHERE id = ?1", [id])?
            == 1)
    }

    /// Creates a limitation; fails if the name is taken.
    pub fn insert_limitation(&mut self, l: &Limitation) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO limitations (name, uptime_limit, download_limit, upload_limit,
             transfer_limit, rate_down_bps, rate_up_bps, reset_interval)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                l.name,
                opt_i64(l.uptime_limit),
                opt_i64(l.download_limit),
                opt_i64(l.upload_limit),
                opt_i64(l.transfer_limit),
                opt_i64(l.rate_down_bps),
                opt_i64(l.rate_up_bps),
                l.reset.name()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A limitation by name.
    pub fn limitation_by_name(&self, name: &str) -> Result<Option<Limitation>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("{LIMITATION} WHERE name = ?1"),
                [name],
                limitation_row,
            )
            .optional()?;
        row.map(checked_limitation).transpose()
    }

    /// All limitations by name.
    pub fn list_limitations(&self) -> Result<Vec<Limitation>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("{LIMITATION} ORDER BY name"))?;
        let rows: Vec<_> = stmt
            .query_map([], limitation_row)?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(checked_limitation).collect()
    }

    /// Attaches a limitation to a profile inside a window (replacing an earlier window).
    pub fn attach_limitation(
        &mut self,
        profile_id: i64,
        limitation_id: i64,
        w: Window,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO profile_limitations (profile_id, limitation_id, from_secs, till_secs, weekdays)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![profile_id, limitation_id, w.from, w.till, w.weekdays],
        )?;
        Ok(())
    }

    /// A profile's limitations with their windows.
    pub fn attached(&self, profile_id: i64) -> Result<Vec<Attached>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT l.id, l.name, l.uptime_limit, l.download_limit, l.upload_limit, l.transfer_limit,
             l.rate_down_bps, l.rate_up_bps, l.reset_interval, pl.from_secs, pl.till_secs, pl.weekdays
             FROM profile_limitations pl JOIN limitations l ON l.id = pl.limitation_id
             WHERE pl.profile_id = ?1 ORDER BY l.id",
        )?;
        let rows = stmt.query_map([profile_id], |row| {
            Ok((
                limitation_row(row)?,
                Window {
                    from: row.get(9)?,
                    till: row.get(10)?,
                    weekdays: row.get(11)?,
                },
            ))
        })?;
        rows.map(|r| {
            let (l, window) = r?;
            Ok(Attached {
                limitation: checked_limitation(l)?,
                window,
            })
        })
        .collect()
    }
}
