//! Settings down: a unit's first changes request is a reset snapshot of its hotspot (profiles,
//! limitations, vouchers as code hashes, settings); later requests carry what changed since the
//! cursor, each with its entity's state now; a long-poll answers within milliseconds of a
//! voucher made through the manager's API (measured and printed), holds while nothing changes
//! and ignores other hotspots; design assets are served to units of their own hotspot only.
//! On SQLite and on PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{SyncClient, registered};
use hotspotd::manager::db::Mode;
use hotspotd::proto::changes::{Change, ChangesResponse};
use serde_json::Value;

async fn poll(w: &World, unit: &SyncClient, cursor: i64, wait: u64) -> ChangesResponse {
    let path = format!("/sync/v1/changes?cursor={cursor}&wait={wait}");
    let reply = unit.call(&w.app, "GET", &path, b"").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

async fn api(w: &World, method: &str, path: &str, body: &str) -> Value {
    let (status, _, text) = w.send(Who::ResellerA, method, path, Some(body)).await;
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn hashes(w: &World, hotspot: i64) -> Vec<String> {
    w.db.tx(Mode::Read, move |c| {
        c.query(
            "SELECT code_hash FROM vouchers WHERE hotspot_id = $1 ORDER BY id",
            &[hotspot.into()],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<Vec<_>, _>>()
    })
    .await
    .unwrap()
}

fn vouchers(r: &ChangesResponse) -> Vec<(String, bool)> {
    r.changes
        .iter()
        .filter_map(|c| match c {
            Change::Voucher(v) => Some((v.code_hash.clone(), v.revoked)),
            _ => None,
        })
        .collect()
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let (h, other) = (w.hotspot[0], w.hotspot[1]);
    let base = format!("/api/v1/hotspots/{h}");
    let profile = api(
        &w,
        "POST",
        &format!("{base}/profiles"),
        r#"{"name":"day","validity":"1d"}"#,
    )
    .await;
    let limitation = api(
        &w,
        "POST",
        &format!("{base}/limitations"),
        r#"{"name":"slow","down":"2M"}"#,
    )
    .await;
    api(
        &w,
        "PUT",
        &format!(
            "{base}/profiles/{}/limitations/{}",
            profile["id"], limitation["id"]
        ),
        "{}",
    )
    .await;
    api(
        &w,
        "POST",
        &format!("{base}/vouchers"),
        r#"{"count":2,"profile":"day"}"#,
    )
    .await;
    let unit = registered(&w, "lobby").await;

    // The first request: a reset snapshot.
    let snap = poll(&w, &unit, 0, 0).await;
    assert!(snap.reset && snap.cursor > 0, "{snap:?}");
    let names: Vec<&str> = snap
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Profile { name, .. } | Change::Limitation { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["day", "slow"]);
    let held: Vec<String> = vouchers(&snap).into_iter().map(|(h, _)| h).collect();
    assert_eq!(held, hashes(&w, h).await);
    // A cursor this feed never gave out is a reset too; nothing new: the same cursor.
    assert!(poll(&w, &unit, snap.cursor + 1000, 0).await.reset);
    let idle = poll(&w, &unit, snap.cursor, 0).await;
    assert!(!idle.reset && idle.changes.is_empty() && idle.cursor == snap.cursor);

    // An entity changed many times leaves one feed row; a unit behind all of the changes
    // gets the entity once, in its last state.
    for days in 2..=6 {
        api(
            &w,
            "PUT",
            &format!("{base}/profiles/{}", profile["id"]),
            &format!(r#"{{"name":"day","validity":"{days}d"}}"#),
        )
        .await;
    }
    let rows =
        w.db.tx(Mode::Read, move |c| {
            c.query(
                "SELECT COUNT(*) FROM sync_changes WHERE hotspot_id = $1 AND kind = 'profile'",
                &[h.into()],
            )?[0]
                .int(0)
        })
        .await
        .unwrap();
    assert_eq!(rows, 1, "one row for the profile changed five times");
    let behind = poll(&w, &unit, snap.cursor, 0).await;
    let specs: Vec<String> = behind
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Profile { spec, .. } => Some(spec.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(specs.len(), 1, "{behind:?}");
    assert!(specs[0].contains(&(6 * 86_400).to_string()), "{specs:?}");
    let snap = poll(&w, &unit, behind.cursor, 0).await;
    assert!(!snap.reset && snap.changes.is_empty());

    // A long-poll held while nothing changes, and while another hotspot changes.
    let theirs = format!("/api/v1/hotspots/{other}/vouchers");
    let (status, _, _) = w
        .send(Who::ResellerB, "POST", &theirs, Some(r#"{"count":1}"#))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let started = Instant::now();
    let held = poll(&w, &unit, snap.cursor, 1).await;
    assert!(held.changes.is_empty() && held.cursor == snap.cursor);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    // A voucher made through the API reaches a waiting long-poll at once.
    let waiting = {
        let (app, path) = (
            w.app.clone(),
            format!("/sync/v1/changes?cursor={}&wait=20", snap.cursor),
        );
        let h = unit.headers("GET", &path, b"");
        tokio::spawn(async move {
            common::sync_client::send(&app, SyncClient::build("GET", &path, &h, b"")).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let made = Instant::now();
    api(
        &w,
        "POST",
        &format!("{base}/vouchers"),
        r#"{"count":1,"profile":"day"}"#,
    )
    .await;
    let reply = waiting.await.unwrap();
    let latency = made.elapsed();
    println!("voucher made through the API reached the long-poll in {latency:?}");
    assert!(latency < Duration::from_secs(2), "{latency:?}");
    let news: ChangesResponse = serde_json::from_str(&reply.body).unwrap();
    let all = hashes(&w, h).await;
    assert_eq!(vouchers(&news), vec![(all[2].clone(), false)]);
    let mut cursor = news.cursor;

    // Revoked, deleted; settings; profile and limitation edits: each in its state now.
    let list = api(&w, "GET", &format!("{base}/vouchers"), "").await;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    api(
        &w,
        "PUT",
        &format!("{base}/vouchers/{}/revoked", ids[1]),
        "",
    )
    .await;
    api(&w, "DELETE", &format!("{base}/vouchers/{}", ids[2]), "").await;
    api(
        &w,
        "POST",
        &format!("{base}/macs"),
        r#"{"mac":"02:00:00:00:00:0a"}"#,
    )
    .await;
    api(
        &w,
        "PUT",
        &format!("{base}/limitations/{}", limitation["id"]),
        r#"{"name":"slower","down":"1M"}"#,
    )
    .await;
    let next = poll(&w, &unit, cursor, 0).await;
    cursor = next.cursor;
    assert_eq!(vouchers(&next), vec![(all[1].clone(), true)]);
    assert!(
        next.changes.contains(&Change::VoucherRemoved {
            code_hash: all[0].clone()
        }),
        "{next:?}"
    );
    let revision = next.changes.iter().find_map(|c| match c {
        Change::Settings { revision, document } => Some((*revision, document.clone())),
        _ => None,
    });
    let (revision, document) = revision.expect("settings change");
    assert_eq!(revision, 1);
    assert!(document.to_string().contains("02:00:00:00:00:0a"));
    assert!(next.changes.contains(&Change::LimitationRemoved {
        name: "slow".into()
    }));
    let day = next.changes.iter().find_map(|c| match c {
        Change::Profile { name, spec } if name == "day" => Some(spec.clone()),
        _ => None,
    });
    assert!(
        day.expect("the attached profile follows")
            .to_string()
            .contains("slower")
    );
    assert!(poll(&w, &unit, cursor, 0).await.changes.is_empty());

    // Assets: this hotspot's by id or bare hash; another hotspot's is not found.
    let mut ids = Vec::new();
    for (who, hotspot) in [(Who::ResellerA, h), (Who::ResellerB, other)] {
        let (status, _, text) = w
            .send_bytes(
                who,
                &format!("/api/v1/hotspots/{hotspot}/design/assets"),
                "image/png",
                common::splash::logo(),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        ids.push(
            serde_json::from_str::<Value>(&text).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mine = unit
        .call(&w.app, "GET", &format!("/sync/v1/assets/{}", ids[0]), b"")
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    let bare = ids[0].split('.').next().unwrap();
    assert_eq!(
        unit.call(&w.app, "GET", &format!("/sync/v1/assets/{bare}"), b"")
            .await
            .status,
        StatusCode::OK
    );
    // The same image uploaded at the other hotspot has the same hash; remove ours to ask for theirs.
    let theirs = ids[1].clone();
    w.db.tx(Mode::Write, move |c| {
        c.execute(
            "DELETE FROM design_assets WHERE hotspot_id = $1",
            &[h.into()],
        )
    })
    .await
    .unwrap();
    let reply = unit
        .call(&w.app, "GET", &format!("/sync/v1/assets/{theirs}"), b"")
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
    for bad in ["x", "..%2F..%2Fetc", &"f".repeat(64)] {
        let reply = unit
            .call(&w.app, "GET", &format!("/sync/v1/assets/{bad}"), b"")
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}");
    }
    let reply = unit
        .call(&w.app, "GET", "/sync/v1/changes?cursor=abc", b"")
        .await;
    assert_eq!(reply.code(), "invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_carries_every_change_to_long_polls_at_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_carries_every_change_to_long_polls_at_once_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
