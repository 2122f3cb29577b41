//! Reports at scale, on SQLite and PostgreSQL, in process through the manager's own `Db` and
//! the reports' own queries (`areas::reports_query`):
//! 1. building rollups: the records ingest writes for a realistic sample of sessions (start,
//!    interim, stop of guests who come back), in transactions of 250 sessions as a unit's
//!    batches are, with and without the rollup writes: sessions per second and the ratio;
//! 2. reports: the rollups of SESSIONS sessions over 100 hotspots and a year (two units each),
//!    made directly in the database by recursive CTEs (raw sessions at that size take too
//!    long to make here), then the p50 and p99 of each report (7, 30 and 366 days, one unit,
//!    today) over random hotspots.
//!
//! `cargo bench --bench reports [sqlite|postgres] [-- SESSIONS]` (default 10,000,000).

#[path = "../tests/common/postgres.rs"]
#[allow(dead_code)]
mod postgres;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use hotspotd::manager::areas::records::{self, GuestSeen, SessionReport};
use hotspotd::manager::areas::reports_query::{self, Scope};
use hotspotd::manager::areas::rollups::Rollup;
use hotspotd::manager::db::{Conn, Db, DbError, Mode, Value};

const HOTSPOTS: i64 = 100;
const ZONES: [&str; 4] = ["Europe/Rome", "America/New_York", "Asia/Kolkata", "UTC"];
/// 2026-01-01 00:00 UTC: the year the rollups cover.
const YEAR_START: i64 = 1_767_225_600;

fn one(c: &mut dyn Conn, sql: &str, params: &[Value]) -> Result<i64, DbError> {
    c.query(sql, params)?[0].int(0)
}

/// A reseller, its hotspots and two units each; returns (hotspot, [units]).
fn tenants(c: &mut dyn Conn) -> Result<Vec<(i64, [i64; 2])>, DbError> {
    let r = one(
        c,
        "INSERT INTO resellers (name, disabled, created_at) VALUES ('bench', $1, 0) RETURNING id",
        &[false.into()],
    )?;
    let mut out = Vec::new();
    for h in 0..HOTSPOTS {
        let id = one(
            c,
            "INSERT INTO hotspots (reseller_id, name, description, business_name, vat_number,
             address, privacy_contact, time_zone, created_at)
             VALUES ($1, $2, '', '', '', '', '', $3, 0) RETURNING id",
            &[
                r.into(),
                format!("h{h}").into(),
                ZONES[h as usize % 4].into(),
            ],
        )?;
        let mut units = [0; 2];
        for (k, u) in units.iter_mut().enumerate() {
            *u = one(
                c,
                "INSERT INTO units (hotspot_id, name, registered_at, last_seen)
                 VALUES ($1, $2, 0, 0) RETURNING id",
                &[id.into(), format!("u{k}").into()],
            )?;
        }
        out.push((id, units));
    }
    Ok(out)
}

/// Records (and rollups when `rollups`) for `n` sessions of 300 returning guests at `hotspot`.
fn sample(
    c: &mut dyn Conn,
    (hotspot, unit): (i64, i64),
    base: i64,
    n: i64,
    rollups: bool,
) -> Result<(), DbError> {
    let rollup = Rollup::of(c, hotspot)?;
    for i in base..base + n {
        // The year before the one the generated rollups cover, so the two never share a row.
        let at = YEAR_START - 400 * 86_400 + i * 97;
        let g = format!("g{}", i % 300);
        let guest = records::guest_seen(
            c,
            hotspot,
            &GuestSeen {
                uid: &g,
                username: &g,
                method: "email",
                at,
            },
        )?;
        let uid = format!("s{i}");
        let new = records::session_state(c, hotspot, &uid)?.is_none();
        let report = SessionReport {
            uid: &uid,
            guest_id: guest,
            mac: "02:00:00:00:00:01",
            ip: "10.0.0.2",
            unit: "u0",
            started_at: at,
            ended_at: None,
            bytes_down: 0,
            bytes_up: 0,
        };
        records::session(c, hotspot, &report)?;
        if rollups && new {
            rollup.started(c, unit, guest, at)?;
        }
        for (k, end) in [(1, None), (2, Some((at + 1_800, "logout")))] {
            let Some(before) = records::session_state(c, hotspot, &uid)? else {
                continue;
            };
            let counters = (k * 1_000_000, k * 100_000);
            records::session_counters(c, hotspot, &uid, counters, end)?;
            if rollups {
                rollup.counters(c, unit, &before, counters, (end.map(|e| e.0), at + k * 900))?;
            }
        }
    }
    Ok(())
}

async fn ingest_speed(db: &Db, t: &[(i64, [i64; 2])]) {
    const SESSIONS: i64 = 20_000;
    const BATCH: i64 = 250;
    let mut rates = Vec::new();
    for (k, rollups) in [(0, false), (1, true)] {
        let target = (t[k].0, t[k].1[0]);
        let started = Instant::now();
        for b in 0..SESSIONS / BATCH {
            db.tx(Mode::Write, move |c| {
                sample(c, target, b * BATCH, BATCH, rollups)
            })
            .await
            .expect("ingest");
        }
        let rate = SESSIONS as f64 / started.elapsed().as_secs_f64();
        println!(
            "  ingest {} rollups: {SESSIONS} sessions (start, interim, stop) in {:.2?}: {rate:.0} sessions/s",
            if rollups { "with" } else { "without" },
            started.elapsed()
        );
        rates.push(rate);
    }
    println!(
        "  with rollups / without: {:.0}%",
        100.0 * rates[1] / rates[0]
    );
}

