//! Protocol compatibility: a unit of protocol revision 1 as first shipped (commit 00f47dd's
//! `src/proto/`) keeps working against the current manager, and the current unit keeps working
//! against a newer manager.
//!
//! Why fixtures rather than a second binary: a unit talks to the manager only through the
//! bytes it sends and the answers it parses, so the previous revision is pinned exactly by
//! those bytes (`tests/golden/sync_v1/`: the register body, a signed events batch with every
//! event kind of 00f47dd, the changes request) and by a frozen copy of the 00f47dd answer types
//! below. Building the old commit as a second binary would need a second full build (minutes
//! and gigabytes on every run) and would test the same bytes. The fixtures and the frozen types
//! never change: a field the manager renames or removes from an answer, or a new field it
//! requires in a request, fails this test. Signatures are made for real with the test's key.

mod common;

use axum::body::Body;
use axum::http::{Response, StatusCode};
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{SyncClient, new_key, post_register, send, token};
use common::sync_unit::{Unit, a_session, free_addr, serve, until};
use hotspotd::manager::db::{DbError, Mode};
use hotspotd::model::voucher_code::VoucherCode;
use serde_json::{Value, json};

/// The answer types a revision-1 unit of 00f47dd reads, copied as they were (only what it
/// reads). serde ignores unknown fields, as 00f47dd's did. Fields the test never looks at
/// still count: parsing fails when one is missing or renamed.
#[allow(dead_code)]
mod frozen {
    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Debug, Deserialize)]
    pub struct RegisterResponse {
        pub unit_id: i64,
        pub hotspot_id: i64,
        pub manager_key: String,
        pub voucher_key: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct EventAck {
        pub acked_through: i64,
    }

    #[derive(Debug, Deserialize)]
    pub struct ChangesResponse {
        pub cursor: i64,
        #[serde(default)]
        pub reset: bool,
        #[serde(default)]
        pub changes: Vec<Change>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    pub enum Change {
        Settings {
            revision: i64,
            document: Value,
        },
        Profile {
            name: String,
            spec: Value,
        },
        ProfileRemoved {
            name: String,
        },
        Limitation {
            name: String,
            spec: Value,
        },
        LimitationRemoved {
            name: String,
        },
        Voucher(Voucher),
        VoucherRemoved {
            code_hash: String,
        },
        Usage(Usage),
        #[serde(other)]
        Unknown,
    }

    #[derive(Debug, Deserialize)]
    pub struct Voucher {
        pub code_hash: String,
        #[serde(default)]
        pub profile: Option<String>,
        #[serde(default)]
        pub terms: Option<VoucherTerms>,
        #[serde(default)]
        pub revoked: bool,
    }

    #[derive(Debug, Deserialize)]
    pub struct VoucherTerms {
        #[serde(default)]
        pub validity_secs: Option<i64>,
        #[serde(default)]
        pub starts: String,
        #[serde(default)]
        pub shared_users: i64,
        #[serde(default)]
        pub rate_down_bps: Option<i64>,
        #[serde(default)]
        pub rate_up_bps: Option<i64>,
        #[serde(default)]
        pub quota_bytes: Option<i64>,
        #[serde(default)]
        pub max_logins: Option<i64>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Usage {
        pub user: String,
        pub profile: String,
        pub first_start: i64,
        pub per_unit: Vec<UnitUsage>,
    }

    #[derive(Debug, Deserialize)]
    pub struct UnitUsage {
        pub unit_id: i64,
        pub bytes_down: i64,
        pub bytes_up: i64,
        pub uptime_secs: i64,
        pub logins: i64,
    }
}

fn golden(name: &str) -> String {
    let path = format!("{}/tests/golden/sync_v1/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One row per result row, as text.
async fn rows(w: &World, sql: &'static str) -> Vec<String> {
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

fn parse<T: serde::de::DeserializeOwned>(what: &str, status: StatusCode, body: &str) -> T {
    serde_json::from_str(body).unwrap_or_else(|e| {
        panic!("a revision-1 unit cannot read the {what} answer ({status}): {e}\n{body}")
    })
}

async fn v1_unit_against_the_current_manager(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let h = w.hotspot[0];
    let (_, secret) = token(&w, Who::ResellerA, h).await;
    let (status, _, text) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("/api/v1/hotspots/{h}/vouchers"),
            Some(r#"{"count":1,"uses":"unlimited"}"#),
        )
        .await;
    assert!(status.is_success(), "{status} {text}");
    let mac = r#"{"mac":"02:00:00:00:00:0a"}"#;
    let macs = format!("/api/v1/hotspots/{h}/macs");
    let (status, _, text) = w.send(Who::ResellerA, "POST", &macs, Some(mac)).await;
    assert!(status.is_success(), "{status} {text}");

    // Register with the frozen body.
    let key = new_key();
    let body = golden("register.json")
        .replace("{{TOKEN}}", &secret)
        .replace("{{PUBLIC_KEY}}", &key.public_hex());
    let reply = post_register(&w.app, &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let r: frozen::RegisterResponse = parse("register", reply.status, &reply.body);
    assert_eq!(r.hotspot_id, h);
    assert_eq!((r.manager_key.len(), r.voucher_key.len()), (64, 64));
    let unit = SyncClient {
        key,
        unit: r.unit_id,
        hotspot: r.hotspot_id,
        manager_key: r.manager_key,
        voucher_key: r.voucher_key,
    };

    // The frozen events batch, signed, twice (a lost acknowledgement): applied once.
    let events = golden("events.json");
    for _ in 0..2 {
        let reply = unit
            .call(&w.app, "POST", "/sync/v1/events", events.as_bytes())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let ack: frozen::EventAck = parse("events", reply.status, &reply.body);
        assert_eq!(ack.acked_through, 11);
    }
    assert_eq!(
        rows(&w, "SELECT events_ingested, acked_seq FROM units").await,
        ["Row([Int(11), Int(11)])"]
    );
    let sessions = rows(
        &w,
        "SELECT uid, bytes_down, bytes_up, CASE WHEN ended_at IS NULL THEN 'open' ELSE end_cause END \
         FROM guest_sessions ORDER BY uid",
    )
    .await;
    assert_eq!(
        sessions,
        [
            r#"Row([Text("v1-s1"), Int(5000), Int(500), Text("user-request")])"#,
            r#"Row([Text("v1-s2"), Int(0), Int(0), Text("open")])"#,
            r#"Row([Text("v1-s3"), Int(0), Int(0), Text("unit-restart")])"#,
        ]
    );
    let guest = rows(&w, "SELECT display_name, social_provider FROM guests").await;
    assert!(guest.iter().any(|g| g.contains("Ann")), "{guest:?}");
    for (sql, want) in [
        ("SELECT COUNT(*) FROM guest_consents", "Row([Int(1)])"),
        ("SELECT COUNT(*) FROM guest_answers", "Row([Int(1)])"),
        ("SELECT sent FROM sms_counts", "Row([Int(2)])"),
    ] {
        assert_eq!(rows(&w, sql).await, [want], "{sql}");
    }

    // The frozen changes request: the snapshot reads with the frozen types.
    let request = golden("changes_request.txt");
    let (method, path) = request.trim().split_once(' ').unwrap();
    let reply = unit.call(&w.app, method, path, b"").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let feed: frozen::ChangesResponse = parse("changes", reply.status, &reply.body);
    assert!(feed.reset && feed.cursor > 0, "{feed:?}");
    let settings = feed.changes.iter().find_map(|c| match c {
        frozen::Change::Settings { revision, document } => Some((*revision, document)),
        _ => None,
    });
    let (revision, document) = settings.unwrap_or_else(|| panic!("no settings: {feed:?}"));
    assert!(
        revision > 0 && document.to_string().contains("02:00:00:00:00:0a"),
        "{document}"
    );
    assert!(
        feed.changes.iter().any(
            |c| matches!(c, frozen::Change::Voucher(v) if v.code_hash.len() == 64 && !v.revoked)
        ),
        "{feed:?}"
    );
    let usage = feed.changes.iter().find_map(|c| match c {
        frozen::Change::Usage(u) if u.user == "v1-user" => Some(u),
        _ => None,
    });
    let usage = usage.unwrap_or_else(|| panic!("no usage for v1-user: {feed:?}"));
    assert_eq!(
        (usage.profile.as_str(), usage.first_start),
        ("day", 1764547203)
    );
    let mine = &usage.per_unit[0];
    assert_eq!(
        (mine.unit_id, mine.bytes_down, mine.bytes_up, mine.logins),
        (unit.unit, 5000, 500, 1)
    );
    assert_eq!(mine.uptime_secs, 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revision_1_unit_registers_pushes_and_pulls_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    v1_unit_against_the_current_manager(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revision_1_unit_registers_pushes_and_pulls_on_postgres() {
    let pg = Postgres::start();
    v1_unit_against_the_current_manager(Backend::Postgres(pg.url())).await;
}

/// `value` as a newer manager might send it: every object of the wire types gains a field,
/// every change list a kind, this build does not know (settings documents and specs are the
/// model's own schema, not the wire's, and stay as they are).
fn from_the_future(value: &mut Value) {
    if let Value::Object(map) = value {
        for (key, inner) in map.iter_mut() {
            if key != "document" && key != "spec" {
                from_the_future(inner);
            }
        }
        if let Some(Value::Array(changes)) = map.get_mut("changes") {
            changes.push(json!({"kind": "hologram", "colour": "blue", "cursor": 1}));
        }
        map.insert("field_from_the_future".into(), json!({"nested": [1, 2]}));
    } else if let Value::Array(items) = value {
        items.iter_mut().for_each(from_the_future);
    }
}

async fn newer(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap();
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    from_the_future(&mut value);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_current_unit_reads_a_newer_managers_unknown_fields_and_kinds() {
    let (_dir, w) = common::manager::world().await;
    let h = w.hotspot[0];
    let addr = free_addr();
    let app = w.app.clone().layer(axum::middleware::map_response(newer));
    let server = serve(app, addr).await;
    // What the wrapper sends really carries the unknown field and kind.
    let probe = send(
        &w.app.clone().layer(axum::middleware::map_response(newer)),
        axum::http::Request::post("/sync/v1/register")
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert!(
        probe.body.contains("field_from_the_future"),
        "{}",
        probe.body
    );

    let (_, secret) = token(&w, Who::ResellerA, h).await;
    let unit = Unit::start(addr, secret).await;
    let (status, _, text) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("/api/v1/hotspots/{h}/vouchers"),
            Some(r#"{"count":1,"uses":"unlimited"}"#),
        )
        .await;
    assert!(status.is_success(), "{status} {text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    let code = VoucherCode::parse(created["codes"][0].as_str().unwrap()).unwrap();
    let hash = code.keyed_hash(&unit.voucher_key);
    let probe = hash.clone();
    until("the voucher at the unit", async || {
        let probe = probe.clone();
        unit.store
            .run(move |s| s.user_by_code_hash(&probe))
            .await
            .unwrap()
    })
    .await;
    a_session(&unit.store, hash, "02:00:00:00:00:01".into(), 4321).await;
    until("the session at the manager, the outbox empty", async || {
        let depth = unit.store.run(|s| s.outbox_stats(0)).await.unwrap().depth;
        let stored = rows(
            &w,
            "SELECT bytes_down FROM guest_sessions WHERE ended_at IS NOT NULL",
        )
        .await;
        (depth == 0 && stored == ["Row([Int(4321)])"]).then_some(())
    })
    .await;
    let error = unit
        .store
        .run(|s| Ok(s.sync_state()?.unwrap().last_error))
        .await
        .unwrap();
    assert_eq!(error, None, "no sync error against the newer manager");
    unit.stop().await;
    server.abort();
}
