//! Sync under load, over HTTP with real signatures against the real `hotspotd manager`
//! (pinned to CPU 0; this client on CPU 1): N units (1,000 and 10,000) of one hotspot register
//! with one-time tokens and long-poll the change feed; one voucher batch made through the API
//! must reach all of them (time to the last, p50), with the manager's RSS and CPU time; then
//! session records ingested per second (start and stop events in batches of 500 from 10 units).
//! One hotspot is the worst case: every waiter wakes for the one change.
//!
//! `cargo bench --bench sync_load [sqlite|postgres] [-- UNITS...]` (default both, 1000 10000).

#[path = "../tests/common/postgres.rs"]
#[allow(dead_code)]
mod postgres;
#[path = "manager/process.rs"]
mod process;
#[path = "manager/tenant.rs"]
mod tenant;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotspotd::manager::db::Db;
use hotspotd::proto::auth::{HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, HEADER_UNIT, UnitKey};
use hotspotd::proto::changes::ChangesResponse;
use hotspotd::proto::events::{Counters, Event, EventBatch, EventBody, SessionStart, SessionStop};
use process::{Manager, pin_to_cpu};
use tokio::sync::Semaphore;

const API_TOKEN: &str = "hsm_sync_load";

struct Unit {
    id: i64,
    key: UnitKey,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn signed(
    client: &reqwest::Client,
    base: &str,
    u: &Unit,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let s = u.key.sign_request(u.id, method, path, now(), &body);
    let req = if method == "GET" {
        client.get(format!("{base}{path}"))
    } else {
        client.post(format!("{base}{path}"))
    };
    req.header(HEADER_UNIT, s.unit.to_string())
        .header(HEADER_TIME, s.time.to_string())
        .header(HEADER_NONCE, s.nonce)
        .header(HEADER_SIGNATURE, s.signature)
        .header("content-type", "application/json")
        .body(body)
}

/// `n` units registered over HTTP with tokens made in the database (their hashes only).
async fn register(
    client: &reqwest::Client,
    base: &str,
    db: &Db,
    hotspot: i64,
    n: usize,
) -> Vec<Arc<Unit>> {
    let secrets = tenant::unit_tokens(db, hotspot, n).await;
    let gate = Arc::new(Semaphore::new(64));
    let mut tasks = Vec::new();
    for (i, secret) in secrets.into_iter().enumerate() {
        let (client, base, gate) = (client.clone(), base.to_string(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let key = UnitKey::from_pkcs8(&UnitKey::generate().unwrap()).unwrap();
            let body = serde_json::json!({"token": secret, "name": format!("unit-{i}"),
                "public_key": key.public_hex(), "protocol": 1, "version": "load"});
            let res = client
                .post(format!("{base}/sync/v1/register"))
                .json(&body)
                .send()
                .await
                .expect("register");
            let v: serde_json::Value = res.json().await.expect("register answer");
            Arc::new(Unit {
                id: v["unit_id"].as_i64().expect("unit id"),
                key,
            })
        }));
    }
    let mut units = Vec::new();
    for t in tasks {
        units.push(t.await.unwrap());
    }
    units
}

async fn changes(
    client: &reqwest::Client,
    base: &str,
    u: &Unit,
    cursor: i64,
    wait: u64,
) -> ChangesResponse {
    let path = format!("/sync/v1/changes?cursor={cursor}&wait={wait}");
    let res = signed(client, base, u, "GET", &path, Vec::new())
        .send()
        .await
        .expect("changes");
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.expect("changes answer")
}