/// `n` rows numbered `i` from 0.
fn numbers(n: i64) -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < {})",
        n - 1
    )
}

/// The rollups of `sessions` sessions spread over the year's hours of every hotspot's two
/// units (hours as whole UTC hours: the figures, not the zones, are what is timed here).
fn rollup_rows(
    c: &mut dyn Conn,
    hotspot: i64,
    units: [i64; 2],
    per_hour: i64,
) -> Result<(), DbError> {
    let hours = 365 * 24;
    for unit in units {
        c.execute(
            &format!(
                "{} INSERT INTO rollup_hours (hotspot_id, hour, unit_id, sessions, new_guests,
                 bytes_down, bytes_up, stops, session_secs, d_under_5m, d_5_15m, d_15_60m,
                 d_1_3h, d_over_3h, sms)
                 SELECT $1, $2 + i * 3600, $3, $4 + i % 3, i % 4, i * 1000, i * 100, $4,
                 $4 * 1500, i % 2, 1, 1, 0, 0, i % 5 FROM n",
                numbers(hours)
            ),
            &[
                hotspot.into(),
                YEAR_START.into(),
                unit.into(),
                per_hour.into(),
            ],
        )?;
        c.execute(
            &format!(
                "{} INSERT INTO rollup_methods (hotspot_id, hour, unit_id, method, logins)
                 SELECT $1, $2 + (i / 3) * 3600, $3,
                 CASE i % 3 WHEN 0 THEN 'email' WHEN 1 THEN 'sms' ELSE 'voucher' END, 1 + i % 4
                 FROM n",
                numbers(hours * 3)
            ),
            &[hotspot.into(), YEAR_START.into(), unit.into()],
        )?;
        // About as many guests a day as sessions, a third of them back from other days.
        let guests_per_day = per_hour * 24;
        c.execute(
            &format!(
                "{} INSERT INTO rollup_guest_days (hotspot_id, day, unit_id, guest_id)
                 SELECT $1, {}, $2, (i / $3) * ($3 * 2 / 3) + i % $3 FROM n",
                numbers(365 * guests_per_day),
                "'2026-' || CASE WHEN (i / $3) / 31 + 1 < 10 THEN '0' ELSE '' END
                 || CAST((i / $3) / 31 + 1 AS TEXT) || '-'
                 || CASE WHEN (i / $3) % 28 + 1 < 10 THEN '0' ELSE '' END
                 || CAST((i / $3) % 28 + 1 AS TEXT)"
            ),
            &[hotspot.into(), unit.into(), guests_per_day.into()],
        )?;
    }
    Ok(())
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(v.len() - 1)]
}

async fn reports(db: &Db, t: &[(i64, [i64; 2])], sessions: i64) {
    let per_hour = (sessions / HOTSPOTS / 2 / (365 * 24)).max(1);
    let started = Instant::now();
    for &(h, units) in t {
        db.tx(Mode::Write, move |c| rollup_rows(c, h, units, per_hour))
            .await
            .expect("rollup rows");
    }
    let made = per_hour * 2 * 365 * 24 * HOTSPOTS;
    println!(
        "  rollups of {made} sessions ({per_hour} per unit and hour) made in {:.1?}",
        started.elapsed()
    );
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
    let cases: [(&str, NaiveDate, NaiveDate, bool); 4] = [
        ("7 days", day(6, 10), day(6, 16), false),
        ("30 days", day(6, 1), day(6, 30), false),
        ("366 days", day(1, 1), day(12, 31), false),
        ("30 days, one unit", day(6, 1), day(6, 30), true),
    ];
    for (name, from, to, one_unit) in cases {
        let mut took = Vec::new();
        for i in 0..200usize {
            let (h, units) = t[(i * 37) % t.len()];
            let zone = ZONES[i % 4];
            let start = Instant::now();
            db.tx(Mode::Read, move |c| {
                let z = hotspotd::manager::areas::days::zone(zone);
                let s = Scope {
                    hotspot: h,
                    zone: &z,
                    unit: one_unit.then_some(units[1]),
                    from,
                    to,
                };
                reports_query::range(c, &s)?;
                reports_query::today(c, &s, YEAR_START + 180 * 86_400)?;
                Ok::<_, DbError>(())
            })
            .await
            .expect("report");
            took.push(start.elapsed());
        }
        let p50 = percentile(&mut took, 0.5);
        let p99 = percentile(&mut took, 0.99);
        println!("  report {name} (with today): p50 {p50:.1?}, p99 {p99:.1?}");
    }
}

async fn run(name: &str, url: &str, sessions: i64) {
    println!("{name}:");
    let db = Db::open(url).await.expect("open the database");
    let t = db.tx(Mode::Write, tenants).await.expect("tenants");
    ingest_speed(&db, &t).await;
    reports(&db, &t, sessions).await;
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let sessions = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let which = |b: &str| {
        !args.iter().any(|a| a == "sqlite" || a == "postgres") || args.iter().any(|a| a == b)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if which("sqlite") {
            let dir = tempfile::tempdir().unwrap();
            run(
                "SQLite",
                &format!("sqlite://{}/reports.db", dir.path().display()),
                sessions,
            )
            .await;
        }
        if which("postgres") {
            let pg = postgres::Postgres::start();
            run("PostgreSQL", &pg.url(), sessions).await;
        }
    });
}
