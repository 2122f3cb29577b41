//! Outbox drain after an hour offline (issue 14): units registered with one-time tokens
//! through the real protocol against the real `hotspotd manager` (pinned to CPU 0; the units
//! on CPU 1), each store filled through the gateway's own store functions with an hour of
//! 1,000 voucher sessions (guest, consents, start, interims, stop, usage; see
//! `outbox_drain/hour.rs`), then the real sync task started: the wall time until every outbox
//! is empty, checked against the manager (its `acked_seq` is the unit's last seq, it holds the
//! 1,000 sessions, all ended). Once with one unit; then a fleet of 10 coming back at once
//! after a manager outage, all in one hotspot (each unit's usage reports go to the other nine
//! through the change feed), and spread over 10 hotspots.
//!
//! `cargo bench --bench outbox_drain [sqlite|postgres] [one|fleet|spread]` (default: all).

#[path = "outbox_drain/hour.rs"]
mod hour;
#[path = "../tests/common/postgres.rs"]
#[allow(dead_code)]
mod postgres;
#[path = "manager/process.rs"]
mod process;
#[path = "manager/tenant.rs"]
mod tenant;
#[path = "outbox_drain/unit.rs"]
mod unit;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotspotd::manager::db::{Db, DbError, Mode};
use hotspotd::sync::{Ctx, run};
use process::{Manager, pin_to_cpu};
use tokio_util::sync::CancellationToken;
use unit::{Idle, KINDS, Unit, file_bytes, offline_unit};

const SESSIONS: i64 = 1_000;
const FLEET: usize = 10;

