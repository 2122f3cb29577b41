//! Reports, the read side: a hotspot's figures over a range of its local days, and today's by
//! hour, from the rollups only (`areas/rollups.rs`): one index range of hourly rows summed
//! into local days here, one of guest days for unique guests, one of methods. The one
//! read outside the rollups is "connected now": the open sessions' index range, which holds
//! only who is online, never the history.

use chrono::NaiveDate;
use serde::Serialize;
use tz::TimeZone;

use super::days;
use super::rollups::DURATION_BUCKETS;
use crate::manager::db::{Conn, DbError, Row, Value};

/// What a report covers: a hotspot, optionally one of its units, local days `from..=to`.
pub struct Scope<'a> {
    /// The hotspot.
    pub hotspot: i64,
    /// Its zone.
    pub zone: &'a TimeZone,
    /// One unit, or all.
    pub unit: Option<i64>,
    /// First day.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
}

/// A local day's figures.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct Day {
    /// `YYYY-MM-DD`, local.
    pub date: String,
    /// Sessions started (connections).
    pub sessions: i64,
    /// Distinct guests with a session started that day.
    pub unique_guests: i64,
    /// Guests whose first session at the hotspot started that day.
    pub new_guests: i64,
    /// Unique guests who had come before.
    pub returning_guests: i64,
    /// Bytes to guests reported that day.
    pub bytes_down: i64,
    /// Bytes from guests reported that day.
    pub bytes_up: i64,
    /// SMS sent.
    pub sms: i64,
}

/// Sessions that ended, by how long they lasted.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bucket {
    /// `under 5 min`, `5-15 min`, `15-60 min`, `1-3 h`, `over 3 h`.
    pub label: &'static str,
    /// Sessions (by the day they started).
    pub sessions: i64,
}

/// Logins by one method.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Method {
    /// `email`, `sms`, `voucher`, `click`, `account`, `social`, … (`other` when unknown).
    pub method: String,
    /// Sessions started by guests of this method.
    pub logins: i64,
}

/// One local hour of today.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hour {
    /// Local time it begins, `HH:MM` (twice the same when daylight saving ends).
    pub hour: String,
    /// Sessions started.
    pub connections: i64,
    /// Guests first seen.
    pub new_guests: i64,
}

/// The range's totals.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Sessions started.
    pub sessions: i64,
    /// Distinct guests over the whole range.
    pub unique_guests: i64,
    /// Guests first seen in the range.
    pub new_guests: i64,
    /// Distinct guests who had come before the range.
    pub returning_guests: i64,
    /// Bytes to guests.
    pub bytes_down: i64,
    /// Bytes from guests.
    pub bytes_up: i64,
    /// Sessions started in the range that have ended.
    pub ended_sessions: i64,
    /// Their average length, seconds (0 when none).
    pub average_session_secs: i64,
    /// SMS sent.
    pub sms: i64,
}

/// A range's figures.
pub struct Range {
    /// Every day of it (days without figures as zeros).
    pub days: Vec<Day>,
    /// Totals.
    pub totals: Totals,
    /// Ended sessions by length.
    pub durations: Vec<Bucket>,
    /// Logins by method.
    pub methods: Vec<Method>,
}

/// Summed hourly columns, in this order.
const SUMS: [&str; 13] = [
    "sessions",
    "new_guests",
    "bytes_down",
    "bytes_up",
    "stops",
    "session_secs",
    "d_under_5m",
    "d_5_15m",
    "d_15_60m",
    "d_1_3h",
    "d_over_3h",
    "sms",
    "hour",
];

/// Labels of [`DURATION_BUCKETS`].
const BUCKET_LABELS: [&str; 5] = ["under 5 min", "5-15 min", "15-60 min", "1-3 h", "over 3 h"];

fn unit_clause(n: usize) -> String {
    format!("(CAST(${n} AS BIGINT) IS NULL OR unit_id = ${n})")
}

/// Hourly sums in `[start, end)`: (hour, the first 12 of [`SUMS`]).
fn hours(
    c: &mut dyn Conn,
    s: &Scope<'_>,
    (start, end): (i64, i64),
) -> Result<Vec<(i64, [i64; 12])>, DbError> {
    let sums: Vec<String> = SUMS[..12]
        .iter()
        .map(|col| format!("CAST(SUM({col}) AS BIGINT)"))
        .collect();
    let rows = c.query(
        &format!(
            "SELECT hour, {} FROM rollup_hours WHERE hotspot_id = $1 AND hour >= $2
             AND hour < $3 AND {} GROUP BY hour ORDER BY hour",
            sums.join(", "),
            unit_clause(4)
        ),
        &[s.hotspot.into(), start.into(), end.into(), s.unit.into()],
    )?;
    rows.iter()
        .map(|r: &Row| {
            let mut v = [0; 12];
            for (i, x) in v.iter_mut().enumerate() {
                *x = r.opt_int(i + 1)?.unwrap_or(0);
            }
            Ok((r.int(0)?, v))
        })
        .collect()
}

