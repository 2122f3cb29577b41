//! The marketing export, fed through the real sync ingest (signed event batches as a unit
//! sends them): only guests whose latest marketing consent is granted (not the one who
//! withdrew, nor the one who never consented, nor another hotspot's; the one who consented
//! again, once), the CSV parsed back and compared field by field; formula cells neutralised;
//! filters by consent day (the hotspot's time zone) and login method; refused filters and
//! refused principals change nothing; every export in the audit log. On SQLite and
//! PostgreSQL.

mod common;

use axum::http::StatusCode;
use chrono::Datelike;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{SyncClient, registered, token};
use hotspotd::manager::ManagerState;
use hotspotd::manager::areas::marketing_rows::COLUMNS;
use hotspotd::manager::areas::records::{self, GuestSeen};
use hotspotd::manager::areas::settings_doc;
use hotspotd::manager::auth::{Principal, Role};
use hotspotd::manager::db::{DbError, Mode};
use hotspotd::proto::events::*;

/// 2026-01-10 09:00 UTC, then a day later, two days later; and 2026-01-14 23:30 UTC, which
/// is already the 15th in Rome.
const T1: i64 = 1_768_035_600;
const T2: i64 = 1_768_122_000;
const T3: i64 = 1_768_208_400;
const T4: i64 = 1_768_433_400;

const HOSTILE_NAME: &str = "=HYPERLINK(\"http://evil.example\",\"win\") Smith";

fn guest(uid: &str, username: &str, method: &str, profile: GuestProfile) -> EventBody {
    EventBody::Guest(Guest {
        uid: uid.into(),
        username: username.into(),
        method: method.into(),
        profile,
    })
}

fn consent(uid: &str, guest: &str, purpose: &str, granted: bool, how: &str) -> EventBody {
    EventBody::Consent(Consent {
        uid: uid.into(),
        guest_uid: guest.into(),
        purpose: purpose.into(),
        granted,
        text_sha256: "ab".repeat(32),
        language: if guest == "g-dee" { "it" } else { "en" }.into(),
        how: how.into(),
    })
}

