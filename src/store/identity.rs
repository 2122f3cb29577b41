//! The unit's identity with the Hotspot Manager and where its sync stands: one row while the
//! unit is registered. The private key lives here, so it is as private as the database file
//! (mode 0600, see `make_private`) and never in the TOML.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError};

/// How the unit trusts the manager's TLS certificate besides the system's roots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trust {
    /// A CA certificate (PEM) that signs the manager's certificate.
    pub ca_pem: Option<String>,
    /// The SHA-256 of the manager's certificate (DER), hex: only that certificate is accepted.
    pub pin: Option<String>,
}

/// What registration gave the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitIdentity {
    /// The unit's id at the manager.
    pub unit_id: i64,
    /// The hotspot it serves.
    pub hotspot_id: i64,
    /// The manager's base URL, e.g. `https://manager.example.com`.
    pub manager_url: String,
    /// The manager's Ed25519 public key, hex.
    pub manager_key: String,
    /// The hotspot's voucher key, hex.
    pub voucher_key: String,
    /// The manager's trust anchor.
    pub trust: Trust,
    /// The unit's Ed25519 key pair, PKCS#8.
    pub private_key: Vec<u8>,
    /// Unix time of the registration.
    pub registered_at: i64,
}

/// Where the unit's sync stands, for `hotspotd sync status` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct SyncState {
    /// Why the manager stopped this unit (`unit_removed`), if it did.
    pub removed: Option<String>,
    /// The change feed's cursor applied.
    pub cursor: i64,
    /// The settings revision applied.
    pub applied_revision: i64,
    /// Unix time of the last request the manager answered.
    pub last_success: Option<i64>,
    /// The last failure, if any came after the last success.
    pub last_error: Option<String>,
    /// Unix time of that failure.
    pub last_error_at: Option<i64>,
    /// The last settings revision this build could not read (skipped; the feed went on).
    pub settings_skipped: Option<String>,
}

/// How long after the manager's last answer it still counts as reachable: a registered unit
/// hears from it at least every 30 s (health) and every 25 s (the change feed's long-poll),
/// so a live manager is never older than this; a failed attempt counts at once.
pub const REACHABLE_FOR_SECS: i64 = 75;

/// The unit's link to a manager, as the gateway's decisions need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerLink {
    /// Not registered, or removed by the manager: the unit decides alone, as always.
    Standalone,
    /// The manager answered lately and nothing failed since.
    Reachable,
    /// Registered, but the last attempt failed or the manager has been silent too long.
    Unreachable,
}

impl SyncState {
    /// The link as of `now`.
    pub fn link(&self, now: i64) -> ManagerLink {
        if self.removed.is_some() {
            return ManagerLink::Standalone;
        }
        let fresh = self
            .last_success
            .is_some_and(|t| now.saturating_sub(t) <= REACHABLE_FOR_SECS);
        match fresh && self.last_error.is_none() {
            true => ManagerLink::Reachable,
            false => ManagerLink::Unreachable,
        }
    }
}

const COLUMNS: &str = "unit_id, hotspot_id, manager_url, manager_key, voucher_key, ca_pem, pin,
    private_key, registered_at";

fn identity_row(r: &Row) -> rusqlite::Result<UnitIdentity> {
    Ok(UnitIdentity {
        unit_id: r.get(0)?,
        hotspot_id: r.get(1)?,
        manager_url: r.get(2)?,
        manager_key: r.get(3)?,
        voucher_key: r.get(4)?,
        trust: Trust {
            ca_pem: r.get(5)?,
            pin: r.get(6)?,
        },
        private_key: r.get(7)?,
        registered_at: r.get(8)?,
    })
}

