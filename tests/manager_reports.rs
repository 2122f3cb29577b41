//! Reports from events posted as units through the real sync ingest, against figures computed
//! by hand: a Rome hotspot across the night daylight saving ends (2026-10-25 lasts 25 hours
//! there: 22:00 UTC the 24th to 23:00 UTC the 25th) with two units, and an India hotspot
//! (UTC+5:30, whose days begin at 18:30 UTC). The unit filter, the same batch posted again,
//! a start and stop sent twice under new seqs, the CSV tables parsed back, the page with its
//! charts, bad input refused with the field named, another tenant's hotspot and unit refused.
//! On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{SyncClient, token};
use hotspotd::manager::db::Mode;
use hotspotd::proto::events::*;
use serde_json::{Value, json};

/// 2026-10-24 22:00 UTC: midnight starting the 25th in Rome (still UTC+2).
const D: i64 = 1_792_879_200;
const H: i64 = 3_600;

fn guest(uid: &str, method: &str) -> EventBody {
    EventBody::Guest(Guest {
        uid: uid.into(),
        username: format!("{uid}@example.com"),
        method: method.into(),
        profile: GuestProfile::default(),
    })
}

fn start(uid: &str, guest: &str, at: i64) -> EventBody {
    EventBody::SessionStart(SessionStart {
        uid: uid.into(),
        guest_uid: guest.into(),
        user: format!("{guest}@example.com"),
        profile: "day".into(),
        mac: format!("02:00:00:00:00:{:02}", uid.len()),
        ip: "10.0.0.2".into(),
        started_at: at,
    })
}

fn interim(uid: &str, down: i64) -> EventBody {
    EventBody::SessionInterim(SessionCounters {
        uid: uid.into(),
        counters: Counters {
            bytes_down: down,
            bytes_up: down / 10,
        },
    })
}

fn stop(uid: &str, at: i64, down: i64) -> EventBody {
    EventBody::SessionStop(SessionStop {
        uid: uid.into(),
        ended_at: at,
        counters: Counters {
            bytes_down: down,
            bytes_up: down / 10,
        },
        cause: "logout".into(),
    })
}

/// Events numbered from `first`, each with its time.
fn batch(first: i64, events: Vec<(i64, EventBody)>) -> String {
    let events = events
        .into_iter()
        .enumerate()
        .map(|(i, (at, body))| Event {
            seq: first + i as i64,
            at,
            body,
        })
        .collect();
    serde_json::to_string(&EventBatch {
        protocol: 1,
        events,
        health: None,
    })
    .unwrap()
}

async fn push(w: &World, unit: &SyncClient, body: &str) {
    let reply = unit
        .call(&w.app, "POST", "/sync/v1/events", body.as_bytes())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

async fn unit(w: &World, hotspot: i64, name: &str) -> SyncClient {
    let (_, secret) = token(w, Who::ResellerA, hotspot).await;
    SyncClient::register(&w.app, &secret, name)
        .await
        .unwrap_or_else(|r| panic!("{} {}", r.status, r.body))
}

async fn get(w: &World, who: Who, path: &str) -> (StatusCode, String) {
    let (status, _, text) = w.send(who, "GET", path, None).await;
    (status, text)
}

async fn report(w: &World, who: Who, path: &str) -> Value {
    let (status, text) = get(w, who, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// (date, connections, unique, new, returning, down, up, sms) of each day.
fn days(r: &Value) -> Vec<Value> {
    r["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            json!([
                d["date"],
                d["sessions"],
                d["unique_guests"],
                d["new_guests"],
                d["returning_guests"],
                d["bytes_down"],
                d["bytes_up"],
                d["sms"]
            ])
        })
        .collect()
}

fn durations(r: &Value) -> Vec<i64> {
    let b = r["durations"].as_array().unwrap();
    b.iter().map(|b| b["sessions"].as_i64().unwrap()).collect()
}

