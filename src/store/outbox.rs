//! The transactional outbox: records for the Hotspot Manager, appended in the same
//! transaction as the change they report (a session write that fails leaves no event; an
//! event never reports a change that did not happen). Only while the unit is registered and
//! not removed: an unregistered gateway writes none. The sync task sends them oldest first
//! and deletes them through the manager's acknowledgement; `seq` is never reused
//! (AUTOINCREMENT), so the manager's "skip what I hold" is exact.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError, to_i64};
use crate::proto::events::{
    Consent, Counters, Event, EventBody, Guest, GuestErased, SessionCounters, SessionStart,
    SessionStop, Sms, UnitStarted, UsageReport,
};

/// How full the outbox is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct OutboxStats {
    /// Events waiting.
    pub depth: i64,
    /// Age of the oldest, seconds (0 when empty).
    pub oldest_secs: i64,
}

/// A new time-ordered UUID for a record that crosses the wire.
pub(super) fn new_uid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether records are kept for the manager now.
pub(super) fn enabled(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM sync_unit WHERE removed IS NULL", [], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

/// Appends an event inside the caller's transaction (nothing when not registered).
pub(super) fn append(
    conn: &Connection,
    at: i64,
    session_uid: Option<&str>,
    body: &EventBody,
) -> Result<(), StoreError> {
    let value = serde_json::to_value(body).map_err(|e| StoreError::Corrupt {
        column: "outbox.body",
        value: e.to_string(),
    })?;
    let kind = value["kind"].as_str().unwrap_or("unknown").to_string();
    conn.prepare_cached(
        "INSERT INTO outbox (created_at, kind, session_uid, body)
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sync_unit WHERE removed IS NULL)",
    )?
    .execute(params![at, kind, session_uid, value.to_string()])?;
    Ok(())
}

/// Drops the session's waiting events of `kind` (a newer one supersedes them).
fn drop_pending(conn: &Connection, session_uid: &str, kind: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM outbox WHERE session_uid = ?1 AND kind = ?2")?
        .execute(params![session_uid, kind])?;
    Ok(())
}

/// The UUID of a row of `table` (`sessions` or `guests`), made on first use.
fn uid_of(conn: &Connection, table: &str, id: i64) -> Result<String, StoreError> {
    let found: Option<String> = conn.query_row(
        &format!("SELECT uid FROM {table} WHERE id = ?1"),
        [id],
        |r| r.get(0),
    )?;
    if let Some(uid) = found {
        return Ok(uid);
    }
    let uid = new_uid();
    conn.execute(
        &format!("UPDATE {table} SET uid = ?2 WHERE id = ?1"),
        params![id, uid],
    )?;
    Ok(uid)
}

/// A guest's UUID.
pub(super) fn guest_uid(conn: &Connection, guest_id: i64) -> Result<String, StoreError> {
    uid_of(conn, "guests", guest_id)
}

/// Reports a session's start once its guest is known (the login records the guest right
/// after the session; the manager keys the session by UUID and keeps its first guest).
pub(super) fn session_started(conn: &Connection, session_id: i64) -> Result<(), StoreError> {
    if enabled(conn)? {
        start_event(conn, session_id)?;
    }
    Ok(())
}

