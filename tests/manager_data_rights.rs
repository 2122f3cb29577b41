//! Guests' data rights at the manager, with records sent by a unit through the real signed
//! ingest: the access JSON holds one guest's data and nothing of another; erasure removes the
//! personal data from every table (the dump is searched) while session counts, bytes and the
//! consent ledger stay; the desk and other tenants get 404 and change nothing; events a unit
//! sends after the erasure (late or replayed) do not bring the data back; the erasure is in the
//! change feed and in a reset snapshot; the retention sweep erases exactly the guests inactive
//! past the limit and drops old session rows, and does nothing run again. SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{SyncClient, registered};
use hotspotd::manager::areas::records::{self, GuestSeen, SessionReport};
use hotspotd::manager::db::{DbError, Mode};
use hotspotd::manager::retention::{Swept, sweep};
use hotspotd::proto::events::*;
use serde_json::{Value, json};

/// What must vanish with Ann (and stay with Bob).
const ANN: [&str; 6] = [
    "ann@example.com",
    "02:00:00:00:00:0a",
    "10.77.0.10",
    "Ann Example",
    "ann-social-id",
    "a secret note by ann",
];
const BOB: [&str; 3] = ["bob@example.com", "02:00:00:00:00:0b", "10.77.0.11"];

/// A guest's events: who, a consent, an answer, a session with traffic.
fn guest_events(seq: i64, who: &str, mac: &str, ip: &str, session: &str) -> Vec<Event> {
    let name = who.split('@').next().unwrap_or_default().to_string();
    let uid = format!("g-{name}");
    let mut profile = GuestProfile::default();
    if name == "ann" {
        profile.provider = Some("op".into());
        profile.subject = Some("ann-social-id".into());
        profile.name = Some("Ann Example".into());
        profile.email = Some(who.into());
        profile.gender = Some("female".into());
    }
    let bodies = vec![
        EventBody::Guest(Guest {
            uid: uid.clone(),
            username: who.into(),
            method: "email".into(),
            profile,
        }),
        EventBody::Consent(Consent {
            uid: format!("c-{name}-{seq}"),
            guest_uid: uid.clone(),
            purpose: "marketing".into(),
            granted: true,
            text_sha256: "ab".repeat(32),
            language: "en".into(),
            how: "checkbox".into(),
        }),
        EventBody::Answer(Answer {
            uid: format!("a-{name}-{seq}"),
            guest_uid: uid.clone(),
            answers: json!({"reason": {"choices": ["leisure"], "text": format!("a secret note by {name}")}}),
        }),
        EventBody::SessionStart(SessionStart {
            uid: session.into(),
            guest_uid: uid,
            user: "day-voucher".into(),
            profile: "day".into(),
            mac: mac.into(),
            ip: ip.into(),
            started_at: 1_000,
        }),
        EventBody::SessionStop(SessionStop {
            uid: session.into(),
            ended_at: 2_000,
            counters: Counters {
                bytes_down: 5_000,
                bytes_up: 500,
            },
            cause: "user-request".into(),
        }),
    ];
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Event {
            seq: seq + i as i64,
            at: 1_000 + i as i64,
            body,
        })
        .collect()
}

