//! `POST /sync/v1/events` (signed): a batch from the unit's outbox. In one transaction, with
//! the unit's row locked (so a batch sent twice at once, or to two instances, applies once),
//! every event above the unit's acknowledged sequence is applied in order, the health stored,
//! and the new acknowledgement saved; a manager killed mid-batch leaves nothing of it. Every
//! write is keyed by the unit's own hotspot, so a uid another hotspot uses names nothing of
//! that hotspot. Kinds this manager does not know are acknowledged and skipped. A guest erased
//! here stays erased: what a unit that had not heard yet reports of it is stored without its
//! personal data (consents, counters and times only).

use axum::Json;
use axum::extract::State;

use super::signed::SignedUnit;
use super::usage;
use super::wire::{SyncError, json};
use crate::manager::ManagerState;
use crate::manager::areas::audit::{self, Actor};
use crate::manager::areas::erasure::{self, ERASED};
use crate::manager::areas::records::{self, GuestSeen, SessionReport};
use crate::manager::areas::rollups::Rollup;
use crate::manager::areas::vouchers::hotspot_of;
use crate::manager::db::{Conn, Mode};
use crate::proto::events::{Event, EventAck, EventBatch, EventBody, Health};

/// Longest uid, username, MAC or other short text an event may carry.
const SHORT: usize = 256;

/// A refused event: the batch changes nothing and the unit is told which field of which seq.
fn refuse(seq: i64, field: &str) -> SyncError {
    SyncError::Invalid {
        field: "events",
        problem: format!("event seq {seq}: {field} is empty or longer than {SHORT} characters"),
    }
}

fn short(seq: i64, field: &str, value: &str, empty_ok: bool) -> Result<(), SyncError> {
    if (value.is_empty() && !empty_ok) || value.len() > SHORT {
        return Err(refuse(seq, field));
    }
    Ok(())
}

/// The guest `uid` of the unit's hotspot, made from what the event knows when its own guest
/// event never arrived (the unit reports guests first; this keeps a session from being lost).
fn guest_id(
    c: &mut dyn Conn,
    hotspot: i64,
    uid: &str,
    username: &str,
    at: i64,
) -> Result<i64, SyncError> {
    let found = c.query_opt(
        "SELECT id FROM guests WHERE hotspot_id = $1 AND uid = $2",
        &[hotspot.into(), uid.into()],
    )?;
    Ok(match found {
        Some(r) => r.int(0)?,
        None => records::guest_seen(
            c,
            hotspot,
            &GuestSeen {
                uid,
                username,
                method: "",
                at,
            },
        )?,
    })
}

/// A session's counters (and end) reported at `at`, and what they add to the rollups; false
/// when `unit`'s hotspot has no such session.
fn counters(
    c: &mut dyn Conn,
    (unit, rollup): (&SignedUnit, &Rollup),
    uid: &str,
    counters: (i64, i64),
    (end, at): (Option<(i64, &str)>, i64),
) -> Result<bool, SyncError> {
    let Some(before) = records::session_state(c, unit.hotspot, uid)? else {
        return Ok(false);
    };
    records::session_counters(c, unit.hotspot, uid, counters, end)?;
    rollup.counters(c, unit.id, &before, counters, (end.map(|e| e.0), at))?;
    Ok(true)
}