/// Appends a session's start; a session without a guest (an operator's `auth`) names its
/// own UUID as its guest's, so the manager still holds it.
fn start_event(conn: &Connection, session_id: i64) -> Result<(), StoreError> {
    let uid = uid_of(conn, "sessions", session_id)?;
    type Start = (String, String, i64, String, String, Option<i64>);
    let (mac, ip, started_at, user, profile, guest): Start = conn.query_row(
        "SELECT s.mac, s.ip, s.started_at, COALESCE(u.username, lower(hex(u.code_hash))),
         p.name, s.guest_id FROM sessions s JOIN users u ON u.id = s.user_id
         JOIN profiles p ON p.id = s.profile_id WHERE s.id = ?1",
        [session_id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let guest_uid = match guest {
        Some(g) => guest_uid(conn, g)?,
        None => uid.clone(),
    };
    let body = EventBody::SessionStart(SessionStart {
        uid: uid.clone(),
        guest_uid,
        user,
        profile,
        mac,
        ip,
        started_at,
    });
    append(conn, started_at, Some(&uid), &body)
}

/// Reports a session's counters (one waiting interim per session, replaced by a newer one)
/// and the user's usage here.
pub(super) fn session_interim(
    conn: &Connection,
    session_id: i64,
    counters: Counters,
    now: i64,
) -> Result<(), StoreError> {
    let uid = uid_of(conn, "sessions", session_id)?;
    drop_pending(conn, &uid, "session_interim")?;
    let body = EventBody::SessionInterim(SessionCounters {
        uid: uid.clone(),
        counters,
    });
    append(conn, now, Some(&uid), &body)?;
    // The user's usage so far, so other units count it while this session goes on.
    usage_of(conn, session_id, now)
}

/// Reports a session's end with its counters as stored; replaces a waiting stop (the final
/// bytes come after the end) and any waiting interim.
pub(super) fn session_stopped(conn: &Connection, session_id: i64) -> Result<(), StoreError> {
    if !enabled(conn)? {
        return Ok(());
    }
    let uid = uid_of(conn, "sessions", session_id)?;
    let row: Option<(i64, String, i64, i64, bool)> = conn
        .query_row(
            "SELECT ended_at, end_cause, bytes_down, bytes_up, guest_id IS NULL FROM sessions
             WHERE id = ?1 AND ended_at IS NOT NULL",
            [session_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((ended_at, cause, bytes_down, bytes_up, guestless)) = row else {
        return Ok(());
    };
    // Never reported started (no guest came): its start first, so its end is not lost.
    let pending_start: bool = conn
        .prepare_cached("SELECT 1 FROM outbox WHERE session_uid = ?1 AND kind = 'session_start'")?
        .exists([&uid])?;
    if guestless && !pending_start {
        start_event(conn, session_id)?;
    }
    drop_pending(conn, &uid, "session_interim")?;
    drop_pending(conn, &uid, "session_stop")?;
    let body = EventBody::SessionStop(SessionStop {
        uid: uid.clone(),
        ended_at,
        counters: Counters {
            bytes_down,
            bytes_up,
        },
        cause,
    });
    append(conn, ended_at, Some(&uid), &body)?;
    usage_of(conn, session_id, ended_at)
}

/// Reports this unit's cumulative usage of the session's user under its profile (from its
/// sessions here; the manager sums every unit's). One waiting report per user and profile,
/// replaced by the newer one: its key takes the `session_uid` column.
fn usage_of(conn: &Connection, session_id: i64, at: i64) -> Result<(), StoreError> {
    let (user, profile): (String, String) = conn.query_row(
        "SELECT COALESCE(u.username, lower(hex(u.code_hash))), p.name FROM sessions s
         JOIN users u ON u.id = s.user_id JOIN profiles p ON p.id = s.profile_id WHERE s.id = ?1",
        [session_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let report = conn.query_row(
        "SELECT MIN(started_at), SUM(bytes_down), SUM(bytes_up),
         SUM(MAX(COALESCE(ended_at, ?2) - started_at, 0)), COUNT(*) FROM sessions
         WHERE (user_id, profile_id) = (SELECT user_id, profile_id FROM sessions WHERE id = ?1)",
        params![session_id, at],
        |r| {
            Ok(UsageReport {
                user: user.clone(),
                profile: profile.clone(),
                first_start: r.get(0)?,
                bytes_down: r.get(1)?,
                bytes_up: r.get(2)?,
                uptime_secs: r.get(3)?,
                logins: r.get(4)?,
            })
        },
    )?;
    let key = format!("usage\t{user}\t{profile}");
    drop_pending(conn, &key, "usage")?;
    append(conn, at, Some(&key), &EventBody::Usage(report))
}

/// Reports one text message sent.
pub(super) fn sms_sent(conn: &Connection, at: i64) -> Result<(), StoreError> {
    append(conn, at, None, &EventBody::Sms(Sms { count: 1 }))
}

/// Reports a guest as this unit knows them.
pub(super) fn guest_seen(conn: &Connection, guest_id: i64, at: i64) -> Result<(), StoreError> {
    if !enabled(conn)? {
        return Ok(());
    }
    let (method, identifier): (String, Option<String>) = conn.query_row(
        "SELECT method, identifier FROM guests WHERE id = ?1",
        [guest_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let body = EventBody::Guest(Guest {
        uid: guest_uid(conn, guest_id)?,
        username: identifier.unwrap_or_default(),
        method,
        // A social guest's profile as its provider told it.
        profile: super::social::stored_profile(conn, guest_id)?.unwrap_or_default(),
    });
    append(conn, at, None, &body)
}

/// Reports a guest erased here (the manager erases it too, and so every other unit).
pub(super) fn guest_erased(conn: &Connection, guest_id: i64, at: i64) -> Result<(), StoreError> {
    if !enabled(conn)? {
        return Ok(());
    }
    let body = EventBody::GuestErased(GuestErased {
        guest_uid: guest_uid(conn, guest_id)?,
    });
    append(conn, at, None, &body)
}

/// Reports one consent ledger row.
pub(super) fn consent_given(
    conn: &Connection,
    guest_id: i64,
    consent: Consent,
    at: i64,
) -> Result<(), StoreError> {
    if !enabled(conn)? {
        return Ok(());
    }
    let body = EventBody::Consent(Consent {
        guest_uid: guest_uid(conn, guest_id)?,
        ..consent
    });
    append(conn, at, None, &body)
}

impl Store {
    /// Up to `limit` waiting events, oldest first.
    pub fn outbox_batch(&self, limit: u32) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, created_at, body FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = stmt.query_map([limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get::<_, String>(2)?))
        })?;
        rows.map(|row| {
            let (seq, at, body) = row?;
            let body = serde_json::from_str(&body).map_err(|_| StoreError::Corrupt {
                column: "outbox.body",
                value: body,
            })?;
            Ok(Event { seq, at, body })
        })
        .collect()
    }

    /// Deletes what the manager holds (every event through `seq`); returns how many.
    pub fn ack_outbox(&mut self, seq: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM outbox WHERE seq <= ?1", [seq])?)
    }

    /// How many events wait and how old the oldest is.
    pub fn outbox_stats(&self, now: i64) -> Result<OutboxStats, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*), MIN(created_at) FROM outbox", [], |r| {
                let oldest: Option<i64> = r.get(1)?;
                Ok(OutboxStats {
                    depth: r.get(0)?,
                    oldest_secs: oldest.map_or(0, |t| (now - t).max(0)),
                })
            })?)
    }

    /// Reports the daemon's start with the sessions it restored online: the manager closes
    /// every other session of this unit it holds open.
    pub fn record_unit_started(&mut self, open: &[i64], now: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        if enabled(&tx)? {
            let open_sessions = open
                .iter()
                .map(|id| uid_of(&tx, "sessions", *id))
                .collect::<Result<_, _>>()?;
            append(
                &tx,
                now,
                None,
                &EventBody::UnitStarted(UnitStarted { open_sessions }),
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// The counters of a session as the manager sees them.
pub(super) fn counters(bytes_up: u64, bytes_down: u64) -> Counters {
    Counters {
        bytes_down: to_i64(bytes_down),
        bytes_up: to_i64(bytes_up),
    }
}

/// Reports a questionnaire's answers: question id → the choices and the free text.
pub(super) fn answered(
    conn: &Connection,
    guest_id: i64,
    answers: &[crate::model::settings::Answer],
    at: i64,
) -> Result<(), StoreError> {
    if !enabled(conn)? || answers.is_empty() {
        return Ok(());
    }
    let map: serde_json::Map<String, serde_json::Value> = answers
        .iter()
        .map(|a| {
            let value = serde_json::json!({"choices": a.choices, "text": a.text});
            (a.question.clone(), value)
        })
        .collect();
    let body = EventBody::Answer(crate::proto::events::Answer {
        uid: new_uid(),
        guest_uid: guest_uid(conn, guest_id)?,
        answers: map.into(),
    });
    append(conn, at, None, &body)
}
