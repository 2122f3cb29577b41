//! API tokens as integrations and attackers use them: read and write scopes, tenant scope,
//! no CSRF needed (no ambient credential), never on pages or the token routes, revocation,
//! disabled accounts, only a hash kept.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::manager::{Who, call, world};
use serde_json::Value;

fn with_token(token: &str, method: &str, path: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_read_or_write_within_their_owners_scope_until_revoked() {
    let (_d, w) = world().await;
    let [ra, rb] = w.reseller;
    let [ha, hb] = w.hotspot;
    // Reseller A makes a read token; its value is shown once and never stored.
    let (s, _, text) = w
        .send(
            Who::ResellerA,
            "POST",
            "/api/v1/tokens",
            Some(r#"{"name":"reports","scope":"read"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
    let made: Value = serde_json::from_str(&text).unwrap();
    let read = made["value"].as_str().unwrap().to_string();
    assert!(read.starts_with("hsm_") && read.len() == 68, "{read}");
    assert!(
        !w.dump().await.iter().any(|row| row.contains(&read)),
        "the token's value is stored"
    );

    let a = call(&w, with_token(&read, "GET", "/api/v1/hotspots", "")).await;
    let ids: Vec<i64> = serde_json::from_str::<Value>(&a.body).unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [ha]);
    let before = w.dump().await;
    let new_hotspot = r#"{"name":"By token"}"#;
    let a = call(
        &w,
        with_token(
            &read,
            "POST",
            &format!("/api/v1/resellers/{ra}/hotspots"),
            new_hotspot,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body.contains("read_only_token"), "{}", a.body);
    // Foreign objects do not exist for it; pages and the token routes do not take it.
    assert_eq!(
        call(
            &w,
            with_token(&read, "GET", &format!("/api/v1/hotspots/{hb}"), "")
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&w, with_token(&read, "GET", "/api/v1/tokens", ""))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let page = call(&w, with_token(&read, "GET", "/hotspots", "")).await;
    assert_eq!(
        (page.status, page.location.as_str()),
        (StatusCode::SEE_OTHER, "/login")
    );
    // Nothing changed (but the tokens' own `last_used`).
    let data = |d: Vec<String>| {
        d.into_iter()
            .filter(|r| !r.starts_with("api_tokens"))
            .collect::<Vec<_>>()
    };
    assert_eq!(data(before), data(w.dump().await));

    // The write token works without any CSRF token (no cookie: nothing a forged page can send).
    let write = &w.token_value[0];
    let a = call(
        &w,
        with_token(
            write,
            "POST",
            &format!("/api/v1/resellers/{ra}/hotspots"),
            new_hotspot,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = call(
        &w,
        with_token(
            write,
            "POST",
            &format!("/api/v1/resellers/{rb}/hotspots"),
            new_hotspot,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    // Revoked: gone at once.
    let id = made["id"].as_i64().unwrap();
    let (s, _, _) = w
        .send(
            Who::ResellerB,
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another reseller cannot revoke it"
    );
    let (s, _, _) = w
        .send(
            Who::ResellerA,
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&w, with_token(&read, "GET", "/api/v1/hotspots", ""))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // A disabled reseller's tokens stop too.
    let (s, _, _) = w
        .send(
            Who::Admin,
            "PUT",
            &format!("/api/v1/resellers/{ra}/disabled"),
            Some(r#"{"disabled":true}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        call(&w, with_token(write, "GET", "/api/v1/hotspots", ""))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let (_, _, log) = w.send(Who::Admin, "GET", "/api/v1/audit", None).await;
    assert!(
        log.contains("create read API token") && log.contains("revoke API token"),
        "{log}"
    );
}