async fn push(w: &World, unit: &SyncClient, events: Vec<(i64, EventBody)>) {
    let events = events
        .into_iter()
        .enumerate()
        .map(|(i, (at, body))| Event {
            seq: i as i64 + 1,
            at,
            body,
        })
        .collect();
    let batch = EventBatch {
        protocol: 1,
        events,
        health: None,
    };
    let body = serde_json::to_vec(&batch).unwrap();
    let reply = unit.call(&w.app, "POST", "/sync/v1/events", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// Hotspot A asks the nationality (question `from`) and counts days in Rome.
async fn questionnaire(w: &World) {
    let h = w.hotspot[0];
    let state = ManagerState::new(w.db.clone(), common::manager::URL);
    let p = Principal {
        account_id: w.customer[0],
        username: "customer-0".into(),
        role: Role::Customer,
        reseller_id: Some(w.reseller[0]),
        hotspot_id: Some(h),
        csrf: String::new(),
        must_change_password: false,
        address: "127.0.0.1".into(),
    };
    let q =
        serde_json::json!({"enabled": true, "questions": [{"id": "from", "type": "nationality"}]});
    settings_doc::save(
        &state,
        &p,
        h,
        0,
        "set questionnaire",
        "questionnaire".into(),
        move |_, mut doc| {
            doc.questionnaire = serde_json::from_value(q).unwrap();
            Ok(doc)
        },
    )
    .await
    .unwrap();
    w.db.tx(Mode::Write, move |c| {
        c.execute(
            "UPDATE hotspots SET time_zone = 'Europe/Rome' WHERE id = $1",
            &[h.into()],
        )
    })
    .await
    .unwrap();
}

async fn fixtures(w: &World) {
    questionnaire(w).await;
    let a = registered(w, "lobby").await;
    let social = GuestProfile {
        provider: Some("google".into()),
        subject: Some("123".into()),
        name: Some(HOSTILE_NAME.into()),
        email: Some("-2+3@example.com".into()),
        gender: Some("female".into()),
        birth_date: Some("1990-02-01".into()),
        locale: Some("it-IT".into()),
        interests: vec![],
    };
    let answers = serde_json::json!({"from": {"choices": ["it"], "text": null}});
    push(
        w,
        &a,
        vec![
            (
                T1,
                guest("g-ann", "ann@example.com", "email", GuestProfile::default()),
            ),
            (
                T1,
                guest("g-bob", "+393331234567", "sms", GuestProfile::default()),
            ),
            (
                T1,
                guest(
                    "g-cy",
                    "02:00:00:00:00:03",
                    "click",
                    GuestProfile::default(),
                ),
            ),
            (T1, guest("g-dee", "google:123", "social", social)),
            (
                T1,
                guest("g-eve", "+1 555 0100", "sms", GuestProfile::default()),
            ),
            (T1, consent("c1", "g-ann", "terms", true, "splash-checkbox")),
            (
                T1,
                consent("c2", "g-ann", "marketing", true, "splash-checkbox"),
            ),
            (
                T1,
                EventBody::Answer(Answer {
                    uid: "a1".into(),
                    guest_uid: "g-ann".into(),
                    answers,
                }),
            ),
            (
                T1,
                consent("c3", "g-bob", "marketing", true, "splash-checkbox"),
            ),
            (
                T2,
                consent("c4", "g-bob", "marketing", false, "status-page"),
            ),
            (T2, consent("c5", "g-bob", "surveys", true, "status-page")),
            (T1, consent("c6", "g-cy", "terms", true, "splash-checkbox")),
            (
                T1,
                consent("c7", "g-cy", "marketing", false, "splash-checkbox"),
            ),
            (
                T1,
                consent("c8", "g-dee", "marketing", true, "splash-checkbox"),
            ),
            (
                T2,
                consent("c9", "g-dee", "marketing", false, "status-page"),
            ),
            (
                T3,
                consent("c10", "g-dee", "marketing", true, "questionnaire-page"),
            ),
            (
                T4,
                consent("c11", "g-eve", "marketing", true, "splash-checkbox"),
            ),
        ],
    )
    .await;
    let (_, secret) = token(w, Who::ResellerB, w.hotspot[1]).await;
    let b = SyncClient::register(&w.app, &secret, "bar")
        .await
        .ok()
        .unwrap();
    push(
        w,
        &b,
        vec![
            (
                T1,
                guest("g-zed", "zed@example.com", "email", GuestProfile::default()),
            ),
            (
                T1,
                consent("c1", "g-zed", "marketing", true, "splash-checkbox"),
            ),
        ],
    )
    .await;
}

/// The CSV at `path` as `who`, parsed back: header and records.
async fn export(w: &World, who: Who, path: &str) -> Vec<Vec<String>> {
    let (status, _, text) = w.send(who, "GET", path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {text}");
    assert!(
        text.ends_with("\r\n") || text.is_empty(),
        "CRLF lines: {text:?}"
    );
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, COLUMNS);
    r.records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect()
}

fn row(cells: [&str; 13]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn usernames(rows: &[Vec<String>]) -> Vec<&str> {
    rows.iter().map(|r| r[4].as_str()).collect()
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    fixtures(&w).await;
    let h = w.hotspot[0];
    let csv = format!("/api/v1/hotspots/{h}/marketing/csv");

    let today = chrono::Utc::now().date_naive();
    let age = today.year() - 1990 - i32::from((today.month(), today.day()) < (2, 1));
    let age = age.to_string();
    let all = export(&w, Who::CustomerA, &csv).await;
    assert_eq!(
        all,
        vec![
            row([
                "ann@example.com",
                "",
                "",
                "",
                "ann@example.com",
                "email",
                "",
                "",
                "",
                "IT",
                "en",
                "2026-01-10T10:00:00+01:00",
                "splash-checkbox",
            ]),
            row([
                "'-2+3@example.com",
                "",
                "'=HYPERLINK(\"http://evil.example\",\"win\")",
                "Smith",
                "google:123",
                "social",
                "female",
                "1990-02-01",
                &age,
                "",
                "it",
                "2026-01-12T10:00:00+01:00",
                "questionnaire-page",
            ]),
            row([
                "",
                "'+1 555 0100",
                "",
                "",
                "'+1 555 0100",
                "sms",
                "",
                "",
                "",
                "",
                "en",
                "2026-01-15T00:30:00+01:00",
                "splash-checkbox",
            ]),
        ]
    );
    // The same through the page's link, for the reseller.
    let page_csv = format!("/hotspots/{h}/marketing/csv");
    assert_eq!(export(&w, Who::ResellerA, &page_csv).await, all);
    // Another hotspot's export holds its own guest only.
    let theirs = export(
        &w,
        Who::CustomerB,
        &format!("/api/v1/hotspots/{}/marketing/csv", w.hotspot[1]),
    )
    .await;
    assert_eq!(usernames(&theirs), ["zed@example.com"]);

    // Filters: days of the latest consent in Rome, and the login method.
    for (query, expected) in [
        ("from=2026-01-15", vec!["'+1 555 0100"]),
        ("to=2026-01-14", vec!["ann@example.com", "google:123"]),
        ("from=2026-01-11&to=2026-01-12", vec!["google:123"]),
        ("method=email", vec!["ann@example.com"]),
        ("method=sms&to=2026-01-14", vec![]),
        (
            "from=&to=&method=",
            vec!["ann@example.com", "google:123", "'+1 555 0100"],
        ),
    ] {
        let rows = export(&w, Who::CustomerA, &format!("{csv}?{query}")).await;
        assert_eq!(usernames(&rows), expected, "{query}");
    }

    // The summary and the page count the same guests.
    let (_, _, text) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/api/v1/hotspots/{h}/marketing?method=sms"),
            None,
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (v["consented"].as_i64(), v["matching"].as_i64()),
        (Some(3), Some(1)),
        "{v}"
    );
    let (status, _, page) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/hotspots/{h}/marketing?to=2026-01-14"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<strong id=\"consented\">3</strong>")
            && page.contains("<strong id=\"matching\">2</strong>")
            && page.contains(&format!("formaction=\"/hotspots/{h}/marketing/csv\""))
            && page.contains("value=\"2026-01-14\""),
        "{page}"
    );

    // Every export is in the audit log: who, the hotspot, the filter, the rows.
    let (_, _, audit) = w
        .send(Who::ResellerA, "GET", "/api/v1/audit?limit=200", None)
        .await;
    let audit: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let entries: Vec<(String, String, String)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("actor"), s("action"), s("object"))
        })
        .collect();
    let has = |actor: &str, action: &str, object: &str| {
        entries
            .iter()
            .any(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()) == (actor, action, object))
    };
    assert!(
        has(
            "customer-0",
            "export marketing CSV",
            "Hotspot a: consent from 2026-01-11 to 2026-01-12, login method any"
        ) && has(
            "customer-0",
            "marketing CSV export complete",
            "Hotspot a: 1 guests"
        ) && has(
            "reseller-0",
            "marketing CSV export complete",
            "Hotspot a: 3 guests"
        ) && has(
            "customer-0",
            "marketing CSV export complete",
            "Hotspot a: 0 guests"
        ),
        "{entries:#?}"
    );

    // Refused: bad filters (422 naming the field), the desk, other tenants. Nothing changes,
    // not even the audit log.
    let before = w.dump().await;
    for (query, field) in [
        ("from=2026-02-30", "from"),
        ("to=14/01/2026", "to"),
        ("from=2026-01-15&to=2026-01-14", "to"),
        ("method=fax", "method"),
    ] {
        for path in [&csv, &format!("/api/v1/hotspots/{h}/marketing")] {
            let (status, _, text) = w
                .send(Who::CustomerA, "GET", &format!("{path}?{query}"), None)
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {text}");
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["error"]["field"], field, "{query}: {text}");
        }
    }
    for (who, path) in [
        (Who::DeskA, csv.clone()),
        (Who::DeskA, page_csv.clone()),
        (Who::DeskA, format!("/hotspots/{h}/marketing")),
        (Who::CustomerB, csv.clone()),
        (Who::ResellerB, csv.clone()),
        (Who::ResellerB, page_csv.clone()),
    ] {
        let (status, _, text) = w.send(who, "GET", &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who:?} {path}: {text}");
        assert!(!text.contains("example.com"), "{text}");
    }
    let (status, location, _) = w.send(Who::Anonymous, "GET", &page_csv, None).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login")
    );
    assert_eq!(before, w.dump().await, "a refused export changed something");
}

