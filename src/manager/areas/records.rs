//! What units report about guests, devices, sessions, consents and answers, as the manager
//! stores it: the write side sync's ingest (`manager::sync::ingest`) calls, every write keyed
//! by the reporting unit's hotspot and the unit's `uid` (upserts; byte counters that only
//! grow; stops that stay; ledger rows never changed once stored).

use crate::manager::db::{Conn, DbError};
use crate::proto::events::{Consent, GuestProfile};

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
    // An erased guest's device is not kept (see `erasure`).
    if s.mac == super::erasure::ERASED {
        return Ok(());
    }
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

/// What a social provider told about guest `guest_id` (fields it did not give stay as they
/// were).
pub fn guest_profile(c: &mut dyn Conn, guest_id: i64, p: &GuestProfile) -> Result<(), DbError> {
    let interests = p.interests.join(", ");
    c.execute(
        "UPDATE guests SET social_provider = COALESCE($1, social_provider),
         social_subject = COALESCE($2, social_subject), display_name = COALESCE($3, display_name),
         email = COALESCE($4, email), gender = COALESCE($5, gender),
         birth_date = COALESCE($6, birth_date), locale = COALESCE($7, locale),
         interests = CASE WHEN $8 = '' THEN interests ELSE $8 END WHERE id = $9",
        &[
            p.provider.clone().into(),
            p.subject.clone().into(),
            p.name.clone().into(),
            p.email.clone().into(),
            p.gender.clone().into(),
            p.birth_date.clone().into(),
            p.locale.clone().into(),
            interests.into(),
            guest_id.into(),
        ],
    )?;
    Ok(())
}

/// A session's counters so far, and its end once it stopped: counters never go back, a stop
/// stays (its first end time and cause are kept). False when `hotspot` has no such session.
pub fn session_counters(
    c: &mut dyn Conn,
    hotspot: i64,
    uid: &str,
    (bytes_down, bytes_up): (i64, i64),
    end: Option<(i64, &str)>,
) -> Result<bool, DbError> {
    let (ended_at, cause) = end.unzip();
    let n = c.execute(
        "UPDATE guest_sessions SET
         bytes_down = CASE WHEN $1 > bytes_down THEN $1 ELSE bytes_down END,
         bytes_up = CASE WHEN $2 > bytes_up THEN $2 ELSE bytes_up END,
         end_cause = CASE WHEN ended_at IS NULL AND CAST($3 AS BIGINT) IS NOT NULL
                          THEN $4 ELSE end_cause END,
         ended_at = COALESCE(ended_at, CAST($3 AS BIGINT))
         WHERE hotspot_id = $5 AND uid = $6",
        &[
            bytes_down.into(),
            bytes_up.into(),
            ended_at.into(),
            cause.unwrap_or_default().into(),
            hotspot.into(),
            uid.into(),
        ],
    )?;
    Ok(n > 0)
}

/// Marks session `uid` of `hotspot` as held by unit `unit` (whose restart may close it).
pub fn session_unit(c: &mut dyn Conn, hotspot: i64, uid: &str, unit: i64) -> Result<(), DbError> {
    c.execute(
        "UPDATE guest_sessions SET unit_id = $1 WHERE hotspot_id = $2 AND uid = $3",
        &[unit.into(), hotspot.into(), uid.into()],
    )?;
    Ok(())
}

/// A session as the manager holds it, read before a report changes it (the rollups count
/// what the report adds to it).
pub struct SessionState {
    /// Its guest.
    pub guest_id: i64,
    /// Start, Unix seconds.
    pub started_at: i64,
    /// End, once stopped.
    pub ended_at: Option<i64>,
    /// Bytes to the guest so far.
    pub bytes_down: i64,
    /// Bytes from the guest so far.
    pub bytes_up: i64,
}

/// Session `uid` of `hotspot`, if the manager has it.
pub fn session_state(
    c: &mut dyn Conn,
    hotspot: i64,
    uid: &str,
) -> Result<Option<SessionState>, DbError> {
    c.query_opt(
        "SELECT guest_id, started_at, ended_at, bytes_down, bytes_up FROM guest_sessions
         WHERE hotspot_id = $1 AND uid = $2",
        &[hotspot.into(), uid.into()],
    )?
    .map(|r| {
        Ok(SessionState {
            guest_id: r.int(0)?,
            started_at: r.int(1)?,
            ended_at: r.opt_int(2)?,
            bytes_down: r.int(3)?,
            bytes_up: r.int(4)?,
        })
    })
    .transpose()
}

/// A session's uid with the user and profile it counts against, if known.
pub type StaleSession = (String, Option<(String, String)>);

/// The sessions unit `unit` holds open on the manager that are not in `open` (they did not
/// survive its restart).
pub fn stale_sessions(
    c: &mut dyn Conn,
    (hotspot, unit): (i64, i64),
    open: &[String],
) -> Result<Vec<StaleSession>, DbError> {
    let held = c.query(
        "SELECT uid, usage_user, usage_profile FROM guest_sessions WHERE unit_id = $1
         AND hotspot_id = $2 AND ended_at IS NULL",
        &[unit.into(), hotspot.into()],
    )?;
    let mut stale = Vec::new();
    for r in &held {
        let uid = r.text(0)?;
        if !open.contains(&uid) {
            let user = r.opt_text(1)?.zip(r.opt_text(2)?);
            stale.push((uid, user));
        }
    }
    Ok(stale)
}

/// A consent ledger row of guest `guest_id` (a row is never changed once stored).
pub fn consent(
    c: &mut dyn Conn,
    (hotspot, guest_id): (i64, i64),
    row: &Consent,
    at: i64,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO guest_consents (hotspot_id, uid, guest_id, purpose, granted, text_sha256,
         language, how, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (hotspot_id, uid) DO NOTHING",
        &[
            hotspot.into(),
            (&row.uid).into(),
            guest_id.into(),
            (&row.purpose).into(),
            row.granted.into(),
            (&row.text_sha256).into(),
            (&row.language).into(),
            (&row.how).into(),
            at.into(),
        ],
    )?;
    Ok(())
}

/// A questionnaire's answers by guest `guest_id`, as JSON text.
pub fn answer(
    c: &mut dyn Conn,
    (hotspot, guest_id): (i64, i64),
    uid: &str,
    answers: &str,
    at: i64,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO guest_answers (hotspot_id, uid, guest_id, answers, at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hotspot_id, uid) DO NOTHING",
        &[
            hotspot.into(),
            uid.into(),
            guest_id.into(),
            answers.into(),
            at.into(),
        ],
    )?;
    Ok(())
}
