//! Several units in one hotspot: each unit's cumulative usage of a voucher is kept apart and
//! pushed back to the hotspot's units as every unit's row with the earliest first login; the
//! merge is the same whatever order the reports arrive in and however often they are resent,
//! and the voucher's logins count hotspot-wide. On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{SyncClient, registered};
use hotspotd::manager::db::Mode;
use hotspotd::proto::changes::{Change, ChangesResponse, UnitUsage, Usage};
use hotspotd::proto::events::{Event, EventBatch, EventBody, UsageReport};

async fn report(w: &World, unit: &SyncClient, seq: i64, r: UsageReport) {
    let batch = EventBatch {
        protocol: 1,
        events: vec![Event {
            seq,
            at: 5_000,
            body: EventBody::Usage(r),
        }],
        health: None,
    };
    let body = serde_json::to_vec(&batch).unwrap();
    let reply = unit.call(&w.app, "POST", "/sync/v1/events", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

fn usage(user: &str, first_start: i64, bytes: i64, logins: i64) -> UsageReport {
    UsageReport {
        user: user.into(),
        profile: "day".into(),
        first_start,
        bytes_down: bytes,
        bytes_up: bytes / 2,
        uptime_secs: bytes / 10,
        logins,
    }
}

/// The usage changes a unit of the hotspot receives after `cursor`.
async fn merged(w: &World, unit: &SyncClient, cursor: i64) -> Vec<Usage> {
    let reply = unit
        .call(
            &w.app,
            "GET",
            &format!("/sync/v1/changes?cursor={cursor}"),
            b"",
        )
        .await;
    let r: ChangesResponse = serde_json::from_str(&reply.body).unwrap();
    r.changes
        .into_iter()
        .filter_map(|c| match c {
            Change::Usage(u) => Some(u),
            _ => None,
        })
        .collect()
}

/// Two units report the same voucher in `order`; answers the merge a unit receives.
async fn run(backend: &Backend, n: usize, a_first: bool) -> (Vec<Usage>, Usage, i64) {
    let w = World::new(backend, n).await;
    let h = w.hotspot[0];
    let (status, _, _) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("/api/v1/hotspots/{h}/vouchers"),
            Some(r#"{"count":1}"#),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let hash =
        w.db.tx(Mode::Read, move |c| {
            c.query("SELECT code_hash FROM vouchers", &[])
        })
        .await
        .unwrap()[0]
            .text(0)
            .unwrap();
    let (a, b) = (registered(&w, "lobby").await, registered(&w, "bar").await);
    let cursor = {
        let reply = a
            .call(&w.app, "GET", "/sync/v1/changes?cursor=0", b"")
            .await;
        serde_json::from_str::<ChangesResponse>(&reply.body)
            .unwrap()
            .cursor
    };
    let (first, second) = if a_first { (&a, &b) } else { (&b, &a) };
    let (early, late) = if a_first { (1_000, 900) } else { (900, 1_000) };
    report(&w, first, 1, usage(&hash, early, 100, 1)).await;
    report(&w, second, 1, usage(&hash, late, 40, 2)).await;
    // Resent (seq already acknowledged) and a later report of the first unit.
    report(&w, first, 1, usage(&hash, early, 100, 1)).await;
    report(&w, first, 2, usage(&hash, early, 150, 1)).await;
    let news = merged(&w, &b, cursor).await;
    let logins =
        w.db.tx(Mode::Read, move |c| {
            c.query("SELECT logins FROM vouchers", &[])
        })
        .await
        .unwrap()[0]
            .int(0)
            .unwrap();
    let snapshot = merged(&w, &a, 0).await;
    assert_eq!(snapshot.len(), 1);
    (news, snapshot[0].clone(), logins)
}

async fn scenario(backend: Backend) {
    let (news, snapshot, logins) = run(&backend, 1, true).await;
    assert_eq!(
        news.len(),
        1,
        "one change per user and profile in an answer: {news:?}"
    );
    let merged = &news[0];
    assert_eq!(merged, &snapshot);
    assert_eq!(merged.first_start, 900, "the earliest first login");
    let (units, sums): (Vec<i64>, Vec<i64>) = merged
        .per_unit
        .iter()
        .map(|u: &UnitUsage| (u.unit_id, u.bytes_down))
        .unzip();
    assert_eq!(units.len(), 2);
    assert_eq!(
        sums.iter().sum::<i64>(),
        190,
        "each unit's latest cumulative counters: {merged:?}"
    );
    assert_eq!(logins, 3, "logins count hotspot-wide");
    // The other order gives the same merge (unit ids aside).
    let (_, reversed, logins) = run(&backend, 2, false).await;
    assert_eq!(reversed.first_start, 900);
    let mut sums: Vec<i64> = reversed.per_unit.iter().map(|u| u.bytes_down).collect();
    sums.sort();
    assert_eq!(sums, [40, 150]);
    assert_eq!(logins, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_of_two_units_merges_as_sum_and_earliest_start_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_of_two_units_merges_as_sum_and_earliest_start_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
