//! Guests, devices and sessions in the manager, stored through the manager's own ingest
//! functions (the sync issue will call them): the desk sees who is connected now and their
//! traffic, searches, pages and deletes guests; the customer lists devices and sessions live
//! and ended; reports replayed or out of order never lower counters or reopen a session;
//! another hotspot's guest is not found. On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use hotspotd::manager::areas::records::{self, GuestSeen, SessionReport};
use hotspotd::manager::db::{DbError, Mode};
use serde_json::Value;

/// (guest uid, username, session uid, mac, ended, down, up)
type Report = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    i64,
    i64,
);

async fn ingest(w: &World, hotspot: i64, reports: &[Report]) -> Vec<i64> {
    let reports = reports.to_vec();
    w.db.tx(Mode::Write, move |c| {
        let mut ids = Vec::new();
        for (g, user, s, mac, ended, down, up) in reports {
            let id = records::guest_seen(
                c,
                hotspot,
                &GuestSeen {
                    uid: g,
                    username: user,
                    method: "email",
                    at: 100,
                },
            )?;
            let r = SessionReport {
                uid: s,
                guest_id: id,
                mac,
                ip: "10.77.0.20",
                unit: "lobby",
                started_at: 100,
                ended_at: ended,
                bytes_down: down,
                bytes_up: up,
            };
            records::session(c, hotspot, &r)?;
            ids.push(id);
        }
        Ok::<_, DbError>(ids)
    })
    .await
    .unwrap()
}

async fn get(w: &World, who: Who, path: &str) -> Value {
    let (status, _, text) = w.send(who, "GET", path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap_or("-").to_string())
        .collect()
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let (h, other) = (w.hotspot[0], w.hotspot[1]);
    let ids = ingest(
        &w,
        h,
        &[
            (
                "g1",
                "ann@example.com",
                "s1",
                "02:00:00:00:00:01",
                None,
                1_000_000,
                200_000,
            ),
            (
                "g2",
                "bob_1@example.com",
                "s2",
                "02:00:00:00:00:02",
                Some(500),
                3_000,
                1_000,
            ),
            ("g3", "+393331234567", "s3", "02:00:00:00:00:03", None, 5, 5),
            (
                "g1",
                "ann@example.com",
                "s4",
                "02:00:00:00:00:04",
                Some(400),
                10,
                10,
            ),
        ],
    )
    .await;
    // A replay with lower counters and a stop without end: nothing goes back.
    ingest(
        &w,
        h,
        &[(
            "g2",
            "bob_1@example.com",
            "s2",
            "02:00:00:00:00:02",
            None,
            1,
            1,
        )],
    )
    .await;
    let theirs = ingest(
        &w,
        other,
        &[(
            "g9",
            "zed@example.com",
            "s9",
            "02:00:00:00:00:09",
            None,
            1,
            1,
        )],
    )
    .await[0];

    let base = format!("/api/v1/hotspots/{h}/guests");
    let all = get(&w, Who::DeskA, &base).await;
    assert_eq!(all["online"], 2, "ann and the phone guest are online");
    assert_eq!(
        names(&all, "username"),
        vec!["+393331234567", "bob_1@example.com", "ann@example.com"]
    );
    let ann = &all["items"][2];
    assert_eq!(
        (ann["online"].as_i64(), ann["bytes"].as_i64()),
        (Some(1), Some(1_200_020))
    );
    assert_eq!(all["items"][1]["bytes"], 4_000, "counters never go back");
    let online = get(&w, Who::DeskA, &format!("{base}?live=yes")).await;
    assert_eq!(
        names(&online, "username"),
        vec!["+393331234567", "ann@example.com"]
    );
    let search = get(&w, Who::DeskA, &format!("{base}?q=ANN")).await;
    assert_eq!(names(&search, "username"), vec!["ann@example.com"]);
    // LIKE wildcards in the search are literal: "_" matches only an underscore.
    let literal = get(&w, Who::DeskA, &format!("{base}?q=b_1")).await;
    assert_eq!(names(&literal, "username"), vec!["bob_1@example.com"]);
    assert!(
        get(&w, Who::DeskA, &format!("{base}?q=%25")).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let first = get(&w, Who::DeskA, &format!("{base}?limit=2")).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = get(&w, Who::DeskA, &format!("{base}?limit=2&cursor={cursor}")).await;
    assert_eq!(names(&rest, "username"), vec!["ann@example.com"]);
    assert!(rest["next_cursor"].is_null());
    let (status, _, _) = w
        .send(Who::DeskA, "GET", &format!("{base}?live=maybe"), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, _, page) = w
        .send(Who::DeskA, "GET", &format!("/hotspots/{h}/guests"), None)
        .await;
    assert!(
        page.contains("<strong id=\"online\">2</strong>") && page.contains("1.2 MB"),
        "{page}"
    );

    // Sessions, live and history, for the customer.
    let sessions = format!("/api/v1/hotspots/{h}/sessions");
    assert_eq!(
        get(&w, Who::CustomerA, &sessions).await["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let live = get(&w, Who::CustomerA, &format!("{sessions}?live=yes")).await;
    assert_eq!(
        names(&live, "mac"),
        vec!["02:00:00:00:00:03", "02:00:00:00:00:01"]
    );
    let ended = get(&w, Who::CustomerA, &format!("{sessions}?live=no")).await;
    assert_eq!(
        names(&ended, "mac"),
        vec!["02:00:00:00:00:04", "02:00:00:00:00:02"]
    );
    assert_eq!(ended["items"][1]["duration"], 400);
    let by_mac = get(&w, Who::CustomerA, &format!("{sessions}?q=00:04")).await;
    assert_eq!(names(&by_mac, "username"), vec!["ann@example.com"]);
    let (_, _, page) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/hotspots/{h}/sessions?live=no"),
            None,
        )
        .await;
    let lasted = hotspotd::model::units::format_duration(400);
    assert!(page.contains(&lasted), "{lasted} not on {page}");

    // Another hotspot's guest is not found through this one; nothing changes.
    let before = w.dump().await;
    for (m, p) in [
        ("DELETE", format!("{base}/{theirs}")),
        ("POST", format!("/hotspots/{h}/guests/{theirs}/delete")),
    ] {
        let (status, _, _) = w.send(Who::DeskA, m, &p, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{m} {p}");
    }
    assert_eq!(before, w.dump().await);

    // The desk deletes ann: her sessions go, her devices stay without her.
    let (status, _, _) = w
        .send(
            Who::DeskA,
            "POST",
            &format!("/hotspots/{h}/guests/{}/delete", ids[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let all = get(&w, Who::DeskA, &base).await;
    assert_eq!(
        names(&all, "username"),
        vec!["+393331234567", "bob_1@example.com"]
    );
    assert_eq!(all["online"], 1);
    assert_eq!(
        get(&w, Who::CustomerA, &sessions).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let devices = get(&w, Who::CustomerA, &format!("/api/v1/hotspots/{h}/devices")).await;
    assert_eq!(devices["items"].as_array().unwrap().len(), 4);
    assert!(
        devices["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["username"].is_null())
            .count()
            == 2
    );
    let (_, _, page) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/hotspots/{h}/devices"),
            None,
        )
        .await;
    assert!(
        page.contains("(deleted)") && page.contains("lobby"),
        "{page}"
    );
    let (_, _, audit) = w.send(Who::ResellerA, "GET", "/api/v1/audit", None).await;
    assert!(audit.contains("delete guest") && audit.contains("ann@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_devices_and_sessions_are_listed_filtered_and_deleted_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_devices_and_sessions_are_listed_filtered_and_deleted_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
