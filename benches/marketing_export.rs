//! The marketing export at scale: one hotspot with 1,400,000 guests, of whom 1,000,000 consent
//! to marketing now (200,000 withdrew after consenting, 200,000 never consented, 200,000
//! withdrew and consented again), half of them with questionnaire answers (the nationality
//! question is asked, so every row also reads the answers). The real `hotspotd manager`
//! serves the CSV over HTTP to this client, which reads it chunk by chunk and counts the rows;
//! printed: the seeding time, the export's time and size, and the manager's peak RSS
//! (VmHWM) before and after. On SQLite and on PostgreSQL.
//!
//! `cargo bench --bench marketing_export [sqlite|postgres]`; `MARKETING_BENCH_GUESTS=100000`
//! for a smaller run (consenting guests; the others scale with it).

#[path = "../tests/common/postgres.rs"]
#[allow(dead_code)]
mod postgres;
#[path = "manager/process.rs"]
mod process;

use std::time::Instant;

use hotspotd::manager::ManagerState;
use hotspotd::manager::areas::settings_doc;
use hotspotd::manager::auth::{Principal, Role, session};
use hotspotd::manager::db::{Conn, Db, DbError, Mode, Value};
use process::{Manager, pin_to_cpu};

const TOKEN: &str = "hsm_marketing_bench";
const T0: i64 = 1_767_225_600;

fn one(c: &mut dyn Conn, sql: &str, params: &[Value]) -> Result<i64, DbError> {
    c.query(sql, params)?[0].int(0)
}

/// `INSERT … SELECT` over numbers `i` in `from..to`, made inside the database.
fn bulk(c: &mut dyn Conn, (from, to): (i64, i64), insert: &str, select: &str, params: &[Value]) {
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT CAST({from} AS BIGINT) UNION ALL
         SELECT i + 1 FROM n WHERE i < {}) {insert} {select}",
        to - 1
    );
    c.execute(&sql, params).expect("bulk insert");
}