/// `SELECT {select}` over the range's guest days, then `rest` (a grouping).
fn guest_days(
    c: &mut dyn Conn,
    s: &Scope<'_>,
    select: &str,
    rest: &str,
) -> Result<Vec<Row>, DbError> {
    c.query(
        &format!(
            "SELECT {select} FROM rollup_guest_days WHERE hotspot_id = $1 AND day >= $2
             AND day <= $3 AND {} {rest}",
            unit_clause(4)
        ),
        &[
            s.hotspot.into(),
            s.from.to_string().into(),
            s.to.to_string().into(),
            s.unit.into(),
        ],
    )
}

/// The range's figures: every day of it (days without figures as zeros), totals, duration
/// buckets and logins by method.
pub fn range(c: &mut dyn Conn, s: &Scope<'_>) -> Result<Range, DbError> {
    let mut days_out: Vec<Day> = s
        .from
        .iter_days()
        .take_while(|d| *d <= s.to)
        .map(|d| Day {
            date: d.to_string(),
            ..Day::default()
        })
        .collect();
    let start = days::start_of(s.zone, s.from);
    let end = days::start_of(s.zone, s.to.succ_opt().unwrap_or(s.to));
    let mut t = Totals::default();
    let mut buckets = [0i64; 5];
    for (hour, v) in hours(c, s, (start, end))? {
        let i = (days::date_of(s.zone, hour) - s.from).num_days();
        let Some(d) = usize::try_from(i).ok().and_then(|i| days_out.get_mut(i)) else {
            continue;
        };
        d.sessions += v[0];
        d.new_guests += v[1];
        d.bytes_down += v[2];
        d.bytes_up += v[3];
        d.sms += v[11];
        t.ended_sessions += v[4];
        t.average_session_secs += v[5];
        for (b, n) in buckets.iter_mut().zip(&v[6..11]) {
            *b += n;
        }
    }
    let unique = guest_days(c, s, "day, COUNT(DISTINCT guest_id)", "GROUP BY day")?;
    for r in unique.iter() {
        let date = r.text(0)?;
        if let Some(d) = days_out.iter_mut().find(|d| d.date == date) {
            d.unique_guests = r.int(1)?;
        }
    }
    for d in &mut days_out {
        d.returning_guests = (d.unique_guests - d.new_guests).max(0);
        t.sessions += d.sessions;
        t.new_guests += d.new_guests;
        t.bytes_down += d.bytes_down;
        t.bytes_up += d.bytes_up;
        t.sms += d.sms;
    }
    t.unique_guests = guest_days(c, s, "COUNT(DISTINCT guest_id)", "")?
        .first()
        .map_or(Ok(0), |r| r.int(0))?;
    t.returning_guests = (t.unique_guests - t.new_guests).max(0);
    t.average_session_secs = t
        .average_session_secs
        .checked_div(t.ended_sessions)
        .unwrap_or(0);
    let buckets = BUCKET_LABELS
        .iter()
        .zip(buckets)
        .map(|(label, sessions)| Bucket { label, sessions })
        .collect();
    debug_assert_eq!(BUCKET_LABELS.len(), DURATION_BUCKETS.len());
    let methods = c
        .query(
            &format!(
                "SELECT method, CAST(SUM(logins) AS BIGINT) FROM rollup_methods
                 WHERE hotspot_id = $1 AND hour >= $2 AND hour < $3 AND {}
                 GROUP BY method ORDER BY method",
                unit_clause(4)
            ),
            &[s.hotspot.into(), start.into(), end.into(), s.unit.into()],
        )?
        .iter()
        .map(|r| {
            Ok(Method {
                method: r.text(0)?,
                logins: r.int(1)?,
            })
        })
        .collect::<Result<_, DbError>>()?;
    Ok(Range {
        days: days_out,
        totals: t,
        durations: buckets,
        methods,
    })
}

/// Guests connected now and today's local hours (every hour of the day, zeros included).
pub fn today(c: &mut dyn Conn, s: &Scope<'_>, now: i64) -> Result<(i64, Vec<Hour>), DbError> {
    let (start, end) = days::today(s.zone, now);
    let mut out: Vec<(i64, Hour)> = Vec::new();
    // Quarter-hour steps find every local hour, whatever the zone's offset.
    for t in (start..end).step_by(900) {
        let h = days::hour_of(s.zone, t);
        if out.last().is_none_or(|(last, _)| *last != h) {
            let local = days::local(s.zone, h);
            out.push((
                h,
                Hour {
                    hour: format!(
                        "{:02}:{:02}",
                        local.rem_euclid(86_400) / 3600,
                        local.rem_euclid(3600) / 60
                    ),
                    connections: 0,
                    new_guests: 0,
                },
            ));
        }
    }
    for (hour, v) in hours(c, s, (start, end))? {
        if let Some((_, h)) = out.iter_mut().find(|(at, _)| *at == hour) {
            h.connections += v[0];
            h.new_guests += v[1];
        }
    }
    let connected = c
        .query_opt(
            &format!(
                "SELECT COUNT(DISTINCT guest_id) FROM guest_sessions WHERE hotspot_id = $1
                 AND ended_at IS NULL AND {}",
                unit_clause(2)
            ),
            &[s.hotspot.into(), Value::from(s.unit)],
        )?
        .map_or(Ok(0), |r| r.int(0))?;
    Ok((connected, out.into_iter().map(|(_, h)| h).collect()))
}
