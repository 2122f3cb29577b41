//! Profiles and limitations from the manager's change feed, inside `apply_synced`'s
//! transaction. The manager's profiles are the hotspot's: one arriving under a local profile's
//! name replaces its terms in place (same id, so users holding it keep it) and becomes the
//! manager's. A removal the unit cannot apply without breaking someone (users, orders or
//! sessions held the profile; a profile still has the limitation) keeps the row, marked with
//! when the manager removed it, shown by `hotspotd sync status`, and is tried again with every
//! answer after.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::profiles::PROFILE_HOLDERS;
use super::{StoreError, opt_i64};
use crate::model::entities::NewProfile;
use crate::model::limitation::{Attached, Limitation};

/// A profile from the manager with its limitations (each whole, attached inside its window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedProfile {
    /// The profile's terms.
    pub profile: NewProfile,
    /// Its limitations.
    pub limitations: Vec<Attached>,
}

/// Creates or updates limitation `l` by name as the manager's; its id.
pub(super) fn upsert_limitation(tx: &Transaction, l: &Limitation) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO limitations (name, uptime_limit, download_limit, upload_limit,
         transfer_limit, rate_down_bps, rate_up_bps, reset_interval, from_manager)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)
         ON CONFLICT (name) DO UPDATE SET uptime_limit = excluded.uptime_limit,
         download_limit = excluded.download_limit, upload_limit = excluded.upload_limit,
         transfer_limit = excluded.transfer_limit, rate_down_bps = excluded.rate_down_bps,
         rate_up_bps = excluded.rate_up_bps, reset_interval = excluded.reset_interval,
         from_manager = 1, sync_removed_at = NULL",
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
    Ok(tx.query_row(
        "SELECT id FROM limitations WHERE name = ?1",
        [&l.name],
        |r| r.get(0),
    )?)
}

/// Creates or updates profile `p` by name as the manager's, with exactly its limitations.
pub(super) fn upsert_profile(
    tx: &Transaction,
    p: &SyncedProfile,
    now: i64,
) -> Result<(), StoreError> {
    let n = &p.profile;
    tx.execute(
        "INSERT INTO profiles (name, name_for_users, owner, validity_secs, starts, price_cents,
         shared_users, outside_windows, created_at, from_manager)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)
         ON CONFLICT (name) DO UPDATE SET name_for_users = excluded.name_for_users,
         owner = excluded.owner, validity_secs = excluded.validity_secs,
         starts = excluded.starts, price_cents = excluded.price_cents,
         shared_users = excluded.shared_users, outside_windows = excluded.outside_windows,
         from_manager = 1, sync_removed_at = NULL",
        params![
            n.name,
            n.name_for_users,
            n.owner,
            opt_i64(n.clock.validity_secs),
            n.clock.starts.as_str(),
            opt_i64(n.price_cents),
            n.shared_users,
            n.outside_windows.as_str(),
            now
        ],
    )?;
    let id: i64 = tx.query_row("SELECT id FROM profiles WHERE name = ?1", [&n.name], |r| {
        r.get(0)
    })?;
    tx.execute(
        "DELETE FROM profile_limitations WHERE profile_id = ?1",
        [id],
    )?;
    for a in &p.limitations {
        let limitation = upsert_limitation(tx, &a.limitation)?;
        tx.execute(
            "INSERT INTO profile_limitations (profile_id, limitation_id, from_secs, till_secs,
             weekdays) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                limitation,
                a.window.from,
                a.window.till,
                a.window.weekdays
            ],
        )?;
    }
    Ok(())
}

/// What a removal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Removal {
    /// Gone (or never here).
    Done,
    /// Kept: someone here still holds it.
    Kept,
}

/// Removes profile `name` unless users, orders or sessions held it (then marks it removed).
pub(super) fn remove_profile(
    tx: &Transaction,
    name: &str,
    now: i64,
) -> Result<Removal, StoreError> {
    let id: Option<i64> = tx
        .query_row("SELECT id FROM profiles WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(id) = id else {
        return Ok(Removal::Done);
    };
    let held: i64 = tx.query_row(PROFILE_HOLDERS, [id], |r| r.get(0))?;
    keep_or_delete(tx, "profiles", id, held, now)
}

/// Removes limitation `name` unless a profile still has it (then marks it removed).
pub(super) fn remove_limitation(
    tx: &Transaction,
    name: &str,
    now: i64,
) -> Result<Removal, StoreError> {
    let id: Option<i64> = tx
        .query_row("SELECT id FROM limitations WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(id) = id else {
        return Ok(Removal::Done);
    };
    let held: i64 = tx.query_row(
        "SELECT COUNT(*) FROM profile_limitations WHERE limitation_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    keep_or_delete(tx, "limitations", id, held, now)
}

fn keep_or_delete(
    tx: &Transaction,
    table: &str,
    id: i64,
    held: i64,
    now: i64,
) -> Result<Removal, StoreError> {
    if held > 0 {
        tx.execute(
            &format!(
                "UPDATE {table} SET sync_removed_at = COALESCE(sync_removed_at, ?2) WHERE id = ?1"
            ),
            params![id, now],
        )?;
        return Ok(Removal::Kept);
    }
    tx.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [id])?;
    Ok(Removal::Done)
}

/// Names in `table` matching `filter`.
pub(super) fn names(tx: &Connection, table: &str, filter: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = tx.prepare(&format!(
        "SELECT name FROM {table} WHERE {filter} ORDER BY name"
    ))?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Tries again every removal kept earlier (profiles first: one gone may free a limitation).
pub(super) fn retry_removals(tx: &Transaction, now: i64) -> Result<(), StoreError> {
    for name in names(tx, "profiles", "sync_removed_at IS NOT NULL")? {
        remove_profile(tx, &name, now)?;
    }
    for name in names(tx, "limitations", "sync_removed_at IS NOT NULL")? {
        remove_limitation(tx, &name, now)?;
    }
    Ok(())
}