/// The tenant, its customer account with a read token, and the guests; returns the hotspot.
async fn seed(db: &Db, url: &str, consenting: i64) -> i64 {
    let fifth = consenting / 5;
    let (hotspot, customer, reseller) = db
        .tx(Mode::Write, move |c| {
            let r = one(
                c,
                "INSERT INTO resellers (name, disabled, created_at) VALUES ('R', $1, 0) RETURNING id",
                &[false.into()],
            )?;
            let h = one(
                c,
                "INSERT INTO hotspots (reseller_id, name, description, business_name, vat_number,
                 address, privacy_contact, time_zone, created_at)
                 VALUES ($1, 'Bench', '', '', '', '', '', 'Europe/Rome', 0) RETURNING id",
                &[r.into()],
            )?;
            let a = one(
                c,
                "INSERT INTO accounts (username, role, password_hash, must_change_password,
                 reseller_id, hotspot_id, created_at) VALUES ('bench', 'customer', 'x', $1, $2, $3, 0)
                 RETURNING id",
                &[false.into(), r.into(), h.into()],
            )?;
            c.execute(
                "INSERT INTO api_tokens (account_id, name, token_hash, scope, created_at)
                 VALUES ($1, 'bench', $2, 'read', 0)",
                &[a.into(), session::digest(TOKEN).into()],
            )?;
            // Guests i: email, sms and social logins in turn.
            let all = consenting + 2 * fifth;
            bulk(
                c,
                (0, all),
                "INSERT INTO guests (hotspot_id, uid, username, method, first_seen, last_seen,
                 display_name, gender, birth_date)",
                "SELECT CAST($1 AS BIGINT), 'g' || i,
                 CASE i % 3 WHEN 0 THEN 'guest' || i || '@example.com'
                            WHEN 1 THEN '+39333' || i ELSE 'google:' || i END,
                 CASE i % 3 WHEN 0 THEN 'email' WHEN 1 THEN 'sms' ELSE 'social' END,
                 CAST($2 AS BIGINT), CAST($2 AS BIGINT),
                 CASE i % 3 WHEN 2 THEN 'Guest ' || i || ' Surname' END,
                 CASE i % 3 WHEN 2 THEN 'female' END,
                 CASE i % 3 WHEN 2 THEN '1990-02-01' END FROM n",
                &[h.into(), T0.into()],
            );
            let consents = "INSERT INTO guest_consents (hotspot_id, uid, guest_id, purpose,
                 granted, text_sha256, language, how, at)";
            // Every guest but the last fifth consents; the first fifth withdraws later, the
            // second withdraws and consents again.
            for (range, purpose, granted, uid, late) in [
                ((0, consenting + fifth), "marketing", "TRUE", "m", 0),
                ((0, 2 * fifth), "marketing", "FALSE", "w", 10),
                ((fifth, 2 * fifth), "marketing", "TRUE", "r", 20),
                ((consenting + fifth, all), "terms", "TRUE", "t", 0),
            ] {
                bulk(
                    c,
                    range,
                    consents,
                    &format!(
                        "SELECT CAST($1 AS BIGINT), '{uid}' || i, g.id, '{purpose}', {granted},
                         'ab', 'en', 'splash-checkbox', $2 + i + {late} FROM n CROSS JOIN guests g
                         WHERE g.hotspot_id = $1 AND g.uid = 'g' || i"
                    ),
                    &[h.into(), T0.into()],
                );
            }
            bulk(
                c,
                (0, all / 2),
                "INSERT INTO guest_answers (hotspot_id, uid, guest_id, answers, at)",
                "SELECT CAST($1 AS BIGINT), 'a' || i, g.id,
                 '{\"from\":{\"choices\":[\"it\"],\"text\":null}}', CAST($2 AS BIGINT)
                 FROM n CROSS JOIN guests g WHERE g.hotspot_id = $1 AND g.uid = 'g' || (i * 2)",
                &[h.into(), T0.into()],
            );
            Ok::<_, DbError>((h, a, r))
        })
        .await
        .expect("seed");
    let p = Principal {
        account_id: customer,
        username: "bench".into(),
        role: Role::Customer,
        reseller_id: Some(reseller),
        hotspot_id: Some(hotspot),
        csrf: String::new(),
        must_change_password: false,
        address: "bench".into(),
    };
    let q = r#"{"enabled": true, "questions": [{"id": "from", "type": "nationality"}]}"#;
    let state = ManagerState::new(db.clone(), url);
    settings_doc::save(
        &state,
        &p,
        hotspot,
        0,
        "bench",
        String::new(),
        move |_, mut d| {
            d.questionnaire = serde_json::from_str(q).expect("questionnaire");
            Ok(d)
        },
    )
    .await
    .expect("questionnaire");
    hotspot
}

fn hwm_mb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

async fn run(name: &str, url: &str, consenting: i64) {
    let db = Db::open(url).await.expect("open the database");
    let started = Instant::now();
    let hotspot = seed(&db, url, consenting).await;
    if name == "PostgreSQL" {
        db.tx(Mode::Write, |c| c.execute("ANALYZE", &[]))
            .await
            .expect("analyze");
    }
    println!("{name}: seeded in {:.1?}", started.elapsed());
    drop(db);
    let m = Manager::start(url);
    let client = reqwest::Client::new();
    let path = format!("{}/api/v1/hotspots/{hotspot}/marketing/csv", m.base);
    for _ in 0..100 {
        if client.get(&m.base).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    println!(
        "{name}: manager VmHWM before the export: {} MB",
        hwm_mb(m.pid())
    );
    let started = Instant::now();
    let mut res = client
        .get(&path)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("export");
    assert!(res.status().is_success(), "{}", res.status());
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = res.chunk().await.expect("chunk") {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let took = started.elapsed();
    assert_eq!(lines as i64, consenting + 1, "rows and the header");
    println!(
        "{name}: exported {consenting} guests ({} MB) in {took:.1?}; manager VmHWM {} MB",
        bytes >> 20,
        hwm_mb(m.pid())
    );
    m.rss("after the export");
}

fn main() {
    pin_to_cpu(1);
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let all = which.is_empty();
    let consenting = std::env::var("MARKETING_BENCH_GUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if all || which.iter().any(|w| w == "sqlite") {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/marketing.db", dir.path().display());
            run("SQLite", &url, consenting).await;
        }
        if all || which.iter().any(|w| w == "postgres") {
            let pg = postgres::Postgres::start();
            run("PostgreSQL", &pg.url(), consenting).await;
        }
    });
}
