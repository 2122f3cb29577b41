//! What the manager's change feed asks of the store, applied in ONE transaction with the new
//! cursor: either all of an answer is in force (and the cursor moved past it) or none is, so
//! a crash or a refusal mid-way makes the unit ask for the same changes again.

use rusqlite::{OptionalExtension, Transaction, params};

use super::settings::save_in;
use super::users::insert_voucher;
use super::{SaveError, Store, StoreError, opt_u64};
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
    /// The hotspot settings at the manager's revision.
    pub settings: Option<(i64, HotspotSettings)>,
    /// Vouchers made or revoked.
    pub vouchers: Vec<SyncedVoucher>,
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
                insert_voucher(tx, &v.code_hash, profile, v.max_logins, "manager", now)?;
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

impl Store {
    /// Applies one answer of the change feed and stores its cursor, all or nothing.
    pub fn apply_synced(&mut self, c: &SyncedChanges, now: i64) -> Result<Applied, SaveError> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let mut applied = Applied::default();
        if let Some((revision, doc)) = &c.settings {
            applied.settings_changed = save_in(&tx, doc, None, "manager", now)?.changed;
            tx.execute("UPDATE sync_unit SET applied_revision = ?1", [revision])
                .map_err(StoreError::from)?;
        }
        for v in &c.vouchers {
            apply_voucher(&tx, v, now, &mut applied)?;
        }
        tx.execute("UPDATE sync_unit SET cursor = ?1", [c.cursor])
            .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(applied)
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
        };
        assert!(store.apply_synced(&bad, 103).is_err());
        assert!(store.user_by_code_hash(&[3; 32]).unwrap().is_none());
        assert_eq!(store.sync_state().unwrap().unwrap().cursor, 5);
        assert_eq!(store.hotspot_voucher_key().unwrap(), Some(vec![0xbb; 32]));
    }
}