fn apply(
    c: &mut dyn Conn,
    (unit, rollup): (&SignedUnit, &Rollup),
    e: &Event,
    now: i64,
) -> Result<(), SyncError> {
    let (hotspot, seq, at) = (unit.hotspot, e.seq, e.at);
    match &e.body {
        EventBody::Guest(g) => {
            short(seq, "uid", &g.uid, false)?;
            short(seq, "username", &g.username, true)?;
            short(seq, "method", &g.method, true)?;
            let p = &g.profile;
            for (field, value) in [
                ("profile.provider", &p.provider),
                ("profile.subject", &p.subject),
                ("profile.name", &p.name),
                ("profile.email", &p.email),
                ("profile.gender", &p.gender),
                ("profile.birth_date", &p.birth_date),
                ("profile.locale", &p.locale),
            ] {
                short(seq, field, value.as_deref().unwrap_or(""), true)?;
            }
            short(seq, "profile.interests", &p.interests.join(", "), true)?;
            if erasure::is_erased(c, hotspot, &g.uid)? {
                return Ok(());
            }
            let seen = GuestSeen {
                uid: &g.uid,
                username: &g.username,
                method: &g.method,
                at,
            };
            let id = records::guest_seen(c, hotspot, &seen)?;
            records::guest_profile(c, id, &g.profile)?;
        }
        EventBody::Consent(row) => {
            short(seq, "uid", &row.uid, false)?;
            short(seq, "guest_uid", &row.guest_uid, false)?;
            for (field, value) in [
                ("purpose", &row.purpose),
                ("text_sha256", &row.text_sha256),
                ("language", &row.language),
                ("how", &row.how),
            ] {
                short(seq, field, value, true)?;
            }
            let guest = guest_id(c, hotspot, &row.guest_uid, "", at)?;
            records::consent(c, (hotspot, guest), row, at)?;
        }
        EventBody::Answer(a) => {
            short(seq, "uid", &a.uid, false)?;
            short(seq, "guest_uid", &a.guest_uid, false)?;
            let answers = if erasure::is_erased(c, hotspot, &a.guest_uid)? {
                erasure::without_free_text(&a.answers)
            } else {
                a.answers.clone()
            };
            let guest = guest_id(c, hotspot, &a.guest_uid, "", at)?;
            records::answer(c, (hotspot, guest), &a.uid, &answers.to_string(), at)?;
        }
        EventBody::SessionStart(s) => {
            for (field, value) in [
                ("uid", &s.uid),
                ("guest_uid", &s.guest_uid),
                ("mac", &s.mac),
            ] {
                short(seq, field, value, false)?;
            }
            short(seq, "ip", &s.ip, true)?;
            short(seq, "user", &s.user, true)?;
            let erased = erasure::is_erased(c, hotspot, &s.guest_uid)?;
            let guest = guest_id(c, hotspot, &s.guest_uid, &s.user, at)?;
            let report = SessionReport {
                uid: &s.uid,
                guest_id: guest,
                mac: if erased { ERASED } else { &s.mac },
                ip: &s.ip,
                unit: &unit.name,
                started_at: s.started_at,
                ended_at: None,
                bytes_down: 0,
                bytes_up: 0,
            };
            let new = records::session_state(c, hotspot, &s.uid)?.is_none();
            records::session(c, hotspot, &report)?;
            records::session_unit(c, hotspot, &s.uid, unit.id)?;
            usage::session_started(c, hotspot, &s.uid, (&s.user, &s.profile), now)?;
            if new {
                rollup.started(c, unit.id, guest, s.started_at)?;
            }
        }
        EventBody::SessionInterim(s) => {
            let counters = (s.counters.bytes_down, s.counters.bytes_up);
            if !self::counters(c, (unit, rollup), &s.uid, counters, (None, at))? {
                tracing::warn!(
                    unit = unit.id,
                    seq,
                    "interim of a session never started; skipped"
                );
            }
        }
        EventBody::SessionStop(s) => {
            let counters = (s.counters.bytes_down, s.counters.bytes_up);
            short(seq, "cause", &s.cause, true)?;
            let end = Some((s.ended_at, s.cause.as_str()));
            let user = usage::open_session_user(c, hotspot, &s.uid)?;
            if !self::counters(c, (unit, rollup), &s.uid, counters, (end, s.ended_at))? {
                tracing::warn!(
                    unit = unit.id,
                    seq,
                    "stop of a session never started; skipped"
                );
            }
            usage::sessions_closed(c, hotspot, user.into_iter().collect(), now)?;
        }
        EventBody::Usage(r) => {
            short(seq, "user", &r.user, false)?;
            short(seq, "profile", &r.profile, true)?;
            usage::record(c, hotspot, unit.id, r, now)?;
        }
        EventBody::Sms(s) => {
            let day = chrono::DateTime::from_timestamp(at, 0)
                .unwrap_or_default()
                .format("%Y-%m-%d")
                .to_string();
            c.execute(
                "INSERT INTO sms_counts (hotspot_id, unit_id, day, sent) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (hotspot_id, unit_id, day) DO UPDATE
                 SET sent = sms_counts.sent + excluded.sent",
                &[
                    hotspot.into(),
                    unit.id.into(),
                    day.into(),
                    s.count.max(0).into(),
                ],
            )?;
            rollup.sms(c, unit.id, at, s.count)?;
        }
        EventBody::UnitStarted(u) => {
            let stale = records::stale_sessions(c, (hotspot, unit.id), &u.open_sessions)?;
            let end = Some((at, "unit-restart"));
            for (uid, _) in &stale {
                self::counters(c, (unit, rollup), uid, (0, 0), (end, at))?;
            }
            tracing::info!(
                unit = unit.id,
                closed = stale.len(),
                "unit restarted; its stale sessions closed"
            );
            let users = stale.into_iter().filter_map(|(_, user)| user).collect();
            usage::sessions_closed(c, hotspot, users, now)?;
        }
        EventBody::GuestErased(g) => {
            short(seq, "guest_uid", &g.guest_uid, false)?;
            let found = c.query_opt(
                "SELECT id FROM guests WHERE hotspot_id = $1 AND uid = $2",
                &[hotspot.into(), g.guest_uid.as_str().into()],
            )?;
            if let Some(r) = found {
                let guest = r.int(0)?;
                if erasure::erase(c, hotspot, guest, now)? == Some(erasure::Erasure::Now) {
                    let (tenant, _) = hotspot_of(c, hotspot)?;
                    let by = Actor {
                        account_id: None,
                        username: &unit.name,
                        address: "unit",
                    };
                    let what = format!("guest #{guest}");
                    audit::record(c, by, now, "erase guest", &what, Some(tenant))?;
                }
            }
        }
        EventBody::Unknown => {}
    }
    Ok(())
}

