//! Guests of this hotspot: one row per person (method + identifier), their devices, and the
//! link from each session to its guest. Erasure removes the personal data and keeps the rows
//! that count (sessions, consent times), anonymised.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;

use super::{Store, StoreError, to_u64};
use crate::model::consent::ConsentChoice;
use crate::model::guest::{Guest, GuestId, Method};
use crate::model::settings::Lang;

/// A login to record: the guest is created or updated, the device added, its running session
/// (if any) linked and its user noted, the consents appended, in one transaction.
#[derive(Debug, Clone)]
pub struct GuestVisit {
    /// How the guest logged in.
    pub method: Method,
    /// Normalised identifier (see `model::guest::normalize_identifier`).
    pub identifier: String,
    /// Proven this time (a verified guest stays verified).
    pub verified: bool,
    /// The page's language.
    pub lang: Lang,
    /// The device.
    pub mac: String,
    /// Choices made on the login form.
    pub consents: Vec<ConsentChoice>,
    /// Unix time.
    pub at: i64,
}

/// A guest with what the listing shows.
#[derive(Debug, Clone, Serialize)]
pub struct GuestSummary {
    /// The guest.
    #[serde(flatten)]
    pub guest: Guest,
    /// Devices it used (erased ones count).
    pub devices: u64,
    /// Sessions it had.
    pub sessions: u64,
    /// Bytes from its devices, all sessions.
    pub bytes_up: u64,
    /// Bytes to its devices, all sessions.
    pub bytes_down: u64,
}

/// A device of a guest.
#[derive(Debug, Clone, Serialize)]
pub struct GuestDevice {
    /// MAC; `None` once erased.
    pub mac: Option<String>,
    /// First login from it.
    pub first_seen: i64,
    /// Latest login from it.
    pub last_seen: i64,
}

/// Why a guest could not be erased.
#[derive(Debug, PartialEq, Eq)]
pub enum EraseOutcome {
    /// Erased now.
    Erased,
    /// No such guest.
    Missing,
    /// Erased before.
    AlreadyErased,
    /// A session of the guest is running (log it off first).
    Online(String),
}

const GUEST: &str = "SELECT g.id, g.method, g.identifier, g.verified, g.lang, g.user_id,
    g.first_seen, g.last_seen, g.erased_at FROM guests g";

fn corrupt(column: &'static str, value: String) -> StoreError {
    StoreError::Corrupt { column, value }
}

fn guest_row(row: &Row) -> rusqlite::Result<(Guest, String, String)> {
    Ok((
        Guest {
            id: GuestId(row.get(0)?),
            method: Method::Click,
            identifier: row.get(2)?,
            verified: row.get(3)?,
            lang: Lang::En,
            user_id: row.get(5)?,
            first_seen: row.get(6)?,
            last_seen: row.get(7)?,
            erased_at: row.get(8)?,
        },
        row.get(1)?,
        row.get(4)?,
    ))
}

/// The stored method and language names, checked.
fn typed((mut g, method, lang): (Guest, String, String)) -> Result<Guest, StoreError> {
    g.method = method
        .parse()
        .map_err(|_| corrupt("guests.method", method))?;
    g.lang = lang.parse().map_err(|_| corrupt("guests.lang", lang))?;
    Ok(g)
}