/// The Rome unit u1's first batch (seqs 1-11).
fn rome_u1() -> String {
    batch(
        1,
        vec![
            (D - 1_800, guest("g1", "email")),
            // 23:30 the 24th, local: 40 minutes, its bytes reported after midnight.
            (D - 1_800, start("s1", "g1", D - 1_800)),
            (D + 600, stop("s1", D + 600, 1_000)),
            // 02:30 CEST, the first of the two 02:30s: four hours, in two reports.
            (D + 2 * H + 1_800, start("s2", "g1", D + 2 * H + 1_800)),
            (D + 3 * H + 1_800, interim("s2", 500)),
            (D + 6 * H + 1_800, stop("s2", D + 6 * H + 1_800, 2_000)),
            (D + 3 * H, EventBody::Sms(Sms { count: 3 })),
            // 22:30 UTC the 25th is 23:30 CET, still the 25th (at UTC+2 it would be the 26th).
            (D + 24 * H + 1_800, guest("g2", "sms")),
            (D + 24 * H + 1_800, start("s3", "g2", D + 24 * H + 1_800)),
            (D + 24 * H + 2_000, stop("s3", D + 24 * H + 2_000, 10)),
            (D + 24 * H + 2_000, EventBody::Sms(Sms { count: 2 })),
        ],
    )
}

