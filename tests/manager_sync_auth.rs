//! Signed sync requests: only the registered key over the exact method, path and body, within
//! the clock window, once; a removed unit is told why; keys rotate. Sync routes and staff
//! routes do not share credentials: cookies, API tokens and the master key reach no sync
//! route, a unit's signature no staff route. Refusals change nothing. On SQLite and
//! PostgreSQL (where a second manager instance on the same database refuses a replay too).

mod common;

use axum::http::{StatusCode, header};
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{Reply, SyncClient, headers, new_key, now, registered, send};
use hotspotd::manager::auth::{master_key, session};
use hotspotd::manager::db::Mode;
use hotspotd::manager::{ManagerState, app};
use hotspotd::proto::auth::{HEADER_UNIT, MAX_SKEW_SECS};

const ROTATE: &str = "/sync/v1/rotate";

fn rotate_to(key: &str) -> Vec<u8> {
    serde_json::json!({ "public_key": key })
        .to_string()
        .into_bytes()
}

/// `req` is refused with `status` and `code`, and nothing changes.
async fn refused(
    w: &World,
    req: axum::http::Request<axum::body::Body>,
    status: StatusCode,
    code: &str,
) -> Reply {
    let before = w.dump().await;
    let reply = send(&w.app, req).await;
    assert_eq!(reply.status, status, "{code}: {}", reply.body);
    assert_eq!(reply.code(), code, "{}", reply.body);
    assert_eq!(before, w.dump().await, "{code} changed something");
    reply
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let unit = registered(&w, "lobby").await;
    let other = registered(&w, "bar").await;
    let same = rotate_to(&unit.key.public_hex());

    // A signed request passes once; the same request again is a replay, also at a second
    // manager instance on the same database.
    let h = unit.headers("POST", ROTATE, &same);
    let ok = send(&w.app, SyncClient::build("POST", ROTATE, &h, &same)).await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    refused(
        &w,
        SyncClient::build("POST", ROTATE, &h, &same),
        StatusCode::UNAUTHORIZED,
        "replayed",
    )
    .await;
    let second = app(ManagerState::new(w.db.clone(), common::manager::URL));
    let again = send(&second, SyncClient::build("POST", ROTATE, &h, &same)).await;
    assert_eq!(again.code(), "replayed");

    // Stale and future times, unsigned, tampered body, another path, unknown unit.
    for skew in [-MAX_SKEW_SECS - 5, MAX_SKEW_SECS + 5] {
        let h = unit.headers_at("POST", ROTATE, &same, now() + skew);
        refused(
            &w,
            SyncClient::build("POST", ROTATE, &h, &same),
            StatusCode::UNAUTHORIZED,
            "clock_skew",
        )
        .await;
    }
    refused(
        &w,
        SyncClient::build("POST", ROTATE, &[], &same),
        StatusCode::UNAUTHORIZED,
        "unsigned",
    )
    .await;
    let mut garbled = unit.headers("POST", ROTATE, &same);
    garbled[2].1 = "not-hex!".into();
    refused(
        &w,
        SyncClient::build("POST", ROTATE, &garbled, &same),
        StatusCode::UNAUTHORIZED,
        "unsigned",
    )
    .await;
    let evil = rotate_to(&new_key().public_hex());
    let h = unit.headers("POST", ROTATE, &same);
    refused(
        &w,
        SyncClient::build("POST", ROTATE, &h, &evil),
        StatusCode::UNAUTHORIZED,
        "bad_signature",
    )
    .await;
    let h = unit.headers("POST", "/sync/v1/rotate?x=1", &same);
    refused(
        &w,
        SyncClient::build("POST", ROTATE, &h, &same),
        StatusCode::UNAUTHORIZED,
        "bad_signature",
    )
    .await;
    // My key, another unit's id: its key does not verify my signature.
    let h = headers(
        &unit
            .key
            .sign_request(other.unit, "POST", ROTATE, now(), &evil),
    );
    refused(
        &w,
        SyncClient::build("POST", ROTATE, &h, &evil),
        StatusCode::UNAUTHORIZED,
        "bad_signature",
    )
    .await;
    let h = headers(&unit.key.sign_request(987_654, "POST", ROTATE, now(), &same));
    refused(
        &w,
        SyncClient::build("POST", ROTATE, &h, &same),
        StatusCode::UNAUTHORIZED,
        "unknown_unit",
    )
    .await;

    // Staff credentials reach no sync route; a unit's signature reaches no staff route.
    let login = w.login(Who::Admin).unwrap().clone();
    let staff = [
        (
            header::COOKIE.as_str(),
            format!("{}={}", session::COOKIE, login.token),
        ),
        ("x-csrf-token", login.csrf.clone()),
        (
            header::AUTHORIZATION.as_str(),
            format!("Bearer {}", w.token_value[0]),
        ),
        (master_key::HEADER, "0".repeat(64)),
    ];
    for (name, value) in &staff {
        let req = axum::http::Request::post(ROTATE)
            .header(*name, value)
            .body(axum::body::Body::from(same.clone()))
            .unwrap();
        refused(&w, req, StatusCode::UNAUTHORIZED, "unsigned").await;
    }
    let units = format!("/api/v1/hotspots/{}/units", w.hotspot[0]);
    let h = unit.headers("GET", &units, b"");
    let reply = send(&w.app, SyncClient::build("GET", &units, &h, b"")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    let page = format!("/hotspots/{}/units", w.hotspot[0]);
    let h = unit.headers("GET", &page, b"");
    let reply = send(&w.app, SyncClient::build("GET", &page, &h, b"")).await;
    assert!(!reply.status.is_success(), "{}", reply.body);

    // Old nonces are pruned as the unit makes requests.
    let id = unit.unit;
    let old = now() - 2 * MAX_SKEW_SECS;
    w.db.tx(Mode::Write, move |c| {
        c.execute(
            "INSERT INTO sync_nonces (unit_id, nonce, signed_at) VALUES ($1, 'aaaaaaaaaaaaaaaa', $2)",
            &[id.into(), old.into()],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        unit.call(&w.app, "POST", ROTATE, &same).await.status,
        StatusCode::NO_CONTENT
    );
    let stale =
        w.db.tx(Mode::Read, move |c| {
            c.query(
                "SELECT COUNT(*) FROM sync_nonces WHERE signed_at < $1",
                &[(old + 1).into()],
            )
        })
        .await
        .unwrap()[0]
            .int(0)
            .unwrap();
    assert_eq!(stale, 0);

    // Rotation: the new key signs, the old one no longer does.
    let next = new_key();
    let body = rotate_to(&next.public_hex());
    assert_eq!(
        unit.call(&w.app, "POST", ROTATE, &body).await.status,
        StatusCode::NO_CONTENT
    );
    let old_key = unit.call(&w.app, "POST", ROTATE, &body).await;
    assert_eq!(old_key.code(), "bad_signature");
    let rotated = SyncClient { key: next, ..unit };
    let next_body = rotate_to(&rotated.key.public_hex());
    assert_eq!(
        rotated
            .call(&w.app, "POST", ROTATE, &next_body)
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    // Removed: refused with the reseller's reason, even with a valid signature.
    let path = format!(
        "/api/v1/hotspots/{}/units/{}/removed",
        w.hotspot[0], rotated.unit
    );
    let (status, _, _) = w
        .send(
            Who::ResellerA,
            "PUT",
            &path,
            Some(r#"{"reason":"moved to the annex"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let h = rotated.headers("POST", ROTATE, &next_body);
    let reply = refused(
        &w,
        SyncClient::build("POST", ROTATE, &h, &next_body),
        StatusCode::FORBIDDEN,
        "unit_removed",
    )
    .await;
    assert!(reply.body.contains("moved to the annex"), "{}", reply.body);
    // The other unit is unaffected.
    let other_body = rotate_to(&other.key.public_hex());
    assert_eq!(
        other.call(&w.app, "POST", ROTATE, &other_body).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(h.iter().any(|(k, _)| *k == HEADER_UNIT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_pass_once_and_only_from_their_unit_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_pass_once_and_only_from_their_unit_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
