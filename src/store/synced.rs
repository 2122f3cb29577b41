//! What the manager's change feed asks of the store, applied in ONE transaction with the new
//! cursor: either all of an answer is in force (and the cursor moved past it) or none is, so
//! a crash or a refusal mid-way makes the unit ask for the same changes again.

use rusqlite::{OptionalExtension, Transaction, params};

use super::settings::save_in;
use super::synced_entities::{
    SyncedProfile, names, remove_limitation, remove_profile, retry_removals, upsert_limitation,
    upsert_profile,
};
use super::synced_usage::{SyncedUsage, apply_usage, reset_online};
use super::users::insert_voucher;
use super::{SaveError, Store, StoreError, opt_u64};
use crate::model::limitation::Limitation;
use crate::model::profile::{ProfileClock, Starts};
use crate::model::settings::HotspotSettings;

/// A voucher made in the manager, its code hashed under the hotspot's voucher key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedVoucher {
    /// The code's keyed hash.
    pub code_hash: Vec<u8>,
    /// The profile it logs in with (by name).
    pub profile: String,
    /// Logins allowed.
    pub max_logins: Option<u32>,
    /// Revoked (or deleted) in the manager.
    pub revoked: bool,
}

/// One answer of the change feed, as the store takes it.
#[derive(Debug, Clone, Default)]
pub struct SyncedChanges {
    /// The cursor to store with the changes.
    pub cursor: i64,
    /// A full snapshot: what the manager made and the snapshot lacks goes (never local rows).
    pub reset: bool,
    /// The hotspot settings at the manager's revision.
    pub settings: Option<(i64, HotspotSettings)>,
    /// A settings revision this build could not read, and why (skipped; noted in the status).
    pub settings_skipped: Option<String>,
    /// Limitations made or changed.
    pub limitations: Vec<Limitation>,
    /// Profiles made or changed.
    pub profiles: Vec<SyncedProfile>,
    /// Limitations removed, by name.
    pub limitations_removed: Vec<String>,
    /// Profiles removed, by name.
    pub profiles_removed: Vec<String>,
    /// Vouchers made or revoked.
    pub vouchers: Vec<SyncedVoucher>,
    /// Users' usage across the hotspot's units.
    pub usage: Vec<SyncedUsage>,
    /// Guests the manager erased, by uid.
    pub guests_erased: Vec<String>,
}

/// What applying changed, for the running gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// A new settings revision is in the store.
    pub settings_changed: bool,
    /// Users revoked now: their devices are logged off.
    pub revoked_users: Vec<i64>,
    /// Vouchers left out, with why (e.g. a profile this unit does not have yet).
    pub skipped: Vec<String>,
    /// Profiles and limitations the manager removed that this unit keeps for now (users here
    /// hold them), e.g. `profile day`.
    pub kept: Vec<String>,
    /// Users whose usage at other units changed: those online here are loaded again.
    pub usage_users: Vec<i64>,
    /// Users online for a guest the manager erased: logged off, then
    /// `Store::scrub_erased_sessions`.
    pub erased_online: Vec<i64>,
}

/// Profile id and clock by name, inside the transaction.
fn profile_clock(tx: &Transaction, name: &str) -> Result<Option<(i64, ProfileClock)>, StoreError> {
    let row: Option<(i64, Option<i64>, String)> = tx
        .query_row(
            "SELECT id, validity_secs, starts FROM profiles WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(id, validity, starts)| {
        let starts = Starts::from_name(&starts).ok_or(StoreError::Corrupt {
            column: "profiles.starts",
            value: starts,
        })?;
        let validity_secs = opt_u64(validity);
        Ok((
            id,
            ProfileClock {
                validity_secs,
                starts,
            },
        ))
    })
    .transpose()
}