impl Store {
    /// Stores a registration, replacing any before it (its cursor and state start afresh;
    /// records waiting in the outbox stay and go to the manager under the new identity).
    pub fn save_identity(&mut self, id: &UnitIdentity) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM sync_unit", [])?;
        tx.execute(
            &format!("INSERT INTO sync_unit (id, {COLUMNS}) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![
                id.unit_id,
                id.hotspot_id,
                id.manager_url,
                id.manager_key,
                id.voucher_key,
                id.trust.ca_pem,
                id.trust.pin,
                id.private_key,
                id.registered_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The unit's identity, if registered.
    pub fn identity(&self) -> Result<Option<UnitIdentity>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM sync_unit"),
                [],
                identity_row,
            )
            .optional()?)
    }

    /// Points the identity at the manager's current address (the embedded manager's loopback
    /// port changes with each start); false when not registered.
    pub fn set_manager_url(&mut self, url: &str) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute("UPDATE sync_unit SET manager_url = ?1", [url])?;
        Ok(changed == 1)
    }

    /// Replaces the unit's key pair after the manager accepted the new public key.
    pub fn set_unit_key(&mut self, private_key: &[u8]) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute("UPDATE sync_unit SET private_key = ?1", [private_key])?;
        Ok(changed == 1)
    }

    /// Forgets the registration and the records waiting for the manager (nobody will take
    /// them). Returns whether the unit was registered.
    pub fn forget_identity(&mut self) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute("DELETE FROM sync_unit", [])?;
        tx.execute("DELETE FROM outbox", [])?;
        tx.commit()?;
        Ok(changed == 1)
    }

    /// Where the sync stands; `None` when not registered.
    pub fn sync_state(&self) -> Result<Option<SyncState>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT removed, cursor, applied_revision, last_success, last_error,
                 last_error_at, settings_skipped FROM sync_unit",
                [],
                |r| {
                    Ok(SyncState {
                        removed: r.get(0)?,
                        cursor: r.get(1)?,
                        applied_revision: r.get(2)?,
                        last_success: r.get(3)?,
                        last_error: r.get(4)?,
                        last_error_at: r.get(5)?,
                        settings_skipped: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// The link to the manager as of `now` (one small read).
    pub fn manager_link(&self, now: i64) -> Result<ManagerLink, StoreError> {
        Ok(self
            .sync_state()?
            .map_or(ManagerLink::Standalone, |s| s.link(now)))
    }

    /// Notes that the manager answered.
    pub fn sync_succeeded(&mut self, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_unit SET last_success = ?1, last_error = NULL, last_error_at = NULL",
            [now],
        )?;
        Ok(())
    }

    /// Notes a failure to reach the manager or a refusal.
    pub fn sync_failed(&mut self, error: &str, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_unit SET last_error = ?1, last_error_at = ?2",
            params![error, now],
        )?;
        Ok(())
    }

    /// Notes that the manager removed this unit: sync stops, and the outbox stops filling.
    pub fn sync_removed(&mut self, reason: &str) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE sync_unit SET removed = ?1", [reason])?;
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::store) fn identity(unit_id: i64) -> UnitIdentity {
        UnitIdentity {
            unit_id,
            hotspot_id: 2,
            manager_url: "https://m.example".into(),
            manager_key: "aa".repeat(32),
            voucher_key: "bb".repeat(32),
            trust: Trust {
                ca_pem: None,
                pin: Some("cc".repeat(32)),
            },
            private_key: vec![1, 2, 3],
            registered_at: 100,
        }
    }

    #[test]
    fn registration_replaces_the_previous_one_and_forget_clears_it() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.identity().unwrap(), None);
        assert_eq!(store.sync_state().unwrap(), None);
        store.save_identity(&identity(1)).unwrap();
        store.sync_failed("down", 5).unwrap();
        store.save_identity(&identity(7)).unwrap();
        assert_eq!(store.identity().unwrap(), Some(identity(7)));
        assert_eq!(store.sync_state().unwrap(), Some(SyncState::default()));
        assert!(store.set_unit_key(&[9]).unwrap());
        assert_eq!(store.identity().unwrap().unwrap().private_key, vec![9]);
        store.sync_failed("down", 5).unwrap();
        store.sync_succeeded(6).unwrap();
        let state = store.sync_state().unwrap().unwrap();
        assert_eq!((state.last_success, state.last_error), (Some(6), None));
        assert!(store.forget_identity().unwrap());
        assert!(!store.forget_identity().unwrap());
        assert!(!store.set_unit_key(&[9]).unwrap());
        assert_eq!(store.identity().unwrap(), None);
    }

    #[test]
    fn the_link_is_reachable_only_while_the_manager_answers() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.manager_link(0).unwrap(), ManagerLink::Standalone);
        store.save_identity(&identity(1)).unwrap();
        // Registered but never answered since (a fresh start while the manager is down).
        assert_eq!(store.manager_link(10).unwrap(), ManagerLink::Unreachable);
        store.sync_succeeded(100).unwrap();
        assert_eq!(store.manager_link(100).unwrap(), ManagerLink::Reachable);
        let silent = 100 + REACHABLE_FOR_SECS;
        assert_eq!(store.manager_link(silent).unwrap(), ManagerLink::Reachable);
        assert_eq!(
            store.manager_link(silent + 1).unwrap(),
            ManagerLink::Unreachable
        );
        store.sync_failed("connection refused", 101).unwrap();
        assert_eq!(store.manager_link(101).unwrap(), ManagerLink::Unreachable);
        store.sync_succeeded(102).unwrap();
        assert_eq!(store.manager_link(102).unwrap(), ManagerLink::Reachable);
        store.sync_removed("unit_removed: stolen").unwrap();
        assert_eq!(store.manager_link(102).unwrap(), ManagerLink::Standalone);
    }
}
