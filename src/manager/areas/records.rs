//! What units report about guests, devices and sessions, as the manager stores it: the write
//! side the sync issue's ingest will call (upserts keyed by the unit's `uid`, byte counters
//! that only grow, idempotent stops). Until sync exists, tests insert through these functions.

use crate::manager::db::{Conn, DbError};

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
