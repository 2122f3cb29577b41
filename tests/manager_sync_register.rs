//! Sync registration: a one-time token registers one unit with its public key and gets the
//! manager's key and the hotspot's voucher key back; used, unknown, revoked and expired tokens
//! and malformed requests are refused with a clear code and change nothing; two units racing
//! with one token get one unit; the Units view shows the unit and the reseller removes it.
//! On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sync_client::{new_key, post_register, register_request, token};
use hotspotd::manager::db::Mode;
use serde_json::Value;

async fn units(w: &World, hotspot: i64) -> Value {
    let (status, _, text) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/api/v1/hotspots/{hotspot}/units"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str::<Value>(&text).unwrap()["units"].clone()
}

/// Registration with `body` is refused with `status` and `code`, and nothing changes.
async fn refused(w: &World, body: &str, status: StatusCode, code: &str) {
    let before = w.dump().await;
    let reply = post_register(&w.app, body).await;
    assert_eq!(reply.status, status, "{body}: {}", reply.body);
    assert_eq!(reply.code(), code, "{}", reply.body);
    assert!(
        !reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert_eq!(before, w.dump().await, "{code} changed something");
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let h = w.hotspot[0];
    let (_, secret) = token(&w, Who::ResellerA, h).await;

    // Malformed requests do not spend the token.
    let key = new_key();
    let good = register_request(&key, &secret, "lobby-1");
    let with = |f: &dyn Fn(&mut hotspotd::proto::register::RegisterRequest)| {
        let mut r = good.clone();
        f(&mut r);
        serde_json::to_string(&r).unwrap()
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        &w,
        &with(&|r| r.public_key = "zz".into()),
        unprocessable,
        "invalid",
    )
    .await;
    let short = "ab".repeat(31);
    refused(
        &w,
        &with(&|r| r.public_key = short.clone()),
        unprocessable,
        "invalid",
    )
    .await;
    refused(
        &w,
        &with(&|r| r.name = "  ".into()),
        unprocessable,
        "invalid",
    )
    .await;
    refused(
        &w,
        &with(&|r| r.name = "x".repeat(65)),
        unprocessable,
        "invalid",
    )
    .await;
    refused(&w, &with(&|r| r.protocol = 0), unprocessable, "invalid").await;
    refused(&w, "{not json", StatusCode::BAD_REQUEST, "bad_request").await;
    let huge = with(&|r| r.version = "v".repeat(20_000));
    refused(&w, &huge, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;
    let bad = post_register(&w.app, &with(&|r| r.public_key = "zz".into())).await;
    assert_eq!(
        bad.json()["error"]["message"],
        "public_key must be 64 hex digits (an Ed25519 public key)"
    );

    // Two units racing with one token: one is registered.
    let body = serde_json::to_string(&good).unwrap();
    let other = serde_json::to_string(&register_request(&new_key(), &secret, "lobby-2")).unwrap();
    let (a, b) = tokio::join!(post_register(&w.app, &body), post_register(&w.app, &other));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} {}",
        a.body,
        b.body
    );
    let won = if a.status == StatusCode::CREATED {
        &a
    } else {
        &b
    };
    let lost = if a.status == StatusCode::CREATED {
        &b
    } else {
        &a
    };
    assert_eq!(lost.code(), "token_used");
    let answer = won.json();
    assert_eq!(answer["hotspot_id"], h);
    // The keys the unit needs: the manager's signing key and the hotspot's voucher key.
    let (manager_key, voucher_key) =
        w.db.tx(Mode::Read, move |c| {
            let m = c.query("SELECT public_hex FROM signing_key", &[])?[0].text(0)?;
            let v = c.query(
                "SELECT key_hex FROM voucher_keys WHERE hotspot_id = $1",
                &[h.into()],
            )?[0]
                .text(0)?;
            Ok::<_, hotspotd::manager::db::DbError>((m, v))
        })
        .await
        .unwrap();
    assert_eq!(answer["manager_key"], manager_key);
    assert_eq!(answer["voucher_key"], voucher_key);
    assert_eq!(manager_key.len(), 64);

    // Used, unknown, revoked and expired tokens.
    refused(&w, &body, StatusCode::CONFLICT, "token_used").await;
    let unknown = with(&|r| r.token = "0".repeat(48));
    refused(&w, &unknown, StatusCode::UNAUTHORIZED, "token_unknown").await;
    let (revoked_id, revoked) = token(&w, Who::ResellerA, h).await;
    let (status, _, _) = w
        .send(
            Who::ResellerA,
            "DELETE",
            &format!("/api/v1/hotspots/{h}/unit-tokens/{revoked_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let revoked = with(&|r| r.token = revoked.clone());
    refused(&w, &revoked, StatusCode::GONE, "token_revoked").await;
    let (expired_id, expired) = token(&w, Who::ResellerA, h).await;
    w.db.tx(Mode::Write, move |c| {
        c.execute(
            "UPDATE unit_tokens SET expires_at = 1 WHERE id = $1",
            &[expired_id.into()],
        )
    })
    .await
    .unwrap();
    let expired = with(&|r| r.token = expired.clone());
    refused(&w, &expired, StatusCode::GONE, "token_expired").await;

    // The Units view: online, its version; another hotspot's reseller sees nothing of it.
    let listed = units(&w, h).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["online"], true);
    assert_eq!(listed[0]["version"], "test-1.0");
    assert_eq!(listed[0]["id"], answer["unit_id"]);
    let unit = answer["unit_id"].as_i64().unwrap();
    let path = format!("/api/v1/hotspots/{h}/units/{unit}/removed");
    let before = w.dump().await;
    for (who, reason) in [
        (Who::ResellerB, "stolen"),
        (Who::CustomerA, "stolen"),
        (Who::ResellerA, " "),
    ] {
        let body = serde_json::json!({ "reason": reason }).to_string();
        let (status, _, text) = w.send(who, "PUT", &path, Some(&body)).await;
        assert!(
            [StatusCode::NOT_FOUND, StatusCode::UNPROCESSABLE_ENTITY].contains(&status),
            "{who:?}: {status} {text}"
        );
    }
    assert_eq!(before, w.dump().await);
    // Removed through the page's form by the reseller, with the reason shown and audited.
    let (status, _, _) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("/hotspots/{h}/units/{unit}/remove"),
            Some("reason=stolen+from+the+lobby"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let listed = units(&w, h).await;
    assert_eq!(listed[0]["online"], false);
    assert_eq!(listed[0]["removed_reason"], "stolen from the lobby");
    let (_, _, html) = w
        .send(Who::CustomerA, "GET", &format!("/hotspots/{h}/units"), None)
        .await;
    assert!(html.contains("removed: stolen from the lobby"), "{html}");
    let (_, _, audit) = w.send(Who::ResellerA, "GET", "/api/v1/audit", None).await;
    assert!(
        audit.contains("remove unit") && audit.contains("register unit"),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_consumes_one_token_and_refuses_the_rest_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_consumes_one_token_and_refuses_the_rest_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
