//! Cursor pagination of the guests, devices and sessions lists, API and pages: walking every
//! page gives each row once, newest first (ties on time broken by id); the date range is the
//! hotspot's own days; a garbled or forged cursor is a 400 naming the cursor and nothing else;
//! another hotspot's rows never appear, whatever the cursor. On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use hotspotd::manager::areas::records::{self, GuestSeen, SessionReport};
use hotspotd::manager::db::{DbError, Mode};
use serde_json::Value;

const T0: i64 = 1_768_500_000;

/// Guest `i` of `tag` at `hotspot` logs in at `at(i)` with one session and one device.
async fn seed(w: &World, hotspot: i64, tag: &'static str, n: i64, at: fn(i64) -> i64) {
    w.db.tx(Mode::Write, move |c| {
        for i in 0..n {
            let (uid, mac) = (format!("{tag}{i}"), format!("02:{tag}:00:00:00:{i:02x}"));
            let guest = records::guest_seen(
                c,
                hotspot,
                &GuestSeen {
                    uid: &uid,
                    username: &uid,
                    method: "email",
                    at: at(i),
                },
            )?;
            let report = SessionReport {
                uid: &uid,
                guest_id: guest,
                mac: &mac,
                ip: "10.0.0.9",
                unit: "hall",
                started_at: at(i),
                ended_at: (i % 3 == 0).then(|| at(i) + 60),
                bytes_down: i,
                bytes_up: i,
            };
            records::session(c, hotspot, &report)?;
        }
        Ok::<_, DbError>(())
    })
    .await
    .unwrap();
}

