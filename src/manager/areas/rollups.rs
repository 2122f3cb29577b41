//! Rollups, the write side: what each ingested event adds to its hotspot's hourly figures
//! (migration 9, `db/migrations_rollups.rs`), in the ingest's transaction. Sync's ingest
//! applies an event once (events at or below the unit's acknowledged seq are skipped), and
//! each function here adds only what the event changes: a start counts when the session is
//! new, counters count what they grew beyond the session's row, a stop counts when it closes
//! an open session. So a batch sent again, or a start or stop sent twice, adds nothing.
//!
//! Hours are local hours of the hotspot's zone at ingest time (`days::hour_of`); a zone
//! changed later leaves the hours already counted where they were.

use chrono::NaiveDate;
use tz::TimeZone;

use super::days;
use super::records::SessionState;
use crate::manager::db::{Conn, DbError, Value};

/// Upper bounds, seconds, of the session duration buckets (the last is open-ended), and
/// their columns in `rollup_hours`.
pub const DURATION_BUCKETS: [(i64, &str); 5] = [
    (5 * 60, "d_under_5m"),
    (15 * 60, "d_5_15m"),
    (60 * 60, "d_15_60m"),
    (3 * 3600, "d_1_3h"),
    (i64::MAX, "d_over_3h"),
];

/// The rollups of one hotspot, in its time zone.
pub struct Rollup {
    hotspot: i64,
    zone: TimeZone,
}

impl Rollup {
    /// The rollups of `hotspot`.
    pub fn of(c: &mut dyn Conn, hotspot: i64) -> Result<Rollup, DbError> {
        let name = match c.query_opt(
            "SELECT time_zone FROM hotspots WHERE id = $1",
            &[hotspot.into()],
        )? {
            Some(r) => r.text(0)?,
            None => String::new(),
        };
        Ok(Rollup {
            hotspot,
            zone: days::zone(&name),
        })
    }

    fn hour(&self, at: i64) -> i64 {
        days::hour_of(&self.zone, at)
    }

    fn day(&self, at: i64) -> NaiveDate {
        days::date_of(&self.zone, at)
    }

    /// Adds `adds` (column, amount) to `unit`'s row of local hour `hour`.
    fn add(
        &self,
        c: &mut dyn Conn,
        unit: i64,
        hour: i64,
        adds: &[(&'static str, i64)],
    ) -> Result<(), DbError> {
        let cols: Vec<&str> = adds.iter().map(|(col, _)| *col).collect();
        let binds: Vec<String> = (4..4 + adds.len()).map(|i| format!("${i}")).collect();
        let sets: Vec<String> = cols
            .iter()
            .map(|col| format!("{col} = rollup_hours.{col} + excluded.{col}"))
            .collect();
        let sql = format!(
            "INSERT INTO rollup_hours (hotspot_id, hour, unit_id, {}) VALUES ($1, $2, $3, {})
             ON CONFLICT (hotspot_id, hour, unit_id) DO UPDATE SET {}",
            cols.join(", "),
            binds.join(", "),
            sets.join(", ")
        );
        let mut params: Vec<Value> = vec![self.hotspot.into(), hour.into(), unit.into()];
        params.extend(adds.iter().map(|(_, n)| Value::from(*n)));
        c.execute(&sql, &params)?;
        Ok(())
    }

    /// A session of guest `guest` started at `at` through `unit` (call only for a session the
    /// manager did not have): one session, one login by the guest's method, the guest present
    /// that day, and new if this is their earliest session here.
    pub fn started(&self, c: &mut dyn Conn, unit: i64, guest: i64, at: i64) -> Result<(), DbError> {
        let hour = self.hour(at);
        self.add(c, unit, hour, &[("sessions", 1)])?;
        let method =
            match c.query_opt("SELECT method FROM guests WHERE id = $1", &[guest.into()])? {
                Some(r) if !r.text(0)?.is_empty() => r.text(0)?,
                _ => "other".to_string(),
            };
        c.execute(
            "INSERT INTO rollup_methods (hotspot_id, hour, unit_id, method, logins)
             VALUES ($1, $2, $3, $4, 1) ON CONFLICT (hotspot_id, hour, unit_id, method)
             DO UPDATE SET logins = rollup_methods.logins + 1",
            &[self.hotspot.into(), hour.into(), unit.into(), method.into()],
        )?;
        c.execute(
            "INSERT INTO rollup_guest_days (hotspot_id, day, unit_id, guest_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[
                self.hotspot.into(),
                self.day(at).to_string().into(),
                unit.into(),
                guest.into(),
            ],
        )?;
        self.first_seen(c, unit, guest, at)
    }

    /// Counts guest `guest` new in the hour of their earliest session; a session reported
    /// late (another unit's outbox drained after) that began earlier moves the count there.
    fn first_seen(&self, c: &mut dyn Conn, unit: i64, guest: i64, at: i64) -> Result<(), DbError> {
        let key = [self.hotspot.into(), guest.into()];
        let known = c.query_opt(
            "SELECT first_at, hour, unit_id FROM rollup_first_seen
             WHERE hotspot_id = $1 AND guest_id = $2",
            &key,
        )?;
        let hour = self.hour(at);
        match known {
            Some(r) if r.int(0)? <= at => return Ok(()),
            Some(r) => {
                self.add(c, r.int(2)?, r.int(1)?, &[("new_guests", -1)])?;
                c.execute(
                    "UPDATE rollup_first_seen SET first_at = $3, hour = $4, unit_id = $5
                     WHERE hotspot_id = $1 AND guest_id = $2",
                    &[&key[..], &[at.into(), hour.into(), unit.into()]].concat(),
                )?;
            }
            None => {
                c.execute(
                    "INSERT INTO rollup_first_seen (hotspot_id, guest_id, first_at, hour, unit_id)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[&key[..], &[at.into(), hour.into(), unit.into()]].concat(),
                )?;
            }
        }
        self.add(c, unit, hour, &[("new_guests", 1)])
    }

    /// A session's counters reported at `at` (cumulative) and its end if it stopped, against
    /// what the manager held `before`: the bytes they grew count in the hour of `at`; a stop
    /// that closes the session counts its seconds and duration bucket in the hour it started.
    pub fn counters(
        &self,
        c: &mut dyn Conn,
        unit: i64,
        before: &SessionState,
        (down, up): (i64, i64),
        (end, at): (Option<i64>, i64),
    ) -> Result<(), DbError> {
        let grew = (
            (down - before.bytes_down).max(0),
            (up - before.bytes_up).max(0),
        );
        if grew != (0, 0) {
            let adds = [("bytes_down", grew.0), ("bytes_up", grew.1)];
            self.add(c, unit, self.hour(at), &adds)?;
        }
        if let (None, Some(end)) = (before.ended_at, end) {
            let secs = (end - before.started_at).max(0);
            let bucket = DURATION_BUCKETS
                .iter()
                .find(|(under, _)| secs < *under)
                .map_or("d_over_3h", |(_, col)| col);
            let adds = [("stops", 1), ("session_secs", secs), (bucket, 1)];
            self.add(c, unit, self.hour(before.started_at), &adds)?;
        }
        Ok(())
    }

    /// `count` SMS sent by `unit` at `at`.
    pub fn sms(&self, c: &mut dyn Conn, unit: i64, at: i64, count: i64) -> Result<(), DbError> {
        self.add(c, unit, self.hour(at), &[("sms", count.max(0))])
    }
}
