//! Units in the manager: registration tokens are shown once and stored only as hashes, expire,
//! are revoked; the customer reads, only the reseller creates and revokes; the units list is
//! empty until synchronisation. On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use hotspotd::manager::db::Mode;
use serde_json::Value;

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let (h, other) = (w.hotspot[0], w.hotspot[1]);
    let page = format!("/hotspots/{h}/units");

    let (status, _, html) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("{page}/tokens"),
            Some("note=Lobby&valid_for=2h"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let start = html
        .find("id=\"registration-token\">")
        .expect("token shown")
        + 24;
    let secret = html[start..start + html[start..].find('<').unwrap()].to_string();
    assert_eq!(secret.len(), 48, "{secret}");
    // Stored only as a hash; never shown again.
    assert!(!w.dump().await.iter().any(|row| row.contains(&secret)));
    let (status, _, again) = w.send(Who::ResellerA, "GET", &page, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!again.contains(&secret) && again.contains("Lobby"));
    assert!(again.contains("No units yet"), "{again}");

    // The customer reads; creating and revoking are the reseller's.
    let (status, _, text) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/api/v1/hotspots/{h}/units"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["units"], serde_json::json!([]));
    assert_eq!(list["tokens"][0]["state"], "valid");
    assert!(!text.contains(&secret));
    let (status, _, _) = w
        .send(
            Who::CustomerA,
            "POST",
            &format!("/api/v1/hotspots/{h}/unit-tokens"),
            Some("{}"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = w.send(Who::DeskA, "GET", &page, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Bad validity: refused by field.
    for v in ["90d", "10s", "soon"] {
        let (status, _, text) = w
            .send(
                Who::ResellerA,
                "POST",
                &format!("/api/v1/hotspots/{h}/unit-tokens"),
                Some(&format!(r#"{{"valid_for":"{v}"}}"#)),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}: {text}");
        assert!(text.contains("valid_for"));
    }
    // Another hotspot's token is not found through this hotspot.
    let (_, _, text) = w
        .send(
            Who::ResellerB,
            "POST",
            &format!("/api/v1/hotspots/{other}/unit-tokens"),
            Some("{}"),
        )
        .await;
    let theirs = serde_json::from_str::<Value>(&text).unwrap()["id"]
        .as_i64()
        .unwrap();
    let before = w.dump().await;
    let (status, _, _) = w
        .send(
            Who::ResellerA,
            "DELETE",
            &format!("/api/v1/hotspots/{h}/unit-tokens/{theirs}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(before, w.dump().await);

    // Revoked and expired tokens say so.
    let id = list["tokens"][0]["id"].as_i64().unwrap();
    let (status, _, _) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("{page}/tokens/{id}/revoke"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, text) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("/api/v1/hotspots/{h}/unit-tokens"),
            Some(r#"{"valid_for":"1m"}"#),
        )
        .await;
    let short = serde_json::from_str::<Value>(&text).unwrap()["id"]
        .as_i64()
        .unwrap();
    w.db.tx(Mode::Write, move |c| {
        c.execute(
            "UPDATE unit_tokens SET expires_at = 1 WHERE id = $1",
            &[short.into()],
        )
    })
    .await
    .unwrap();
    let (_, _, text) = w
        .send(
            Who::CustomerA,
            "GET",
            &format!("/api/v1/hotspots/{h}/units"),
            None,
        )
        .await;
    let list: Value = serde_json::from_str(&text).unwrap();
    let states: Vec<&str> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["expired", "revoked"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_tokens_are_shown_once_expire_and_are_revoked_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_tokens_are_shown_once_expire_and_are_revoked_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