fn apply_voucher(
    tx: &Transaction,
    v: &SyncedVoucher,
    now: i64,
    applied: &mut Applied,
) -> Result<(), StoreError> {
    let existing: Option<(i64, Option<i64>)> = tx
        .query_row(
            "SELECT id, disabled_at FROM users WHERE code_hash = ?1",
            [&v.code_hash],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match (existing, v.revoked) {
        (Some((id, None)), true) => {
            tx.execute(
                "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            applied.revoked_users.push(id);
        }
        (Some(_), _) | (None, true) => {}
        (None, false) => match profile_clock(tx, &v.profile)? {
            Some(profile) => {
                let id = insert_voucher(tx, &v.code_hash, profile, v.max_logins, "manager", now)?;
                tx.execute("UPDATE users SET from_manager = 1 WHERE id = ?1", [id])?;
            }
            None => applied.skipped.push(format!(
                "voucher {}…: no profile {:?} on this unit",
                hex::encode(&v.code_hash[..v.code_hash.len().min(4)]),
                v.profile
            )),
        },
    }
    Ok(())
}

/// Limitations, then profiles, then removals (with those kept before tried again); a reset
/// also removes the manager's profiles and limitations the snapshot lacks.
fn apply_entities(tx: &Transaction, c: &SyncedChanges, now: i64) -> Result<(), StoreError> {
    for l in &c.limitations {
        upsert_limitation(tx, l)?;
    }
    for p in &c.profiles {
        upsert_profile(tx, p, now)?;
    }
    let mut profiles_gone = c.profiles_removed.clone();
    let mut limitations_gone = c.limitations_removed.clone();
    if c.reset {
        let kept = |names: Vec<String>, have: &dyn Fn(&str) -> bool| {
            names.into_iter().filter(|n| !have(n)).collect::<Vec<_>>()
        };
        profiles_gone.extend(kept(names(tx, "profiles", "from_manager = 1")?, &|n| {
            c.profiles.iter().any(|p| p.profile.name == n)
        }));
        limitations_gone.extend(kept(names(tx, "limitations", "from_manager = 1")?, &|n| {
            c.limitations.iter().any(|l| l.name == n)
                || c.profiles
                    .iter()
                    .any(|p| p.limitations.iter().any(|a| a.limitation.name == n))
        }));
    }
    for name in &profiles_gone {
        remove_profile(tx, name, now)?;
    }
    for name in &limitations_gone {
        remove_limitation(tx, name, now)?;
    }
    retry_removals(tx, now)
}

/// A reset's snapshot holds every voucher the manager has: one made by the manager and
/// missing from it was deleted there, so it is revoked here like a removal. Local vouchers
/// stay.
fn prune_vouchers(
    tx: &Transaction,
    c: &SyncedChanges,
    now: i64,
    applied: &mut Applied,
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare(
        "SELECT id, code_hash FROM users WHERE from_manager = 1 AND disabled_at IS NULL",
    )?;
    let rows: Vec<(i64, Vec<u8>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let in_snapshot: std::collections::HashSet<&[u8]> =
        c.vouchers.iter().map(|v| v.code_hash.as_slice()).collect();
    for (id, hash) in rows {
        if !in_snapshot.contains(hash.as_slice()) {
            tx.execute(
                "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            applied.revoked_users.push(id);
        }
    }
    Ok(())
}

fn kept_removals(tx: &rusqlite::Connection) -> Result<Vec<String>, StoreError> {
    let kept = |table: &str, what: &str| -> Result<Vec<String>, StoreError> {
        Ok(names(tx, table, "sync_removed_at IS NOT NULL")?
            .into_iter()
            .map(|n| format!("{what} {n}"))
            .collect())
    };
    let mut all = kept("profiles", "profile")?;
    all.extend(kept("limitations", "limitation")?);
    Ok(all)
}

impl Store {
    /// Applies one answer of the change feed and stores its cursor, all or nothing.
    pub fn apply_synced(&mut self, c: &SyncedChanges, now: i64) -> Result<Applied, SaveError> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let mut applied = Applied::default();
        // Profiles before the settings and vouchers that name them.
        apply_entities(&tx, c, now)?;
        if let Some((revision, doc)) = &c.settings {
            applied.settings_changed = save_in(&tx, doc, None, "manager", now)?.changed;
            tx.execute(
                "UPDATE sync_unit SET applied_revision = ?1, settings_skipped = NULL",
                [revision],
            )
            .map_err(StoreError::from)?;
        }
        if let Some(why) = &c.settings_skipped {
            tx.execute("UPDATE sync_unit SET settings_skipped = ?1", [why])
                .map_err(StoreError::from)?;
        }
        for v in &c.vouchers {
            apply_voucher(&tx, v, now, &mut applied)?;
        }
        if c.reset {
            prune_vouchers(&tx, c, now, &mut applied)?;
        }
        let own_unit: Option<i64> = tx
            .query_row("SELECT unit_id FROM sync_unit", [], |r| r.get(0))
            .optional()
            .map_err(StoreError::from)?;
        if c.reset {
            reset_online(&tx)?;
        }
        for u in &c.usage {
            if let Some(user) = apply_usage(&tx, u, own_unit.unwrap_or(0))? {
                applied.usage_users.push(user);
            }
        }
        for uid in &c.guests_erased {
            applied
                .erased_online
                .extend(super::synced_erasure::erase_by_uid(&tx, uid, now)?);
        }
        super::synced_erasure::scrub_ended(&tx)?;
        applied.kept = kept_removals(&tx)?;
        tx.execute("UPDATE sync_unit SET cursor = ?1", [c.cursor])
            .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(applied)
    }

    /// The profiles and limitations the manager removed that this unit keeps for now.
    pub fn sync_kept_removals(&self) -> Result<Vec<String>, StoreError> {
        kept_removals(&self.conn)
    }

    /// The hotspot's voucher key from the registration, if registered.
    pub fn hotspot_voucher_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let hex_key: Option<String> = self
            .conn
            .query_row("SELECT voucher_key FROM sync_unit", [], |r| r.get(0))
            .optional()?;
        Ok(hex_key.and_then(|k| hex::decode(k).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::identity::tests::identity;
    use crate::store::sessions::tests::setup;

    fn voucher(hash: u8, profile: &str, revoked: bool) -> SyncedVoucher {
        SyncedVoucher {
            code_hash: vec![hash; 32],
            profile: profile.into(),
            max_logins: Some(1),
            revoked,
        }
    }

    #[test]
    fn an_answer_applies_whole_or_not_at_all() {
        let (mut store, _, _) = setup();
        store.save_identity(&identity(1)).unwrap();
        let named = HotspotSettings::default()
            .with_field("name", "Roma")
            .unwrap();
        let changes = SyncedChanges {
            cursor: 4,
            settings: Some((12, named.clone())),
            vouchers: vec![voucher(1, "1h", false), voucher(2, "nope", false)],
            ..Default::default()
        };
        let applied = store.apply_synced(&changes, 100).unwrap();
        assert!(applied.settings_changed);
        assert_eq!(applied.skipped.len(), 1);
        assert!(store.user_by_code_hash(&[1; 32]).unwrap().is_some());
        let state = store.sync_state().unwrap().unwrap();
        assert_eq!((state.cursor, state.applied_revision), (4, 12));
        assert_eq!(store.hotspot_settings().unwrap().unwrap().name, "Roma");

        // Applied twice: nothing new (same document, voucher known).
        let again = store.apply_synced(&changes, 101).unwrap();
        assert!(!again.settings_changed);
        let revoke = SyncedChanges {
            cursor: 5,
            vouchers: vec![voucher(1, "1h", true)],
            ..Default::default()
        };
        let applied = store.apply_synced(&revoke, 102).unwrap();
        assert_eq!(applied.revoked_users.len(), 1);

        // A document that does not validate: nothing of the answer, cursor stays.
        let bad = SyncedChanges {
            cursor: 9,
            settings: Some((
                13,
                HotspotSettings {
                    name: String::new(),
                    ..named
                },
            )),
            vouchers: vec![voucher(3, "1h", false)],
            ..Default::default()
        };
        assert!(store.apply_synced(&bad, 103).is_err());
        assert!(store.user_by_code_hash(&[3; 32]).unwrap().is_none());
        assert_eq!(store.sync_state().unwrap().unwrap().cursor, 5);
        assert_eq!(store.hotspot_voucher_key().unwrap(), Some(vec![0xbb; 32]));
    }
}