/// Runs every unit's sync task until its outbox is empty; the time each took.
async fn drain(units: &[Unit]) -> Vec<Duration> {
    let cancel = CancellationToken::new();
    let started = Instant::now();
    let tasks: Vec<_> = units
        .iter()
        .map(|u| {
            let ctx = Ctx {
                gateway: Arc::new(Idle),
                store: u.store.clone(),
            };
            tokio::spawn(run(ctx, None, cancel.clone()))
        })
        .collect();
    let mut done: Vec<Option<Duration>> = vec![None; units.len()];
    while done.iter().any(Option::is_none) {
        for (u, d) in units
            .iter()
            .zip(done.iter_mut())
            .filter(|(_, d)| d.is_none())
        {
            let depth = u.store.run(|s| s.outbox_stats(0)).await.unwrap().depth;
            if depth == 0 {
                *d = Some(started.elapsed());
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "not drained in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cancel.cancel();
    for t in tasks {
        t.await.unwrap();
    }
    done.into_iter().flatten().collect()
}

/// The manager holds all of `u`: its acknowledgement is the unit's last seq, and every
/// session is there and ended. Returns how many signed requests (pushes and long-polls) the
/// unit made: their nonces, all younger than the manager's pruning window.
async fn check(db: &Db, u: &Unit) -> i64 {
    let id = u.id;
    let (acked, sessions, ended, requests) = db
        .tx(Mode::Read, move |c| {
            let acked =
                c.query("SELECT acked_seq FROM units WHERE id = $1", &[id.into()])?[0].int(0)?;
            let r = c.query(
                "SELECT COUNT(*), COUNT(ended_at) FROM guest_sessions WHERE unit_id = $1",
                &[id.into()],
            )?;
            let requests = c.query(
                "SELECT COUNT(*) FROM sync_nonces WHERE unit_id = $1",
                &[id.into()],
            )?[0]
                .int(0)?;
            Ok::<_, DbError>((acked, r[0].int(0)?, r[0].int(1)?, requests))
        })
        .await
        .expect("the manager's view");
    assert_eq!(acked, u.last_seq, "unit {id}: acknowledged through");
    assert_eq!(
        (sessions, ended),
        (SESSIONS, SESSIONS),
        "unit {id}: sessions, ended"
    );
    let error = u
        .store
        .run(|s| s.sync_state())
        .await
        .unwrap()
        .and_then(|s| s.last_error);
    assert!(
        error.is_none(),
        "unit {id}: sync failed on the way: {error:?}"
    );
    requests
}

/// Peak resident memory of this process (the units' side), MB.
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .unwrap_or(0)
        / 1024
}

/// One line of the summary table.
struct Figures {
    scenario: String,
    records: usize,
    secs: f64,
    manager_cpu: f64,
    units_cpu: f64,
}

/// `count` units, unit `k` in `hotspots[k % len]`, each with its hour offline, drained.
async fn scenario(m: &Manager, db: &Db, hotspots: &[i64], count: usize) -> Figures {
    let label = format!("{count} unit(s), {} hotspot(s)", hotspots.len());
    println!("  {label}, {SESSIONS} sessions per unit:");
    let filled = Instant::now();
    let mut units = Vec::new();
    for k in 0..count {
        let mut token = tenant::unit_tokens(db, hotspots[k % hotspots.len()], 1).await;
        let (unit, outbox) = offline_unit(&m.base, token.remove(0), k, SESSIONS).await;
        if k == 0 {
            let kinds: Vec<String> = KINDS
                .iter()
                .zip(outbox.kinds)
                .map(|(name, n)| format!("{n} {name}"))
                .collect();
            println!(
                "    outbox of one unit: {} records ({}), {:.2} MB as JSON, store {:.1} MB, last seq {}",
                outbox.records,
                kinds.join(", "),
                outbox.json_bytes as f64 / 1e6,
                file_bytes(unit.dir.path()) as f64 / 1e6,
                unit.last_seq,
            );
        }
        units.push(unit);
    }
    println!("    registered and filled in {:.1?}", filled.elapsed());
    let cpu = || {
        (
            tenant::cpu_secs(m.pid()),
            tenant::cpu_secs(std::process::id()),
        )
    };
    let before = cpu();
    let took = drain(&units).await;
    let after = cpu();
    let (manager_cpu, units_cpu) = (after.0 - before.0, after.1 - before.1);
    let mut requests = 0;
    for u in &units {
        requests += check(db, u).await;
    }
    let records: usize = units.iter().map(|u| u.records).sum();
    let secs = took.iter().max().map_or(0.0, Duration::as_secs_f64);
    let first = took.iter().min().map_or(0.0, Duration::as_secs_f64);
    println!(
        "    drained {records} records in {secs:.2} s (first unit empty after {first:.2} s): \
         {:.0} records/s; CPU: manager {manager_cpu:.1} s, units {units_cpu:.1} s\n    checked: \
         acked_seq = last seq, {SESSIONS} sessions per unit, all ended; signed requests \
         (pushes and long-polls) {:.0} per unit",
        records as f64 / secs,
        requests as f64 / count as f64
    );
    println!("    peak RSS of the units' process {} MB", peak_rss_mb());
    m.rss(&format!("after {label}"));
    Figures {
        scenario: label,
        records,
        secs,
        manager_cpu,
        units_cpu,
    }
}

async fn backend(name: &str, url: &str, which: &dyn Fn(&str) -> bool) -> Vec<(String, Figures)> {
    println!("{name}:");
    let db = Db::open(url).await.expect("open the database");
    // Fresh hotspots per scenario: one, one for the fleet, one per unit for the spread fleet.
    let hotspots = tenant::seed(&db, "hsm_outbox_drain", 2 + FLEET).await;
    let m = Manager::start(url);
    tenant::wait_ready(&reqwest::Client::new(), &m.base).await;
    let mut out = Vec::new();
    let plan = [
        ("one", 1, &hotspots[0..1]),
        ("fleet", FLEET, &hotspots[1..2]),
        ("spread", FLEET, &hotspots[2..]),
    ];
    for (arg, count, hotspots) in plan {
        if which(arg) {
            out.push((name.to_string(), scenario(&m, &db, hotspots, count).await));
        }
    }
    out
}

fn main() {
    pin_to_cpu(1);
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let which = |choices: &[&str], b: &str| {
        !args.iter().any(|a| choices.contains(&a.as_str())) || args.iter().any(|a| a == b)
    };
    let scenarios = |s: &str| which(&["one", "fleet", "spread"], s);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let figures = rt.block_on(async {
        let mut all = Vec::new();
        if which(&["sqlite", "postgres"], "sqlite") {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/manager.db", dir.path().display());
            all.extend(backend("SQLite", &url, &scenarios).await);
        }
        if which(&["sqlite", "postgres"], "postgres") {
            let pg = postgres::Postgres::start();
            all.extend(backend("PostgreSQL", &pg.url(), &scenarios).await);
        }
        all
    });
    println!(
        "\n{:<11} {:<26} {:>8} {:>8} {:>10} {:>14} {:>12}",
        "manager", "scenario", "records", "drain s", "records/s", "manager CPU s", "units CPU s"
    );
    for (name, f) in figures {
        println!(
            "{name:<11} {:<26} {:>8} {:>8.2} {:>10.0} {:>14.1} {:>12.1}",
            f.scenario,
            f.records,
            f.secs,
            f.records as f64 / f.secs,
            f.manager_cpu,
            f.units_cpu
        );
    }
}