async fn push(w: &World, unit: &SyncClient, events: Vec<Event>) {
    let batch = EventBatch {
        protocol: 1,
        events,
        health: None,
    };
    let body = serde_json::to_vec(&batch).unwrap();
    let reply = unit.call(&w.app, "POST", "/sync/v1/events", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

async fn guest_id(w: &World, h: i64, q: &str) -> i64 {
    let path = format!("/api/v1/hotspots/{h}/guests?q={q}");
    let (_, _, text) = w.send(Who::CustomerA, "GET", &path, None).await;
    let v: Value = serde_json::from_str(&text).unwrap();
    v["items"][0]["id"].as_i64().unwrap()
}

/// Sessions, their bytes and consent rows of the hotspot: what reports count.
async fn counts(w: &World, h: i64) -> (i64, i64, i64) {
    w.db.tx(Mode::Read, move |c| {
        let s = c
            .query_opt(
                "SELECT COUNT(*), CAST(COALESCE(SUM(bytes_down + bytes_up), 0) AS BIGINT)
                 FROM guest_sessions WHERE hotspot_id = $1",
                &[h.into()],
            )?
            .unwrap();
        let consents = c
            .query_opt(
                "SELECT COUNT(*) FROM guest_consents WHERE hotspot_id = $1",
                &[h.into()],
            )?
            .unwrap();
        Ok::<_, DbError>((s.int(0)?, s.int(1)?, consents.int(0)?))
    })
    .await
    .unwrap()
}

fn found(dump: &[String], needles: &[&str]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| dump.iter().any(|row| row.contains(*n)))
        .map(|n| n.to_string())
        .collect()
}

async fn access_and_erasure(backend: Backend) {
    let w = World::new(&backend, 0).await;
    let h = w.hotspot[0];
    let unit = registered(&w, "lobby").await;
    let mut events = guest_events(1, "ann@example.com", ANN[1], ANN[2], "s-ann");
    events.extend(guest_events(6, "bob@example.com", BOB[1], BOB[2], "s-bob"));
    push(&w, &unit, events).await;
    let ann = guest_id(&w, h, "ann").await;
    let bob = guest_id(&w, h, "bob").await;

    // Access: Ann's data, all of it, and nothing of Bob.
    let data = format!("/api/v1/hotspots/{h}/guests/{ann}/data");
    let (status, _, text) = w.send(Who::CustomerA, "GET", &data, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["guest"]["username"], "ann@example.com");
    assert_eq!(d["guest"]["social"]["name"], "Ann Example");
    assert_eq!(d["devices"][0]["mac"], ANN[1]);
    assert_eq!(d["devices"][0]["ip"], ANN[2]);
    assert_eq!(d["sessions"][0]["bytes_down"], 5_000);
    assert_eq!(d["consents"][0]["purpose"], "marketing");
    assert_eq!(d["consents"][0]["granted"], true);
    assert_eq!(d["consents"][0]["text_sha256"], "ab".repeat(32));
    assert!(text.contains("a secret note by ann"), "{text}");
    for b in BOB.iter().chain(["g-bob", "s-bob"].iter()) {
        assert!(!text.contains(b), "Bob's {b} in Ann's data: {text}");
    }

    // Refused: the desk, another tenant's reseller and customer, another hotspot's path to
    // Ann's id. Nothing changes.
    let before = w.dump().await;
    let erase = format!("/api/v1/hotspots/{h}/guests/{ann}/erase");
    let other = format!("/api/v1/hotspots/{}/guests/{ann}", w.hotspot[1]);
    for who in [Who::DeskA, Who::ResellerB, Who::CustomerB] {
        for (method, path) in [
            ("GET", data.clone()),
            ("POST", erase.clone()),
            ("GET", format!("{other}/data")),
            ("POST", format!("{other}/erase")),
        ] {
            let (status, _, text) = w.send(who, method, &path, Some("")).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{who:?} {method} {path}: {text}"
            );
        }
    }
    let (status, _, _) = w
        .send(Who::CustomerB, "GET", &format!("{other}/data"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The page form without its confirmation.
    let page = format!("/hotspots/{h}/guests/{ann}/erase");
    let (status, _, text) = w.send(Who::CustomerA, "POST", &page, Some("")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("confirm"), "{text}");
    assert_eq!(
        before,
        w.dump().await,
        "a refused request changed something"
    );

    // Erasure, through the page's confirmed form.
    let counted = counts(&w, h).await;
    let (status, location, text) = w
        .send(Who::CustomerA, "POST", &page, Some("confirm=yes"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    assert_eq!(location, format!("/hotspots/{h}/guests/{ann}"));
    let dump = w.dump().await;
    assert_eq!(
        found(&dump, &ANN),
        Vec::<String>::new(),
        "Ann left in the database"
    );
    assert_eq!(found(&dump, &BOB), BOB.to_vec(), "Bob must stay");
    assert_eq!(
        counts(&w, h).await,
        counted,
        "sessions, bytes and consents stay"
    );
    let audit = dump.iter().filter(|r| r.contains("erase guest")).count();
    assert_eq!(audit, 1);
    assert!(dump.iter().any(|r| r.contains("guest data access")));
    // Erasing again changes nothing.
    let (status, _, text) = w.send(Who::ResellerA, "POST", &erase, Some("")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["erased_now"],
        false
    );
    // The guest's page says so; the list shows no name.
    let (_, _, text) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/hotspots/{h}/guests/{ann}"),
            None,
        )
        .await;
    assert!(text.contains("Personal data erased on"), "{text}");

    // Units hear of it: in the feed after the registration's cursor, and in a reset.
    let feed = unit
        .call(&w.app, "GET", "/sync/v1/changes?cursor=0", &[])
        .await;
    let erased = json!({"kind": "guest_erased", "guest_uid": "g-ann"});
    assert!(
        feed.json()["changes"].as_array().unwrap().contains(&erased),
        "{}",
        feed.body
    );

    // A unit that had not heard yet sends Ann again, and a replay of the first batch: the
    // personal data stays gone; the new session counts, without its device.
    let mut late = guest_events(11, "ann@example.com", ANN[1], ANN[2], "s-ann-2");
    late.extend(guest_events(1, "ann@example.com", ANN[1], ANN[2], "s-ann"));
    push(&w, &unit, late).await;
    let dump = w.dump().await;
    assert_eq!(
        found(&dump, &ANN),
        Vec::<String>::new(),
        "a late event brought Ann back"
    );
    let (sessions, bytes, consents) = counts(&w, h).await;
    assert_eq!(
        (sessions, bytes, consents),
        (counted.0 + 1, counted.1 + 5_500, counted.2 + 1)
    );
    let (_, _, text) = w.send(Who::CustomerA, "GET", &data, None).await;
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["guest"]["username"], "");
    assert_eq!(d["devices"], json!([]));
    assert_eq!(
        d["answers"][1]["answers"],
        json!({"reason": {"choices": ["leisure"]}})
    );
    assert_ne!(bob, ann);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_and_erasure_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    access_and_erasure(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_and_erasure_on_postgres() {
    let pg = Postgres::start();
    access_and_erasure(Backend::Postgres(pg.url())).await;
}

const DAY: i64 = 86_400;

/// A guest last seen `at` with one ended session started then.
async fn seen(w: &World, h: i64, name: &'static str, at: i64) {
    // Uids as units make them: nothing personal in them.
    let uid = format!("uid-{}", name.len() * 1000 + at as usize % 997);
    w.db.tx(Mode::Write, move |c| {
        let id = records::guest_seen(
            c,
            h,
            &GuestSeen {
                uid: &uid,
                username: name,
                method: "email",
                at,
            },
        )?;
        let s = SessionReport {
            uid: &uid,
            guest_id: id,
            mac: "02:00:00:00:00:99",
            ip: "10.77.0.99",
            unit: "lobby",
            started_at: at,
            ended_at: Some(at + 60),
            bytes_down: 10,
            bytes_up: 1,
        };
        records::session(c, h, &s)
    })
    .await
    .unwrap();
}

async fn retention(backend: Backend) {
    let w = World::new(&backend, 0).await;
    let (h, other) = (w.hotspot[0], w.hotspot[1]);
    let now = 1_790_000_000; // 2026-09-21
    seen(&w, h, "fourteen@example.com", now - 426 * DAY).await;
    seen(&w, h, "twelve@example.com", now - 365 * DAY).await;
    seen(&w, h, "old-session@example.com", now - 30 * 31 * DAY).await;
    seen(&w, other, "elsewhere@example.com", now - 200 * DAY).await;

    // The setting: defaults, a refused value naming its field, then 24 months of sessions.
    let path = format!("/api/v1/hotspots/{h}/retention");
    let (_, _, text) = w.send(Who::CustomerA, "GET", &path, None).await;
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"inactive_months": 13, "sessions_months": 0})
    );
    let before = w.dump().await;
    let bad = r#"{"inactive_months": 13, "sessions_months": 500}"#;
    let (status, _, text) = w.send(Who::CustomerA, "PUT", &path, Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("sessions_months"), "{text}");
    let (status, _, _) = w.send(Who::DeskA, "PUT", &path, Some(bad)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(before, w.dump().await);
    let good = r#"{"inactive_months": 13, "sessions_months": 24}"#;
    let (status, _, text) = w.send(Who::CustomerA, "PUT", &path, Some(good)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    // The other hotspot erases after a month.
    let (status, _, _) = w
        .send(
            Who::CustomerB,
            "PUT",
            &format!("/api/v1/hotspots/{other}/retention"),
            Some(r#"{"inactive_months": 1}"#),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let swept = sweep(&w.db, now).await.unwrap();
    assert_eq!(
        swept,
        Swept {
            erased: 3,
            dropped: 1
        }
    );
    let dump = w.dump().await;
    let left = found(
        &dump,
        &[
            "fourteen@example.com",
            "twelve@example.com",
            "old-session@example.com",
            "elsewhere@example.com",
        ],
    );
    assert_eq!(left, vec!["twelve@example.com".to_string()]);
    // The 30-month-old session row is gone; the fourteen-month one stays, anonymised.
    let (sessions, _, _) = counts(&w, h).await;
    assert_eq!(sessions, 2);
    let erased: Vec<_> = dump.iter().filter(|r| r.contains("guest_erased")).collect();
    assert_eq!(erased.len(), 3, "{erased:?}");
    // Idempotent.
    assert_eq!(sweep(&w.db, now).await.unwrap(), Swept::default());
    assert_eq!(dump, w.dump().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    retention(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_on_postgres() {
    let pg = Postgres::start();
    retention(Backend::Postgres(pg.url())).await;
}
