//! A guest's personal data at the manager: what an access request answers and what erasure
//! removes (README, "Guests' data rights"). Erasure follows the unit's own
//! (`store::guests::erase_guest`): the identifier, devices, social profile and answers' free
//! text go; the guest's row, its sessions (device replaced by `erased`, counters and times
//! kept, so reports stay right) and its consent ledger (purpose, choice, text version,
//! language, how and when: the proof, which holds nothing personal here) stay. The erased row
//! is the tombstone the ingest checks, and the erasure goes into the hotspot's change feed so
//! every unit erases the guest too.

use serde_json::{Value, json};

use crate::manager::db::{Conn, DbError, Row};
use crate::manager::sync::feed::{self, Subject};

/// What a session's and a device's MAC becomes (as on the unit).
pub const ERASED: &str = "erased";

/// What an erasure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// Erased now.
    Now,
    /// Erased before, at this time (nothing to do).
    Before(i64),
}

/// Whether guest `uid` of `hotspot` was erased: what it reports now must not bring back what
/// was removed.
pub fn is_erased(c: &mut dyn Conn, hotspot: i64, uid: &str) -> Result<bool, DbError> {
    Ok(c.query_opt(
        "SELECT 1 FROM guests WHERE hotspot_id = $1 AND uid = $2 AND erased_at IS NOT NULL",
        &[hotspot.into(), uid.into()],
    )?
    .is_some())
}

/// A questionnaire's answers without their free text: each question keeps its choices (which
/// the form offered, not the guest wrote); anything else is dropped.
pub fn without_free_text(answers: &Value) -> Value {
    match answers {
        Value::Object(questions) => questions
            .iter()
            .map(|(q, a)| {
                (
                    q.clone(),
                    json!({"choices": a.get("choices").cloned().unwrap_or(json!([]))}),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        _ => json!({}),
    }
}

/// Erases guest `id` of `hotspot` in the caller's transaction; `None` when the hotspot has no
/// such guest. Idempotent.
pub fn erase(
    c: &mut dyn Conn,
    hotspot: i64,
    id: i64,
    now: i64,
) -> Result<Option<Erasure>, DbError> {
    let Some(row) = c.query_opt(
        "SELECT uid, erased_at FROM guests WHERE hotspot_id = $1 AND id = $2",
        &[hotspot.into(), id.into()],
    )?
    else {
        return Ok(None);
    };
    if let Some(at) = row.opt_int(1)? {
        return Ok(Some(Erasure::Before(at)));
    }
    let uid = row.text(0)?;
    c.execute(
        "UPDATE guests SET username = '', social_provider = NULL, social_subject = NULL,
         display_name = NULL, email = NULL, gender = NULL, birth_date = NULL, locale = NULL,
         interests = '', erased_at = $1 WHERE id = $2",
        &[now.into(), id.into()],
    )?;
    c.execute(
        "DELETE FROM devices WHERE hotspot_id = $1 AND guest_id = $2",
        &[hotspot.into(), id.into()],
    )?;
    c.execute(
        "UPDATE guest_sessions SET mac = $1 WHERE guest_id = $2",
        &[ERASED.into(), id.into()],
    )?;
    let answers = c.query(
        "SELECT id, answers FROM guest_answers WHERE guest_id = $1",
        &[id.into()],
    )?;
    for r in &answers {
        let kept = serde_json::from_str(&r.text(1)?)
            .map(|a| without_free_text(&a))
            .unwrap_or_else(|_| json!({}));
        c.execute(
            "UPDATE guest_answers SET answers = $1 WHERE id = $2",
            &[kept.to_string().into(), r.int(0)?.into()],
        )?;
    }
    feed::append(c, hotspot, Subject::GuestErased(&uid), now)?;
    Ok(Some(Erasure::Now))
}

fn rows(
    c: &mut dyn Conn,
    sql: &str,
    id: i64,
    each: fn(&Row) -> Result<Value, DbError>,
) -> Result<Vec<Value>, DbError> {
    c.query(sql, &[id.into()])?.iter().map(each).collect()
}

/// Everything the manager holds about guest `id` of `hotspot`, as JSON (an access request,
/// GDPR Art. 15 and 20); `None` when the hotspot has no such guest.
pub fn data(c: &mut dyn Conn, hotspot: i64, id: i64) -> Result<Option<Value>, DbError> {
    let Some(g) = c.query_opt(
        "SELECT uid, method, username, first_seen, last_seen, erased_at, social_provider,
         social_subject, display_name, email, gender, birth_date, locale, interests
         FROM guests WHERE hotspot_id = $1 AND id = $2",
        &[hotspot.into(), id.into()],
    )?
    else {
        return Ok(None);
    };
    let interests: Vec<String> = g
        .text(13)?
        .split(", ")
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .collect();
    let guest = json!({
        "id": id, "uid": g.text(0)?, "method": g.text(1)?, "username": g.text(2)?,
        "first_seen": g.int(3)?, "last_seen": g.int(4)?, "erased_at": g.opt_int(5)?,
        "social": {
            "provider": g.opt_text(6)?, "subject": g.opt_text(7)?, "name": g.opt_text(8)?,
            "email": g.opt_text(9)?, "gender": g.opt_text(10)?, "birth_date": g.opt_text(11)?,
            "locale": g.opt_text(12)?, "interests": interests,
        },
    });
    let devices = rows(
        c,
        "SELECT mac, ip, unit, last_seen FROM devices WHERE guest_id = $1 ORDER BY id",
        id,
        |r| {
            Ok(
                json!({"mac": r.text(0)?, "ip": r.text(1)?, "unit": r.text(2)?, "last_seen": r.int(3)?}),
            )
        },
    )?;
    let sessions = rows(
        c,
        "SELECT uid, unit, mac, started_at, ended_at, bytes_down, bytes_up, end_cause
         FROM guest_sessions WHERE guest_id = $1 ORDER BY started_at, id",
        id,
        |r| {
            Ok(
                json!({"uid": r.text(0)?, "unit": r.text(1)?, "mac": r.text(2)?,
                "started_at": r.int(3)?, "ended_at": r.opt_int(4)?, "bytes_down": r.int(5)?,
                "bytes_up": r.int(6)?, "end_cause": r.text(7)?}),
            )
        },
    )?;
    let consents = rows(
        c,
        "SELECT purpose, granted, text_sha256, language, how, at FROM guest_consents
         WHERE guest_id = $1 ORDER BY at, id",
        id,
        |r| {
            Ok(
                json!({"purpose": r.text(0)?, "granted": r.bool(1)?, "text_sha256": r.text(2)?,
                "language": r.text(3)?, "how": r.text(4)?, "at": r.int(5)?}),
            )
        },
    )?;
    let answers = rows(
        c,
        "SELECT answers, at FROM guest_answers WHERE guest_id = $1 ORDER BY at, id",
        id,
        |r| {
            let answers: Value = serde_json::from_str(&r.text(0)?).unwrap_or(Value::Null);
            Ok(json!({"answers": answers, "at": r.int(1)?}))
        },
    )?;
    Ok(Some(json!({
        "guest": guest, "devices": devices, "sessions": sessions, "consents": consents,
        "answers": answers,
    })))
}
