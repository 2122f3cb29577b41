//! MAC addresses allowed, in the manager: the desk adds devices with a description and rates
//! and removes them; each change is a revision of the hotspot settings document; a bad
//! address, a bad rate or a device listed twice is refused by field and saves nothing;
//! another hotspot's list is not reachable. On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use serde_json::Value;

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let (h, other) = (w.hotspot[0], w.hotspot[1]);
    let api = format!("/api/v1/hotspots/{h}/macs");

    let (status, location, _) = w
        .send(
            Who::DeskA,
            "POST",
            &format!("/hotspots/{h}/macs"),
            Some("mac=AA%3ABB%3ACC%3ADD%3AEE%3A01&note=Lobby+printer&down=2M&up="),
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/hotspots/{h}/macs").as_str()
        )
    );
    let (status, _, text) = w
        .send(
            Who::CustomerA,
            "POST",
            &api,
            Some(r#"{"mac":"aa:bb:cc:dd:ee:02","note":"Till"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let (_, _, text) = w.send(Who::DeskA, "GET", &api, None).await;
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        list,
        serde_json::json!([
            {"mac": "aa:bb:cc:dd:ee:01", "note": "Lobby printer", "down": "2M"},
            {"mac": "aa:bb:cc:dd:ee:02", "note": "Till"}
        ])
    );
    let (_, _, page) = w
        .send(Who::DeskA, "GET", &format!("/hotspots/{h}/macs"), None)
        .await;
    assert!(
        page.contains("Lobby printer") && page.contains("aa:bb:cc:dd:ee:02"),
        "{page}"
    );

    // Refusals: named by field, nothing saved.
    let before = w.dump().await;
    for (body, field) in [
        (r#"{"mac":"aa:bb:cc:dd:ee"}"#, "access.allow_macs[2].mac"),
        (
            r#"{"mac":"aa:bb:cc:dd:ee:03","down":"fast"}"#,
            "access.allow_macs[2].down",
        ),
        (
            r#"{"mac":"aa:bb:cc:dd:ee:04","up":"1k"}"#,
            "access.allow_macs[2].up",
        ),
        (r#"{"mac":"AA:BB:CC:DD:EE:01"}"#, "access.allow_macs[2].mac"),
    ] {
        let (status, _, text) = w.send(Who::DeskA, "POST", &api, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {text}");
        let err: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(err["error"]["field"], field, "{body}: {text}");
    }
    let (status, _, page) = w
        .send(
            Who::DeskA,
            "POST",
            &format!("/hotspots/{h}/macs"),
            Some("mac=nonsense&note=TV"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Nothing was saved") && page.contains("value=\"nonsense\""),
        "{page}"
    );
    assert_eq!(before, w.dump().await, "a refused change saved something");
    // Another hotspot's list: its device is not found through this hotspot, nor reachable.
    let (status, _, _) = w
        .send(
            Who::CustomerB,
            "POST",
            &format!("/api/v1/hotspots/{other}/macs"),
            Some(r#"{"mac":"aa:bb:cc:dd:ee:99"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let before = w.dump().await;
    let (status, _, _) = w
        .send(
            Who::DeskA,
            "DELETE",
            &format!("{api}/aa:bb:cc:dd:ee:99"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = w
        .send(
            Who::DeskA,
            "DELETE",
            &format!("/api/v1/hotspots/{other}/macs/aa:bb:cc:dd:ee:99"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(before, w.dump().await);

    // Removal by address, as written or not.
    let (status, _, _) = w
        .send(
            Who::DeskA,
            "POST",
            &format!("/hotspots/{h}/macs/AA:BB:CC:DD:EE:01/delete"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, text) = w.send(Who::DeskA, "GET", &api, None).await;
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["mac"], "aa:bb:cc:dd:ee:02");
    let (_, _, text) = w
        .send(
            Who::ResellerA,
            "GET",
            &format!("/api/v1/hotspots/{h}/preferences"),
            None,
        )
        .await;
    let prefs: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        prefs["revision"], 3,
        "three accepted changes, three revisions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_macs_are_added_refused_by_field_and_removed_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_macs_are_added_refused_by_field_and_removed_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