async fn get(w: &World, who: Who, path: &str) -> Value {
    let (status, _, text) = w.send(who, "GET", path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Every page of `path` (which has a `?`) by `limit`: the rows' `key` values in order.
async fn walk(w: &World, who: Who, path: &str, key: &str) -> Vec<String> {
    let (mut rows, mut cursor, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let page = get(w, who, &format!("{path}&limit=4&cursor={cursor}")).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 4);
        rows.extend(items.iter().map(|i| i[key].as_str().unwrap().to_string()));
        pages += 1;
        assert!(pages < 50, "the walk never ends");
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => return rows,
        }
    }
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let (a, b) = (w.hotspot[0], w.hotspot[1]);
    // 13 rows at A, pairs of them at the same second (ties), one a day apart in Rome; B's
    // rows interleave in time.
    w.db.tx(Mode::Write, move |c| {
        c.execute(
            "UPDATE hotspots SET time_zone = 'Europe/Rome' WHERE id = $1",
            &[a.into()],
        )
    })
    .await
    .unwrap();
    seed(&w, a, "aa", 13, |i| T0 + (i / 2) * 3_600).await;
    seed(&w, b, "bb", 9, |i| T0 + i * 1_000).await;
    // Newest first; at the same time, the later id (inserted later) first.
    let mut expected: Vec<(i64, i64)> = (0..13).map(|i| (T0 + (i / 2) * 3_600, i)).collect();
    expected.sort_by(|x, y| y.cmp(x));
    let order: Vec<String> = expected.iter().map(|(_, i)| format!("aa{i}")).collect();

    for (list, key) in [("guests", "username"), ("sessions", "username")] {
        let rows = walk(
            &w,
            Who::CustomerA,
            &format!("/api/v1/hotspots/{a}/{list}?"),
            key,
        )
        .await;
        assert_eq!(rows, order, "{list}");
    }
    let macs = walk(
        &w,
        Who::CustomerA,
        &format!("/api/v1/hotspots/{a}/devices?"),
        "mac",
    )
    .await;
    // A device was last seen when its session ended (every third one, a minute on).
    let mut seen: Vec<(i64, i64)> = expected
        .iter()
        .map(|&(t, i)| (t + if i % 3 == 0 { 60 } else { 0 }, i))
        .collect();
    seen.sort_by(|x, y| y.cmp(x));
    let expected_macs: Vec<String> = seen
        .iter()
        .map(|(_, i)| format!("02:aa:00:00:00:{i:02x}"))
        .collect();
    assert_eq!(macs, expected_macs);
    // Filters keep paging: live sessions (i % 3 != 0), walked 4 at a time.
    let live = walk(
        &w,
        Who::CustomerA,
        &format!("/api/v1/hotspots/{a}/sessions?live=yes"),
        "username",
    )
    .await;
    let live_order: Vec<String> = expected
        .iter()
        .filter(|(_, i)| i % 3 != 0)
        .map(|(_, i)| format!("aa{i}"))
        .collect();
    assert_eq!(live, live_order);

    // The date range is Rome's day: T0 is 2026-01-15 18:00 UTC, 19:00 in Rome; rows up to
    // T0 + 4 h (23:00) are the 15th, from T0 + 5 h (midnight exactly) the 16th.
    let day16 = walk(
        &w,
        Who::CustomerA,
        &format!("/api/v1/hotspots/{a}/sessions?from=2026-01-16&to=2026-01-16"),
        "username",
    )
    .await;
    assert_eq!(
        day16,
        order[..3].to_vec(),
        "10, 11 at T0+5h and 12 at T0+6h"
    );
    let day15 = walk(
        &w,
        Who::CustomerA,
        &format!("/api/v1/hotspots/{a}/guests?to=2026-01-15"),
        "username",
    )
    .await;
    assert_eq!(day15, order[3..].to_vec());
    let (status, _, text) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/api/v1/hotspots/{a}/guests?from=16/01/2026"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text.contains("\"field\":\"from\"") && text.contains("YYYY-MM-DD"),
        "{text}"
    );

    // The page follows the same cursor through its "Next page" link.
    let (status, _, html) = w
        .send(
            Who::DeskA,
            "GET",
            &format!("/hotspots/{a}/guests?limit=12"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let link = html
        .split("href=\"")
        .find(|s| s.starts_with(&format!("/hotspots/{a}/guests?")))
        .and_then(|s| s.split('"').next())
        .expect("a next-page link")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let (_, _, last) = w.send(Who::DeskA, "GET", &link, None).await;
    assert!(
        last.contains(&order[12]) && !last.contains(&format!(">{}<", order[11])),
        "{last}"
    );
    assert!(!last.contains("Next page"));

    // Garbled and forged cursors: a 400 naming the cursor, nothing else.
    let before = w.dump().await;
    for bad in [
        "x",
        "1",
        "1.2.3",
        "-5.1",
        "1.1%20OR%201=1",
        "99999999999999999999.1",
        "%00",
    ] {
        for path in [
            format!("/api/v1/hotspots/{a}/sessions?cursor={bad}"),
            format!("/api/v1/hotspots/{a}/guests?cursor={bad}"),
            format!("/hotspots/{a}/devices?cursor={bad}"),
        ] {
            let (status, _, text) = w.send(Who::CustomerA, "GET", &path, None).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {text}");
            if path.starts_with("/api/") {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["error"]["code"], "bad_cursor");
                assert_eq!(v["error"]["field"], "cursor");
                assert!(v.get("items").is_none());
            } else {
                assert!(
                    text.contains("cursor is not one this list gave out"),
                    "{text}"
                );
            }
        }
    }
    assert_eq!(before, w.dump().await);

    // Another tenant's rows never appear: B's own cursor, a cursor past everything, or
    // asking for B's list from A.
    let theirs = get(
        &w,
        Who::CustomerB,
        &format!("/api/v1/hotspots/{b}/sessions?limit=2"),
    )
    .await;
    let their_cursor = theirs["next_cursor"].as_str().unwrap().to_string();
    for cursor in [their_cursor.as_str(), "9999999999.999999"] {
        let rows = get(
            &w,
            Who::CustomerA,
            &format!("/api/v1/hotspots/{a}/sessions?limit=200&cursor={cursor}"),
        )
        .await;
        for i in rows["items"].as_array().unwrap() {
            assert!(i["username"].as_str().unwrap().starts_with("aa"), "{i}");
        }
    }
    for path in [
        format!("/api/v1/hotspots/{b}/sessions"),
        format!("/api/v1/hotspots/{b}/guests?cursor={their_cursor}"),
        format!("/hotspots/{b}/devices"),
    ] {
        let (status, _, text) = w.send(Who::CustomerA, "GET", &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!text.contains("bb"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_walk_every_row_once_in_order_within_the_tenant_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_walk_every_row_once_in_order_within_the_tenant_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