/// Across page boundaries (1,000 guests a page) no guest is lost or repeated: 2,345 guests
/// stored through the manager's own record functions, every seventh of whom withdrew.
async fn pages(backend: Backend) {
    let w = World::new(&backend, 2).await;
    let h = w.hotspot[0];
    w.db.tx(Mode::Write, move |c| {
        for i in 0..2_345_i64 {
            let (uid, name) = (format!("g{i}"), format!("guest{i}@example.com"));
            let seen = GuestSeen {
                uid: &uid,
                username: &name,
                method: "email",
                at: T1,
            };
            let id = records::guest_seen(c, h, &seen)?;
            for (n, granted) in [(0, true), (1, i % 7 != 0)] {
                let row = Consent {
                    uid: format!("c{i}-{n}"),
                    guest_uid: uid.clone(),
                    purpose: "marketing".into(),
                    granted,
                    text_sha256: "ab".repeat(32),
                    language: "en".into(),
                    how: "splash-checkbox".into(),
                };
                records::consent(c, (h, id), &row, T1 + n)?;
            }
        }
        Ok::<_, DbError>(())
    })
    .await
    .unwrap();
    let rows = export(
        &w,
        Who::CustomerA,
        &format!("/api/v1/hotspots/{h}/marketing/csv"),
    )
    .await;
    let mut expected: Vec<String> = (0..2_345)
        .filter(|i| i % 7 != 0)
        .map(|i| format!("guest{i}@example.com"))
        .collect();
    let mut got: Vec<String> = rows.iter().map(|r| r[4].clone()).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_pages_without_losing_or_repeating_a_guest() {
    let dir = tempfile::tempdir().unwrap();
    pages(Backend::Sqlite(dir.path().to_path_buf())).await;
    let pg = Postgres::start();
    pages(Backend::Postgres(pg.url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_guests_whose_latest_marketing_consent_is_granted_are_exported_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_guests_whose_latest_marketing_consent_is_granted_are_exported_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
