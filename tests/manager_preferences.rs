//! Technical preferences in the manager: the reseller changes login methods, timeouts, default
//! rates, the shared-users policy and the walled garden; each accepted change is a new
//! revision of the hotspot settings document; a refused one (the model's validation, a field
//! that is not a preference, a stale revision) names the field and its fix and saves nothing.
//! On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use serde_json::Value;

async fn get(w: &World, h: i64) -> Value {
    let who = if h == w.hotspot[0] {
        Who::ResellerA
    } else {
        Who::ResellerB
    };
    let (status, _, text) = w
        .send(
            who,
            "GET",
            &format!("/api/v1/hotspots/{h}/preferences"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let h = w.hotspot[0];
    let page = format!("/hotspots/{h}/preferences");

    let fresh = get(&w, h).await;
    assert_eq!(fresh["revision"], 0);
    assert_eq!(fresh["fields"]["sessions.idle_timeout"], "15m");
    let (status, _, html) = w.send(Who::ResellerA, "GET", &page, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Defaults: nothing saved yet"));

    // Refused by the model: both fields named with their fix, nothing saved.
    let before = w.dump().await;
    let bad = "revision=0&methods.click.enabled=false&methods.click.enabled=true&sessions.idle_timeout=forever\
               &sessions.session_timeout=1d&sessions.rate_down=&sessions.rate_up=\
               &sessions.shared_users_policy=refuse-new&access.garden=pay.example.com%0Anot+a+host%21";
    let (status, _, html) = w.send(Who::ResellerA, "POST", &page, Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("Nothing was saved"), "{html}");
    assert!(html.contains("sessions.idle_timeout"), "{html}");
    assert!(
        html.contains("forever"),
        "the form keeps what was typed: {html}"
    );
    assert_eq!(before, w.dump().await, "a refused change saved something");
    let (status, _, html) = w
        .send(
            Who::ResellerA,
            "POST",
            &page,
            Some("revision=0&access.garden=not+a+host%21"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("access.garden"), "{html}");
    assert_eq!(before, w.dump().await);

    // Accepted: one new revision with every change (click-through, switched on, names a
    // profile the hotspot must have).
    let (status, _, text) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("/api/v1/hotspots/{h}/profiles"),
            Some(r#"{"name":"click-through","validity":"1h"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let good = "revision=0&methods.click.enabled=false&methods.click.enabled=true\
                &methods.sms.enabled=false&methods.email.enabled=false\
                &methods.voucher.enabled=false&methods.voucher.enabled=true&methods.account.enabled=false\
                &sessions.session_timeout=12h&sessions.idle_timeout=10m&sessions.rate_down=10M&sessions.rate_up=2M\
                &sessions.shared_users_policy=end-oldest&access.garden=pay.example.com%0A203.0.113.0%2F24";
    let (status, location, text) = w.send(Who::ResellerA, "POST", &page, Some(good)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    assert_eq!(location, page);
    let now = get(&w, h).await;
    assert_eq!(now["revision"], 1);
    let f = &now["fields"];
    assert_eq!(f["methods.sms.enabled"], false);
    assert_eq!(f["methods.account.enabled"], false);
    assert_eq!(f["methods.click.enabled"], true);
    assert_eq!(f["sessions.idle_timeout"], "10m");
    assert_eq!(f["sessions.session_timeout"], "12h");
    assert_eq!(f["sessions.rate_down"], "10M");
    assert_eq!(f["sessions.shared_users_policy"], "end-oldest");
    assert_eq!(
        f["access.garden"],
        serde_json::json!(["pay.example.com", "203.0.113.0/24"])
    );
    let (_, _, html) = w.send(Who::ResellerA, "GET", &page, None).await;
    assert!(
        html.contains("Revision 1 is in force") && html.contains("reseller-0"),
        "{html}"
    );

    // A form opened before that change is stale: refused, named, nothing saved.
    let before = w.dump().await;
    let (status, _, html) = w.send(Who::ResellerA, "POST", &page, Some(good)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("reload the page"), "{html}");
    assert_eq!(before, w.dump().await);

    // The API: a field outside the preferences and a bad value refused together; then a change.
    let api = format!("/api/v1/hotspots/{h}/preferences");
    let (status, _, text) = w
        .send(
            Who::ResellerA,
            "PATCH",
            &api,
            Some(r#"{"revision":1,"set":{"design.logo":"x","name":"Other"}}"#),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        err["error"]["errors"].as_array().unwrap().len(),
        2,
        "{text}"
    );
    let (status, _, text) = w
        .send(
            Who::ResellerA,
            "PATCH",
            &api,
            Some(r#"{"revision":1,"set":{"sessions.rate_down":"1k"}}"#),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let err: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(err["error"]["field"], "sessions.rate_down", "{text}");
    assert!(
        err["error"]["errors"][0]["fix"]
            .as_str()
            .is_some_and(|f| !f.is_empty())
    );
    assert_eq!(before, w.dump().await);
    let (status, _, text) = w
        .send(Who::ResellerA, "PATCH", &api, Some(r#"{"revision":1,"set":{"sessions.rate_down":null,"methods.account.enabled":true,"access.garden":[]}}"#))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let now = get(&w, h).await;
    assert_eq!(now["revision"], 2);
    assert!(now["fields"]["sessions.rate_down"].is_null());
    assert_eq!(now["fields"]["methods.account.enabled"], true);
    // The other hotspot's document is untouched; the audit log names the fields.
    assert_eq!(get(&w, w.hotspot[1]).await["revision"], 0);
    let (_, _, audit) = w.send(Who::ResellerA, "GET", "/api/v1/audit", None).await;
    assert!(audit.contains("revision 2: "), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_change_by_revision_and_refusals_change_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_change_by_revision_and_refusals_change_nothing_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