/// Unit u2: g3 open since noon the 25th, g1 back the 26th for 20 minutes.
fn rome_u2() -> String {
    let s5 = 1_793_001_600; // 2026-10-26 08:00 UTC
    batch(
        1,
        vec![
            (D + 12 * H, guest("g3", "voucher")),
            (D + 12 * H, start("s4", "g3", D + 12 * H)),
            (s5, start("s5", "g1", s5)),
            (s5 + 1_200, stop("s5", s5 + 1_200, 300)),
        ],
    )
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let rome = w.hotspot[0];
    let reseller = w.reseller[0];
    let india =
        w.db.tx(Mode::Write, move |c| {
            c.execute(
                "UPDATE hotspots SET time_zone = 'Europe/Rome' WHERE id = $1",
                &[rome.into()],
            )?;
            let rows: Vec<_> = c.query(
                "INSERT INTO hotspots (reseller_id, name, description, business_name,
                 vat_number, address, privacy_contact, time_zone, created_at)
                 VALUES ($1, 'Goa', '', '', '', '', '', 'Asia/Kolkata', 0) RETURNING id",
                &[reseller.into()],
            )?;
            rows[0].int(0)
        })
        .await
        .unwrap();
    let (u1, u2, u3) = (
        unit(&w, rome, "lobby").await,
        unit(&w, rome, "terrace").await,
        unit(&w, india, "beach").await,
    );
    push(&w, &u1, &rome_u1()).await;
    push(&w, &u2, &rome_u2()).await;
    // India: g9 a minute before and at local midnight (18:29 and 18:30 UTC).
    let (m, n) = (1_792_952_940, 1_792_953_000);
    let india_batch = batch(
        1,
        vec![
            (m, guest("g9", "click")),
            (m, start("s9", "g9", m)),
            (n + 60, stop("s9", n + 60, 100)),
            (n, start("s10", "g9", n)),
        ],
    );
    push(&w, &u3, &india_batch).await;

    let range = "period=custom&from=2026-10-24&to=2026-10-26";
    let all = format!("/api/v1/hotspots/{rome}/reports?{range}");
    let expected_days = vec![
        json!(["2026-10-24", 1, 1, 1, 0, 0, 0, 0]),
        json!(["2026-10-25", 3, 3, 2, 1, 3_010, 301, 5]),
        json!(["2026-10-26", 1, 1, 0, 1, 300, 30, 0]),
    ];
    let check_all = |r: &Value| {
        assert_eq!(days(r), expected_days);
        assert_eq!(
            r["totals"],
            json!({"sessions": 5, "unique_guests": 3, "new_guests": 3, "returning_guests": 0,
                   "bytes_down": 3_310, "bytes_up": 331, "ended_sessions": 4,
                   "average_session_secs": (2_400 + 4 * H + 200 + 1_200) / 4, "sms": 5})
        );
        // Under 5 min: s3; 15-60 min: s1 and s5; over 3 h: s2.
        assert_eq!(durations(r), vec![1, 0, 2, 0, 1]);
        assert_eq!(
            r["methods"],
            json!([{"method": "email", "logins": 3}, {"method": "sms", "logins": 1},
                   {"method": "voucher", "logins": 1}])
        );
        assert_eq!(r["connected_now"], 1, "g3 is still online");
        assert_eq!(r["time_zone"], "Europe/Rome");
    };
    for who in [Who::ResellerA, Who::CustomerA, Who::DeskA] {
        check_all(&report(&w, who, &all).await);
    }

    // One unit: terrace saw g3 (new) and g1 (first seen at the lobby: returning).
    let r = report(&w, Who::DeskA, &format!("{all}&unit={}", u2.unit)).await;
    assert_eq!(
        days(&r),
        vec![
            json!(["2026-10-24", 0, 0, 0, 0, 0, 0, 0]),
            json!(["2026-10-25", 1, 1, 1, 0, 0, 0, 0]),
            json!(["2026-10-26", 1, 1, 0, 1, 300, 30, 0]),
        ]
    );
    assert_eq!(r["totals"]["unique_guests"], 2);
    assert_eq!(r["totals"]["average_session_secs"], 1_200);
    assert_eq!(durations(&r), vec![0, 0, 1, 0, 0]);
    let lobby = report(&w, Who::DeskA, &format!("{all}&unit={}", u1.unit)).await;
    assert_eq!(lobby["connected_now"], 0);

    // India: local midnight at 18:30 UTC splits g9's two sessions; the bytes of the first
    // were reported after it.
    let r = report(
        &w,
        Who::ResellerA,
        &format!("/api/v1/hotspots/{india}/reports?from=2026-10-25&to=2026-10-26"),
    )
    .await;
    assert_eq!(
        days(&r),
        vec![
            json!(["2026-10-25", 1, 1, 1, 0, 0, 0, 0]),
            json!(["2026-10-26", 1, 1, 0, 1, 100, 10, 0]),
        ]
    );
    assert_eq!(r["connected_now"], 1);
    assert_eq!(r["today"].as_array().unwrap().len(), 24);
    assert_eq!(r["today"][0]["hour"], "00:00");

    // Replays: the same batches again (acknowledged seqs: skipped), then the start and stop of
    // s1 and s2's interim again under new seqs (the session rows already hold them).
    push(&w, &u1, &rome_u1()).await;
    push(&w, &u2, &rome_u2()).await;
    let again = batch(
        12,
        vec![
            (D - 1_800, start("s1", "g1", D - 1_800)),
            (D + 600, stop("s1", D + 600, 1_000)),
            (D + 3 * H + 1_800, interim("s2", 500)),
        ],
    );
    push(&w, &u1, &again).await;
    check_all(&report(&w, Who::DeskA, &all).await);

    // CSV, parsed back.
    let (status, text) = get(&w, Who::DeskA, &format!("{all}&format=csv&table=days")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..3], ["date", "connections", "unique_guests"]);
    let rows: Vec<Vec<String>> = csv
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(
        rows[1],
        ["2026-10-25", "3", "3", "2", "1", "3010", "301", "5"]
    );
    let (_, text) = get(&w, Who::DeskA, &format!("{all}&format=csv&table=methods")).await;
    assert_eq!(text, "method,logins\nemail,3\nsms,1\nvoucher,1\n");
    let page_csv = format!("/hotspots/{rome}/reports?{range}&format=csv&table=durations");
    let (status, text) = get(&w, Who::DeskA, &page_csv).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.starts_with("duration,sessions\nunder 5 min,1\n"),
        "{text}"
    );

    // The page: charts and their tables.
    let (status, page) = get(&w, Who::DeskA, &format!("/hotspots/{rome}/reports?{range}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<td id=\"total-sessions\">5</td>"), "{page}");
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 7);
    assert!(!page.contains("<script"));

    // Refused: the field named, nothing else.
    for (query, field) in [
        ("period=custom&from=2026-10-26&to=2026-10-24", "to"),
        ("period=custom&from=2025-01-01&to=2026-01-02", "to"),
        ("period=custom&from=26/10/2026&to=2026-10-27", "from"),
        ("period=90", "period"),
        ("format=xml", "format"),
        ("format=csv&table=guests", "table"),
        (&format!("unit={}", u3.unit), "unit"),
        ("unit=abc", "unit"),
    ] {
        let (status, text) = get(
            &w,
            Who::DeskA,
            &format!("/api/v1/hotspots/{rome}/reports?{query}"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["field"], field, "{query}: {text}");
    }
    // 366 days, both ends included, is the longest range.
    report(
        &w,
        Who::DeskA,
        &format!("/api/v1/hotspots/{rome}/reports?from=2025-10-27&to=2026-10-27"),
    )
    .await;

    // Another tenant: reseller B and customer B see no such hotspot.
    for who in [Who::ResellerB, Who::CustomerB] {
        for path in [all.clone(), format!("/hotspots/{rome}/reports")] {
            let (status, _) = get(&w, who, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who:?} {path}");
        }
    }
    // The desk of hotspot A sees no report of the India hotspot.
    let (status, _) = get(&w, Who::DeskA, &format!("/api/v1/hotspots/{india}/reports")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_match_hand_counted_figures_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_match_hand_counted_figures_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