async fn long_polls(m: &Manager, client: &reqwest::Client, db: &Db, hotspot: i64, n: usize) {
    let base = m.base.clone();
    let started = Instant::now();
    let units = register(client, &base, db, hotspot, n).await;
    println!(
        "  {n} units registered over HTTP in {:.1?}",
        started.elapsed()
    );
    let cursor = changes(client, &base, &units[0], 0, 0).await.cursor;
    let cpu_before = tenant::cpu_secs(m.pid());
    let mut tasks = Vec::new();
    for u in &units {
        let (client, base, u) = (client.clone(), base.clone(), u.clone());
        tasks.push(tokio::spawn(async move {
            let news = changes(&client, &base, &u, cursor, 25).await;
            (Instant::now(), news.changes.len())
        }));
    }
    // Time for every long-poll to be signed, checked and waiting.
    tokio::time::sleep(Duration::from_millis(3_000 + n as u64 / 2)).await;
    m.rss(&format!("with {n} long-polls waiting"));
    let made = Instant::now();
    let res = client
        .post(format!("{base}/api/v1/hotspots/{hotspot}/vouchers"))
        .bearer_auth(API_TOKEN)
        .json(&serde_json::json!({"count": 1}))
        .send()
        .await
        .expect("voucher");
    assert!(res.status().is_success(), "{}", res.status());
    let mut arrivals = Vec::new();
    for t in tasks {
        let (at, count) = t.await.unwrap();
        assert_eq!(
            count, 1,
            "a long-poll ended without the voucher (waited too long to start?)"
        );
        arrivals.push(at.duration_since(made));
    }
    arrivals.sort();
    println!(
        "  one change reached all {n} long-polls in {:.2?} (p50 {:.2?}); manager CPU {:.1} s",
        arrivals[n - 1],
        arrivals[n / 2],
        tenant::cpu_secs(m.pid()) - cpu_before
    );
    m.rss(&format!("after {n} long-polls"));
}

fn session_events(seq: &mut i64, base: usize, n: usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(n * 2);
    for i in base..base + n {
        let uid = format!("s{i}");
        for body in [
            EventBody::SessionStart(SessionStart {
                uid: uid.clone(),
                guest_uid: format!("g{}", i % 1000),
                user: "bench".into(),
                profile: "day".into(),
                mac: format!(
                    "02:00:00:{:02x}:{:02x}:{:02x}",
                    i >> 16 & 255,
                    i >> 8 & 255,
                    i & 255
                ),
                ip: "10.0.0.1".into(),
                started_at: 1_000,
            }),
            EventBody::SessionStop(SessionStop {
                uid,
                ended_at: 2_000,
                counters: Counters {
                    bytes_down: 1_000,
                    bytes_up: 100,
                },
                cause: "user-request".into(),
            }),
        ] {
            *seq += 1;
            out.push(Event {
                seq: *seq,
                at: 1_000,
                body,
            });
        }
    }
    out
}

async fn ingest(m: &Manager, client: &reqwest::Client, db: &Db, hotspot: i64) {
    const UNITS: usize = 10;
    const BATCHES: usize = 20;
    const SESSIONS: usize = 250; // 500 events per batch
    let units = register(client, &m.base, db, hotspot, UNITS).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (k, u) in units.into_iter().enumerate() {
        let (client, base) = (client.clone(), m.base.clone());
        tasks.push(tokio::spawn(async move {
            let mut seq = 0;
            for b in 0..BATCHES {
                let events = session_events(&mut seq, (k * BATCHES + b) * SESSIONS, SESSIONS);
                let body = serde_json::to_vec(&EventBatch {
                    protocol: 1,
                    events,
                    health: None,
                })
                .unwrap();
                let res = signed(&client, &base, &u, "POST", "/sync/v1/events", body)
                    .send()
                    .await
                    .expect("events");
                assert!(res.status().is_success(), "{}", res.status());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let events = UNITS * BATCHES * SESSIONS * 2;
    let took = started.elapsed();
    println!(
        "  ingest: {events} session records in {took:.2?}: {:.0} records/s",
        events as f64 / took.as_secs_f64()
    );
}

async fn run(name: &str, url: &str, sizes: &[usize]) {
    println!("{name}:");
    let db = Db::open(url).await.expect("open the database");
    let hotspot = tenant::seed(&db, API_TOKEN, 1).await[0];
    let m = Manager::start(url);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(20_000)
        .build()
        .unwrap();
    tenant::wait_ready(&client, &m.base).await;
    for &n in sizes {
        long_polls(&m, &client, &db, hotspot, n).await;
    }
    ingest(&m, &client, &db, hotspot).await;
}

fn main() {
    pin_to_cpu(1);
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
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
                &format!("sqlite://{}/sync.db", dir.path().display()),
                &sizes,
            )
            .await;
        }
        if which("postgres") {
            let pg = postgres::Postgres::start();
            run("PostgreSQL", &pg.url(), &sizes).await;
        }
    });
}
