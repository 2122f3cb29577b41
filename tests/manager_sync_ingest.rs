//! Records up: a batch is applied once (sent twice, its rows and counts are the same), in one
//! transaction (a bad event leaves nothing of its batch), counters never go back and a stop
//! stays stopped, a restarted unit's stale sessions are closed, unknown kinds are acknowledged,
//! a uid of another hotspot names nothing there, and the unit's health reaches the Units view.
//! On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{SyncClient, registered};
use hotspotd::manager::areas::records::{self, GuestSeen, SessionReport};
use hotspotd::manager::db::{DbError, Mode};
use hotspotd::proto::events::*;
use serde_json::{Value, json};

pub async fn push(w: &World, unit: &SyncClient, body: &Value) -> (StatusCode, Value) {
    let reply = unit
        .call(
            &w.app,
            "POST",
            "/sync/v1/events",
            body.to_string().as_bytes(),
        )
        .await;
    (reply.status, reply.json())
}

fn batch(events: Vec<Event>, health: Option<Health>) -> Value {
    serde_json::to_value(EventBatch {
        protocol: 1,
        events,
        health,
    })
    .unwrap()
}

fn ev(seq: i64, body: EventBody) -> Event {
    Event {
        seq,
        at: 1_000 + seq,
        body,
    }
}

fn start(uid: &str) -> EventBody {
    EventBody::SessionStart(SessionStart {
        uid: uid.into(),
        guest_uid: "g1".into(),
        user: "ann@example.com".into(),
        profile: "day".into(),
        mac: "02:00:00:00:00:01".into(),
        ip: "10.77.0.5".into(),
        started_at: 1_001,
    })
}

fn counters(uid: &str, down: i64, stop: Option<(i64, &str)>) -> EventBody {
    let counters = Counters {
        bytes_down: down,
        bytes_up: down / 10,
    };
    match stop {
        None => EventBody::SessionInterim(SessionCounters {
            uid: uid.into(),
            counters,
        }),
        Some((ended_at, cause)) => EventBody::SessionStop(SessionStop {
            uid: uid.into(),
            ended_at,
            counters,
            cause: cause.into(),
        }),
    }
}

