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
use hotspotd::proto::events::{
    Counters, Event, EventBatch, EventBody, SessionStart, SessionStop, UnitStarted, UsageReport,
};

async fn post(w: &World, unit: &SyncClient, seq: i64, body: EventBody) {
    let batch = EventBatch {
        protocol: 1,
        events: vec![Event {
            seq,
            at: 5_000,
            body,
        }],
        health: None,
    };
    let body = serde_json::to_vec(&batch).unwrap();
    let reply = unit.call(&w.app, "POST", "/sync/v1/events", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

async fn report(w: &World, unit: &SyncClient, seq: i64, r: UsageReport) {
    post(w, unit, seq, EventBody::Usage(r)).await;
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

/// The feed's cursor as unit `unit` sees it now.
async fn cursor(w: &World, unit: &SyncClient) -> i64 {
    let reply = unit
        .call(&w.app, "GET", "/sync/v1/changes?cursor=0", b"")
        .await;
    serde_json::from_str::<ChangesResponse>(&reply.body)
        .unwrap()
        .cursor
}

/// A voucher made through the API: its code hash.
async fn voucher(w: &World) -> String {
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
    w.db.tx(Mode::Read, move |c| {
        c.query("SELECT code_hash FROM vouchers", &[])
    })
    .await
    .unwrap()[0]
        .text(0)
        .unwrap()
}

/// Two units report the same voucher in `order`; answers the merge a unit receives.
async fn run(backend: &Backend, n: usize, a_first: bool) -> (Vec<Usage>, Usage, i64) {
    let w = World::new(backend, n).await;
    let hash = voucher(&w).await;
    let (a, b) = (registered(&w, "lobby").await, registered(&w, "bar").await);
    let cursor = cursor(&w, &a).await;
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

fn start(uid: &str, user: &str) -> EventBody {
    EventBody::SessionStart(SessionStart {
        uid: uid.into(),
        guest_uid: format!("guest-{uid}"),
        user: user.into(),
        profile: "day".into(),
        mac: "02:00:00:00:00:01".into(),
        ip: "10.0.0.9".into(),
        started_at: 4_000,
    })
}

fn stop(uid: &str) -> EventBody {
    EventBody::SessionStop(SessionStop {
        uid: uid.into(),
        ended_at: 4_500,
        counters: Counters::default(),
        cause: "user-request".into(),
    })
}

/// Devices of `user` online at `unit`, as a full snapshot tells unit `reader`.
async fn online(w: &World, reader: &SyncClient, unit: i64, user: &str) -> i64 {
    merged(w, reader, 0)
        .await
        .iter()
        .filter(|u| u.user == user)
        .flat_map(|u| u.per_unit.iter())
        .filter(|r| r.unit_id == unit)
        .map(|r| r.online)
        .sum()
}

/// Sessions opening and closing at unit A show as A's devices online in the merge unit B
/// receives, with or without a usage report from A; replays change nothing.
async fn online_scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let hash = voucher(&w).await;
    let (a, b) = (registered(&w, "lobby").await, registered(&w, "bar").await);
    let before = cursor(&w, &b).await;
    post(&w, &a, 1, start("s1", &hash)).await;
    let news = merged(&w, &b, before).await;
    assert_eq!(news.len(), 1, "the start is announced: {news:?}");
    assert_eq!(news[0].first_start, 4_000, "the open session's start");
    assert_eq!(
        news[0].per_unit,
        [UnitUsage {
            unit_id: a.unit,
            bytes_down: 0,
            bytes_up: 0,
            uptime_secs: 0,
            logins: 0,
            online: 1,
        }],
        "online at A before A reported any usage"
    );
    // Replayed: nothing new in the feed, the same count.
    let after_start = cursor(&w, &b).await;
    post(&w, &a, 1, start("s1", &hash)).await;
    assert_eq!(
        cursor(&w, &b).await,
        after_start,
        "a replay appends nothing"
    );
    assert_eq!(online(&w, &b, a.unit, &hash).await, 1);

    post(&w, &a, 2, stop("s1")).await;
    let news = merged(&w, &b, after_start).await;
    assert_eq!(news.len(), 1, "the stop is announced: {news:?}");
    assert!(
        news[0].per_unit.is_empty(),
        "nothing reported, nothing online: {news:?}"
    );
    assert_eq!(online(&w, &b, a.unit, &hash).await, 0);
    post(&w, &a, 2, stop("s1")).await;
    assert_eq!(online(&w, &b, a.unit, &hash).await, 0, "replayed stop");

    // A's usage report and a new session: one row for A with both.
    report(&w, &a, 3, usage(&hash, 4_000, 100, 1)).await;
    post(&w, &a, 4, start("s2", &hash)).await;
    post(&w, &a, 5, start("s3", &hash)).await;
    let snapshot = merged(&w, &b, 0).await;
    assert_eq!(snapshot.len(), 1);
    assert_eq!(snapshot[0].per_unit.len(), 1, "{snapshot:?}");
    let row = &snapshot[0].per_unit[0];
    assert_eq!((row.bytes_down, row.logins, row.online), (100, 1, 2));

    // A restarted with s3 still online: s2 is closed, s3 stays counted.
    let before_restart = cursor(&w, &b).await;
    let restarted = EventBody::UnitStarted(UnitStarted {
        open_sessions: vec!["s3".into()],
    });
    post(&w, &a, 6, restarted.clone()).await;
    assert_eq!(online(&w, &b, a.unit, &hash).await, 1);
    assert_eq!(merged(&w, &b, before_restart).await.len(), 1, "announced");
    let gone = EventBody::UnitStarted(UnitStarted {
        open_sessions: Vec::new(),
    });
    post(&w, &a, 7, gone).await;
    assert_eq!(online(&w, &b, a.unit, &hash).await, 0, "restart closed s3");
    let settled = cursor(&w, &b).await;
    for (seq, body) in [(4, start("s2", &hash)), (6, restarted)] {
        post(&w, &a, seq, body).await;
    }
    assert_eq!(cursor(&w, &b).await, settled, "replays append nothing");
    assert_eq!(online(&w, &b, a.unit, &hash).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_online_at_a_unit_reach_the_others_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    online_scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_online_at_a_unit_reach_the_others_on_postgres() {
    let pg = Postgres::start();
    online_scenario(Backend::Postgres(pg.url())).await;
}