impl Store {
    /// Records a guest's login (see [`GuestVisit`]); returns the guest.
    pub fn record_guest_visit(&mut self, v: &GuestVisit) -> Result<GuestId, StoreError> {
        let tx = self.conn.transaction()?;
        let (session_id, user_id): (Option<i64>, Option<i64>) = tx
            .query_row(
                "SELECT id, user_id FROM sessions WHERE mac = ?1 AND ended_at IS NULL",
                [&v.mac],
                |r| Ok((Some(r.get(0)?), Some(r.get(1)?))),
            )
            .optional()?
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO guests (method, identifier, verified, lang, user_id, first_seen, last_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT (method, identifier) WHERE identifier IS NOT NULL DO UPDATE SET
                 verified = verified OR excluded.verified, lang = excluded.lang,
                 user_id = COALESCE(excluded.user_id, user_id), last_seen = excluded.last_seen",
            params![
                v.method.as_str(),
                v.identifier,
                v.verified,
                v.lang.code(),
                user_id,
                v.at
            ],
        )?;
        let id: i64 = tx.query_row(
            "SELECT id FROM guests WHERE method = ?1 AND identifier = ?2",
            params![v.method.as_str(), v.identifier],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO guest_devices (guest_id, mac, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (guest_id, mac) WHERE mac IS NOT NULL DO UPDATE SET last_seen = excluded.last_seen",
            params![id, v.mac, v.at],
        )?;
        super::outbox::guest_seen(&tx, id, v.at)?;
        if let Some(session) = session_id {
            tx.execute(
                "UPDATE sessions SET guest_id = ?2 WHERE id = ?1",
                params![session, id],
            )?;
            // Its start again, now naming its guest.
            super::outbox::session_started(&tx, session)?;
        }
        super::consents::append(&tx, id, Some(&v.mac), session_id, &v.consents, v.at)?;
        tx.commit()?;
        Ok(GuestId(id))
    }

    /// A guest by id.
    pub fn guest(&self, id: GuestId) -> Result<Option<Guest>, StoreError> {
        self.conn
            .query_row(&format!("{GUEST} WHERE g.id = ?1"), [id.0], guest_row)
            .optional()?
            .map(typed)
            .transpose()
    }

    /// The guest known by this method and (normalised) identifier.
    pub fn guest_by_identity(
        &self,
        method: Method,
        identifier: &str,
    ) -> Result<Option<Guest>, StoreError> {
        self.conn
            .query_row(
                &format!("{GUEST} WHERE g.method = ?1 AND g.identifier = ?2"),
                params![method.as_str(), identifier],
                guest_row,
            )
            .optional()?
            .map(typed)
            .transpose()
    }

    /// The guest a session belongs to.
    pub fn guest_of_session(&self, session_id: i64) -> Result<Option<Guest>, StoreError> {
        self.conn
            .query_row(
                &format!("{GUEST} JOIN sessions s ON s.guest_id = g.id WHERE s.id = ?1"),
                [session_id],
                guest_row,
            )
            .optional()?
            .map(typed)
            .transpose()
    }

    /// Every guest, newest visit first, with devices, sessions and bytes.
    pub fn list_guests(&self) -> Result<Vec<GuestSummary>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "{GUEST_SUMMARY} GROUP BY g.id ORDER BY g.last_seen DESC, g.id DESC"
        ))?;
        let rows = stmt.query_map([], summary_row)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(typed_summary))
            .collect()
    }

    /// One guest with its counts.
    pub fn guest_summary(&self, id: GuestId) -> Result<Option<GuestSummary>, StoreError> {
        self.conn
            .query_row(
                &format!("{GUEST_SUMMARY} WHERE g.id = ?1 GROUP BY g.id"),
                [id.0],
                summary_row,
            )
            .optional()?
            .map(typed_summary)
            .transpose()
    }

    /// A guest's devices, most recent first.
    pub fn guest_devices(&self, id: GuestId) -> Result<Vec<GuestDevice>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT mac, first_seen, last_seen FROM guest_devices WHERE guest_id = ?1
             ORDER BY last_seen DESC, id DESC",
        )?;
        let rows = stmt.query_map([id.0], |r| {
            Ok(GuestDevice {
                mac: r.get(0)?,
                first_seen: r.get(1)?,
                last_seen: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A guest's session ids, newest first.
    pub fn sessions_of_guest(&self, id: GuestId) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM sessions WHERE guest_id = ?1 ORDER BY id DESC")?;
        let rows = stmt.query_map([id.0], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes a guest's personal data: its identifier, its devices' MACs, the free text of
    /// its answers, the device of its consent rows (purpose, choice, text version and time
    /// stay), its sessions' device and address. A click-through, email or SMS guest's own
    /// user can no longer be found from the device or address. Refused while it is online.
    /// The manager is told, and erases the guest there and on the hotspot's other units.
    pub fn erase_guest(&mut self, id: GuestId, now: i64) -> Result<EraseOutcome, StoreError> {
        let tx = self.conn.transaction()?;
        let Some(guest) = tx
            .query_row(&format!("{GUEST} WHERE g.id = ?1"), [id.0], guest_row)
            .optional()?
            .map(typed)
            .transpose()?
        else {
            return Ok(EraseOutcome::Missing);
        };
        if guest.erased_at.is_some() {
            return Ok(EraseOutcome::AlreadyErased);
        }
        let online: Option<String> = tx
            .query_row(
                "SELECT mac FROM sessions WHERE guest_id = ?1 AND ended_at IS NULL",
                [id.0],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(mac) = online {
            return Ok(EraseOutcome::Online(mac));
        }
        anonymise(&tx, &guest, now)?;
        super::outbox::guest_erased(&tx, id.0, now)?;
        tx.commit()?;
        Ok(EraseOutcome::Erased)
    }
}

/// Guest `id` as [`anonymise`] takes it.
pub(super) fn erased_guest(tx: &Transaction, id: i64) -> Result<Option<Guest>, StoreError> {
    tx.query_row(&format!("{GUEST} WHERE g.id = ?1"), [id], guest_row)
        .optional()?
        .map(typed)
        .transpose()
}

/// Erases `guest` (see [`Store::erase_guest`]); its running sessions, if any, keep their
/// device until they end (`synced_erasure::scrub_ended`).
pub(super) fn anonymise(tx: &Transaction, guest: &Guest, now: i64) -> Result<(), StoreError> {
    let id = guest.id.0;
    tx.execute(
        "UPDATE guests SET identifier = NULL, erased_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    tx.execute(
        "UPDATE guest_devices SET mac = NULL WHERE guest_id = ?1",
        [id],
    )?;
    tx.execute("UPDATE answers SET text = NULL WHERE guest_id = ?1", [id])?;
    tx.execute("DELETE FROM guest_profiles WHERE guest_id = ?1", [id])?;
    tx.execute("UPDATE consents SET mac = NULL WHERE guest_id = ?1", [id])?;
    tx.execute(
        "UPDATE sessions SET mac = 'erased', ip = 'erased' WHERE guest_id = ?1
         AND ended_at IS NOT NULL",
        [id],
    )?;
    let uid: Option<String> =
        tx.query_row("SELECT uid FROM guests WHERE id = ?1", [id], |r| r.get(0))?;
    if let Some(uid) = uid {
        super::synced_erasure::scrub_outbox(tx, &uid)?;
    }
    // The user a click-through, email, SMS, social or offline-pass guest logged in as was made
    // for it, and its code hash is derived from the device, address or social id: replaced by one derived
    // from nothing.
    if matches!(
        guest.method,
        Method::Click | Method::Email | Method::Sms | Method::Social | Method::Offline
    ) && let Some(user) = guest.user_id
    {
        let unlinked = crate::model::consent::text_version(&format!("erased guest user {user}"));
        tx.execute(
            "UPDATE users SET code_hash = ?2, note = 'erased guest' WHERE id = ?1 AND code_hash IS NOT NULL",
            params![user, hex::decode(unlinked).unwrap_or_default()],
        )?;
    }
    Ok(())
}

const GUEST_SUMMARY: &str = "SELECT g.id, g.method, g.identifier, g.verified, g.lang, g.user_id,
    g.first_seen, g.last_seen, g.erased_at,
    (SELECT COUNT(*) FROM guest_devices d WHERE d.guest_id = g.id),
    COUNT(s.id), COALESCE(SUM(s.bytes_up), 0), COALESCE(SUM(s.bytes_down), 0)
    FROM guests g LEFT JOIN sessions s ON s.guest_id = g.id";

type SummaryRow = ((Guest, String, String), [i64; 4]);

fn summary_row(row: &Row) -> rusqlite::Result<SummaryRow> {
    Ok((
        guest_row(row)?,
        [row.get(9)?, row.get(10)?, row.get(11)?, row.get(12)?],
    ))
}

fn typed_summary(
    (guest, [devices, sessions, up, down]): SummaryRow,
) -> Result<GuestSummary, StoreError> {
    Ok(GuestSummary {
        guest: typed(guest)?,
        devices: to_u64(devices),
        sessions: to_u64(sessions),
        bytes_up: to_u64(up),
        bytes_down: to_u64(down),
    })
}
