//! What units report about guests, devices and sessions, as the manager stores it: the write
//! side the sync issue's ingest will call (upserts keyed by the unit's `uid`, byte counters
//! that only grow, idempotent stops), and the list filter the guests, devices and sessions
//! views share. Until sync exists, tests insert through these functions.

use serde::Deserialize;

use crate::manager::db::{Conn, DbError};
use crate::manager::error::Error;

/// A guest seen at a hotspot.
pub struct GuestSeen<'a> {
    /// The unit's id for the guest.
    pub uid: &'a str,
    /// Email, phone number, voucher code or login name.
    pub username: &'a str,
    /// How they logged in (`email`, `sms`, `voucher`, `click`, `account`).
    pub method: &'a str,
    /// When, Unix seconds.
    pub at: i64,
}

/// Records `g` at `hotspot`; returns the guest's id.
pub fn guest_seen(c: &mut dyn Conn, hotspot: i64, g: &GuestSeen<'_>) -> Result<i64, DbError> {
    let row = c.query(
        "INSERT INTO guests (hotspot_id, uid, username, method, first_seen, last_seen)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (hotspot_id, uid) DO UPDATE SET username = excluded.username,
         last_seen = CASE WHEN excluded.last_seen > guests.last_seen
                          THEN excluded.last_seen ELSE guests.last_seen END
         RETURNING id",
        &[
            hotspot.into(),
            g.uid.into(),
            g.username.into(),
            g.method.into(),
            g.at.into(),
        ],
    )?;
    row.first().ok_or(DbError::Type(0))?.int(0)
}

/// A session as a unit reports it (start, interim or stop).
pub struct SessionReport<'a> {
    /// The unit's id for the session.
    pub uid: &'a str,
    /// Its guest (from [`guest_seen`]).
    pub guest_id: i64,
    /// The device.
    pub mac: &'a str,
    /// Its address.
    pub ip: &'a str,
    /// The unit's name.
    pub unit: &'a str,
    /// Start, Unix seconds.
    pub started_at: i64,
    /// End, once stopped.
    pub ended_at: Option<i64>,
    /// Bytes to the guest so far (cumulative).
    pub bytes_down: i64,
    /// Bytes from the guest so far.
    pub bytes_up: i64,
}

/// Records `s` at `hotspot` and its device; counters never go back, a stop stays stopped.
pub fn session(c: &mut dyn Conn, hotspot: i64, s: &SessionReport<'_>) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO guest_sessions (hotspot_id, guest_id, uid, mac, unit, started_at, ended_at,
         bytes_down, bytes_up) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (hotspot_id, uid) DO UPDATE SET
         ended_at = COALESCE(guest_sessions.ended_at, excluded.ended_at),
         bytes_down = CASE WHEN excluded.bytes_down > guest_sessions.bytes_down
                           THEN excluded.bytes_down ELSE guest_sessions.bytes_down END,
         bytes_up = CASE WHEN excluded.bytes_up > guest_sessions.bytes_up
                         THEN excluded.bytes_up ELSE guest_sessions.bytes_up END",
        &[
            hotspot.into(),
            s.guest_id.into(),
            s.uid.into(),
            s.mac.into(),
            s.unit.into(),
            s.started_at.into(),
            s.ended_at.into(),
            s.bytes_down.into(),
            s.bytes_up.into(),
        ],
    )?;
    let seen = s.ended_at.unwrap_or(s.started_at);
    c.execute(
        "INSERT INTO devices (hotspot_id, guest_id, mac, ip, unit, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (hotspot_id, mac) DO UPDATE SET guest_id = excluded.guest_id,
         ip = excluded.ip, unit = excluded.unit, last_seen = excluded.last_seen",
        &[
            hotspot.into(),
            s.guest_id.into(),
            s.mac.into(),
            s.ip.into(),
            s.unit.into(),
            seen.into(),
        ],
    )?;
    Ok(())
}

/// `?q=…&live=…&cursor=…&limit=…` of the guests, devices and sessions lists; empty values
/// mean "any" (the pages' filter forms send them empty).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// Part of a username or MAC address, any case.
    #[serde(default)]
    pub q: String,
    /// `yes`: only guests or sessions online now; `no`: only ended sessions.
    #[serde(default)]
    pub live: String,
    /// The previous page's `next_cursor`.
    #[serde(default)]
    pub cursor: String,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: String,
}

/// A filter checked.
pub struct Checked {
    /// `%part%` for LIKE (wildcards in the text escaped), or none.
    pub like: Option<String>,
    /// Online now (`Some(true)`), ended (`Some(false)`) or either.
    pub live: Option<bool>,
    /// Items older than this id.
    pub before: i64,
    /// Page size.
    pub limit: i64,
}

impl Filter {
    /// The filter checked; a bad value is refused by name.
    pub fn checked(&self) -> Result<Checked, Error> {
        let q = super::text("q", &self.q, 100, false)?.to_lowercase();
        let like = (!q.is_empty()).then(|| {
            let escaped = q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        let live = match self.live.as_str() {
            "" => None,
            "yes" => Some(true),
            "no" => Some(false),
            _ => return Err(Error::invalid("live", "must be yes, no or empty")),
        };
        let number = |field: &'static str, v: &str| -> Result<Option<i64>, Error> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse()
                .map(Some)
                .map_err(|_| Error::invalid(field, "must be a number"))
        };
        Ok(Checked {
            like,
            live,
            before: number("cursor", &self.cursor)?.unwrap_or(i64::MAX),
            limit: number("limit", &self.limit)?.unwrap_or(50).clamp(1, 200),
        })
    }

    /// The query string of the next page after `cursor`.
    pub fn next(&self, cursor: i64) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("live", self.live.as_str()),
            ("cursor", &cursor.to_string()),
        ])
        .unwrap_or_default()
    }
}
