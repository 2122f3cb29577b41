//! Past one machine: two manager instances, each with its own pool and feed listener, on one
//! PostgreSQL. A change made through instance A reaches a unit long-polling instance B within
//! 2 s (measured and printed); a replay refused by one is refused by the other; a unit that
//! fails over from A to B keeps its cursor and its acknowledged sequence (nothing applied
//! twice). PostgreSQL only: SQLite is one process's file.

mod common;

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use common::manager::{Backend, URL, Who, World};
use common::postgres::Postgres;
use common::sync_client::{SyncClient, registered, send};
use hotspotd::manager::db::{Db, Mode};
use hotspotd::manager::{ManagerState, app};
use hotspotd::proto::changes::ChangesResponse;
use hotspotd::proto::events::{Event, EventBatch, EventBody, Sms};

async fn changes(app: &Router, unit: &SyncClient, cursor: i64, wait: u64) -> ChangesResponse {
    let path = format!("/sync/v1/changes?cursor={cursor}&wait={wait}");
    let reply = unit.call(app, "GET", &path, b"").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

fn sms(seqs: std::ops::RangeInclusive<i64>) -> Vec<u8> {
    let events = seqs
        .map(|seq| Event {
            seq,
            at: 1_000,
            body: EventBody::Sms(Sms { count: 1 }),
        })
        .collect();
    serde_json::to_vec(&EventBatch {
        protocol: 1,
        events,
        health: None,
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_instance_wakes_a_long_poll_on_the_other() {
    let pg = Postgres::start();
    let w = World::new(&Backend::Postgres(pg.url()), 1).await;
    w.db.listen_feed();
    let second = Db::open(&w.url).await.unwrap();
    second.listen_feed();
    let b = app(ManagerState::new(second, URL));
    let unit = registered(&w, "lobby").await;
    let snap = changes(&b, &unit, 0, 0).await;
    assert!(snap.reset);
    // Time for both listeners to connect and LISTEN.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let h = w.hotspot[0];
    let mut cursor = snap.cursor;
    let mut worst = Duration::ZERO;
    for round in 0..3 {
        let path = format!("/sync/v1/changes?cursor={cursor}&wait=20");
        let headers = unit.headers("GET", &path, b"");
        let b2 = b.clone();
        let waiting =
            tokio::spawn(
                async move { send(&b2, SyncClient::build("GET", &path, &headers, b"")).await },
            );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let made = Instant::now();
        let (status, _, _) = w
            .send(
                Who::ResellerA,
                "POST",
                &format!("/api/v1/hotspots/{h}/vouchers"),
                Some(r#"{"count":1}"#),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let reply = waiting.await.unwrap();
        let latency = made.elapsed();
        println!(
            "round {round}: a voucher made through A reached the long-poll on B in {latency:?}"
        );
        worst = worst.max(latency);
        let news: ChangesResponse = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(news.changes.len(), 1, "{}", reply.body);
        cursor = news.cursor;
    }
    assert!(worst < Duration::from_secs(2), "{worst:?}");

    // A replay refused across instances (separate pools).
    let body = sms(1..=2);
    let headers = unit.headers("POST", "/sync/v1/events", &body);
    let first = send(
        &w.app,
        SyncClient::build("POST", "/sync/v1/events", &headers, &body),
    )
    .await;
    assert_eq!(first.json()["acked_through"], 2);
    let replay = send(
        &b,
        SyncClient::build("POST", "/sync/v1/events", &headers, &body),
    )
    .await;
    assert_eq!(replay.code(), "replayed");

    // Failover: the unit resends its unacknowledged batch to B: only the new event applies;
    // its cursor from A is good at B.
    let resent = unit.call(&b, "POST", "/sync/v1/events", &sms(1..=3)).await;
    assert_eq!(resent.json()["acked_through"], 3);
    let counts =
        w.db.tx(Mode::Read, |c| {
            c.query("SELECT events_ingested FROM units", &[])
        })
        .await
        .unwrap();
    assert_eq!(counts[0].int(0).unwrap(), 3);
    let idle = changes(&b, &unit, cursor, 0).await;
    assert!(!idle.reset && idle.changes.is_empty());
}