fn store_health(c: &mut dyn Conn, unit: i64, protocol: u32, h: &Health) -> Result<(), SyncError> {
    // The load travels as a float; the database keeps thousandths (integers on both backends).
    let load_milli = (h.load * 1000.0).round().clamp(0.0, 1e12) as i64;
    c.execute(
        "UPDATE units SET protocol = $1, version = $2, uptime_secs = $3, clients = $4,
         load_milli = $5, outbox_depth = $6, outbox_oldest_secs = $7, settings_revision = $8,
         feed_cursor = $9 WHERE id = $10",
        &[
            i64::from(protocol).into(),
            h.version.chars().take(64).collect::<String>().into(),
            h.uptime_secs.into(),
            h.clients.into(),
            load_milli.into(),
            h.outbox_depth.into(),
            h.outbox_oldest_secs.into(),
            h.settings_revision.into(),
            h.cursor.into(),
            unit.into(),
        ],
    )?;
    Ok(())
}

fn ingest(
    c: &mut dyn Conn,
    unit: &SignedUnit,
    batch: &EventBatch,
    now: i64,
) -> Result<EventAck, SyncError> {
    // Locks the unit's row first (a no-op write): a concurrent ingest of the same unit waits
    // here and then reads the sequence this one saved.
    c.execute(
        "UPDATE units SET acked_seq = acked_seq WHERE id = $1",
        &[unit.id.into()],
    )?;
    let mut acked = c
        .query_opt(
            "SELECT acked_seq FROM units WHERE id = $1",
            &[unit.id.into()],
        )?
        .ok_or(SyncError::Internal)?
        .int(0)?;
    let mut applied = 0i64;
    let rollup = Rollup::of(c, unit.hotspot)?;
    for e in batch.events.iter() {
        if e.seq <= acked {
            continue;
        }
        apply(c, (unit, &rollup), e, now)?;
        acked = e.seq;
        applied += 1;
    }
    c.execute(
        "UPDATE units SET acked_seq = $1, events_ingested = events_ingested + $2 WHERE id = $3",
        &[acked.into(), applied.into(), unit.id.into()],
    )?;
    if let Some(h) = &batch.health {
        store_health(c, unit.id, batch.protocol, h)?;
    }
    Ok(EventAck {
        acked_through: acked,
    })
}

/// `POST /sync/v1/events`
pub async fn events(
    State(s): State<ManagerState>,
    unit: SignedUnit,
) -> Result<Json<EventAck>, SyncError> {
    let batch: EventBatch = json(&unit.body)?;
    let now = s.now();
    let ack =
        s.db.tx(Mode::Write, move |c| ingest(c, &unit, &batch, now))
            .await?;
    Ok(Json(ack))
}