/// One row per (query) as text: what the tests compare.
pub async fn rows(w: &World, sql: &'static str) -> Vec<String> {
    w.db.tx(Mode::Read, move |c| {
        Ok::<_, DbError>(
            c.query(sql, &[])?
                .iter()
                .map(|r| format!("{r:?}"))
                .collect(),
        )
    })
    .await
    .unwrap()
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let other = w.hotspot[1];
    let unit = registered(&w, "lobby").await;
    // Another hotspot's guest and open session with the uids this unit will use.
    w.db.tx(Mode::Write, move |c| {
        let guest = GuestSeen {
            uid: "g1",
            username: "bob@b.example",
            method: "email",
            at: 1,
        };
        let id = records::guest_seen(c, other, &guest)?;
        let s = SessionReport {
            uid: "s1",
            guest_id: id,
            mac: "02:00:00:00:00:99",
            ip: "10.9.0.1",
            unit: "theirs",
            started_at: 1,
            ended_at: None,
            bytes_down: 7,
            bytes_up: 7,
        };
        records::session(c, other, &s)
    })
    .await
    .unwrap();
    let theirs = rows(
        &w,
        "SELECT * FROM guest_sessions WHERE uid = 's1' ORDER BY id",
    )
    .await;

    let profile = GuestProfile {
        provider: Some("google".into()),
        name: Some("Ann".into()),
        gender: Some("female".into()),
        birth_date: Some("1990-04-01".into()),
        interests: vec!["surf".into(), "jazz".into()],
        ..GuestProfile::default()
    };
    let first = batch(
        vec![
            ev(
                1,
                EventBody::Guest(Guest {
                    uid: "g1".into(),
                    username: "ann@example.com".into(),
                    method: "social".into(),
                    profile,
                }),
            ),
            ev(
                2,
                EventBody::Consent(Consent {
                    uid: "c1".into(),
                    guest_uid: "g1".into(),
                    purpose: "marketing".into(),
                    granted: true,
                    text_sha256: "ab".repeat(32),
                    language: "en".into(),
                    how: "splash".into(),
                }),
            ),
            ev(
                3,
                EventBody::Answer(Answer {
                    uid: "a1".into(),
                    guest_uid: "g1".into(),
                    answers: json!({"age": "30-39"}),
                }),
            ),
            ev(4, start("s1")),
            ev(5, counters("s1", 100, None)),
            ev(6, EventBody::Sms(Sms { count: 2 })),
        ],
        Some(Health {
            version: "2.0".into(),
            uptime_secs: 60,
            clients: 3,
            load: 0.25,
            outbox_depth: 5,
            outbox_oldest_secs: 60,
            settings_revision: 1,
            cursor: 7,
        }),
    );
    assert_eq!(
        push(&w, &unit, &first).await,
        (StatusCode::OK, json!({"acked_through": 6}))
    );
    let stored = w.dump().await;
    // Sent again (a lost acknowledgement): the same acknowledgement, nothing more stored.
    assert_eq!(push(&w, &unit, &first).await.1, json!({"acked_through": 6}));
    let again = w.dump().await;
    let without_seen = |d: &[String]| {
        d.iter()
            .filter(|r| !r.starts_with("units:") && !r.starts_with("sync_nonces"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(without_seen(&stored), without_seen(&again));
    assert_eq!(
        rows(&w, "SELECT sent FROM sms_counts").await,
        ["Row([Int(2)])"]
    );
    assert_eq!(
        rows(&w, "SELECT events_ingested, acked_seq FROM units").await,
        ["Row([Int(6), Int(6)])"]
    );
    let guest = rows(&w, "SELECT display_name, gender, birth_date, interests, social_provider FROM guests WHERE uid = 'g1' ORDER BY hotspot_id").await;
    assert!(
        guest[0].contains("Ann") && guest[0].contains("surf, jazz") && guest[0].contains("google"),
        "{guest:?}"
    );
    assert!(
        !guest[1].contains("Ann"),
        "the other hotspot's g1 is untouched: {guest:?}"
    );
    assert_eq!(
        rows(&w, "SELECT COUNT(*) FROM guest_consents").await,
        ["Row([Int(1)])"]
    );
    assert!(rows(&w, "SELECT answers FROM guest_answers").await[0].contains("30-39"));

    // Counters never go back; a stop stays with its first end and cause; unknown kinds pass.
    let mut later = batch(
        vec![
            ev(6, counters("s1", 999_999, None)),
            ev(7, counters("s1", 50, None)),
            ev(8, counters("s1", 200, Some((1_100, "idle-timeout")))),
            ev(9, counters("s1", 300, None)),
            ev(10, counters("s1", 250, Some((1_200, "admin-reset")))),
        ],
        None,
    );
    later["events"]
        .as_array_mut()
        .unwrap()
        .push(json!({"seq": 11, "at": 1, "body": {"kind": "teleport", "to": "moon"}}));
    assert_eq!(
        push(&w, &unit, &later).await.1,
        json!({"acked_through": 11})
    );
    let mine = rows(
        &w,
        "SELECT bytes_down, ended_at, end_cause FROM guest_sessions WHERE uid = 's1' ORDER BY id",
    )
    .await;
    assert_eq!(
        mine[1], r#"Row([Int(300), Int(1100), Text("idle-timeout")])"#,
        "{mine:?}"
    );
    assert_eq!(
        rows(
            &w,
            "SELECT * FROM guest_sessions WHERE uid = 's1' ORDER BY id"
        )
        .await[0],
        theirs[0]
    );

    // A bad event refuses its whole batch: nothing of the events before it is stored.
    let before = w.dump().await;
    let bad = batch(
        vec![
            ev(12, start("s2")),
            ev(13, EventBody::Guest(Guest::default())),
        ],
        None,
    );
    let (status, body) = push(&w, &unit, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("seq 13: uid"),
        "{body}"
    );
    assert_eq!(without_seen(&before), without_seen(&w.dump().await));
    assert_eq!(
        rows(&w, "SELECT acked_seq FROM units").await,
        ["Row([Int(11)])"]
    );

    // A restart closes the sessions of this unit it did not restore, and no one else's.
    let bar = registered(&w, "bar").await;
    let bar_start = EventBody::SessionStart(SessionStart {
        uid: "s9".into(),
        ..match start("x") {
            EventBody::SessionStart(s) => s,
            _ => unreachable!(),
        }
    });
    assert_eq!(
        push(&w, &bar, &batch(vec![ev(1, bar_start)], None)).await.0,
        StatusCode::OK
    );
    let restart = batch(
        vec![
            ev(12, start("s2")),
            ev(13, start("s3")),
            ev(
                14,
                EventBody::UnitStarted(UnitStarted {
                    open_sessions: vec!["s3".into()],
                }),
            ),
        ],
        None,
    );
    assert_eq!(
        push(&w, &unit, &restart).await.1,
        json!({"acked_through": 14})
    );
    let open = rows(
        &w,
        "SELECT uid, end_cause FROM guest_sessions WHERE ended_at IS NULL ORDER BY uid",
    )
    .await;
    assert_eq!(open.len(), 3, "{open:?}");
    assert!(
        open[0].contains("s1") && open[1].contains("s3") && open[2].contains("s9"),
        "{open:?}"
    );
    let closed = rows(
        &w,
        "SELECT end_cause, ended_at FROM guest_sessions WHERE uid = 's2'",
    )
    .await;
    assert_eq!(closed, [r#"Row([Text("unit-restart"), Int(1014)])"#]);

    // The health reached the Units view.
    let (_, _, text) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/api/v1/hotspots/{}/units", w.hotspot[0]),
            None,
        )
        .await;
    let units: Value = serde_json::from_str(&text).unwrap();
    let lobby = units["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "lobby")
        .unwrap()
        .clone();
    assert_eq!(
        (lobby["clients"].clone(), lobby["outbox_depth"].clone()),
        (json!(3), json!(5))
    );
    assert_eq!(
        (lobby["settings_revision"].clone(), lobby["version"].clone()),
        (json!(1), json!("2.0"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_apply_once_in_order_and_in_their_hotspot_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_apply_once_in_order_and_in_their_hotspot_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
