//! What names a profile in the manager: the login methods of the technical preferences (a
//! missing profile refused by field, email and SMS switched on) and voucher batches made from
//! it by desk and customer (page and API; its vouchers carry it); a profile in use is neither
//! deleted nor renamed. On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::manager_api::{api, create, refused};
use common::postgres::Postgres;

async fn methods_name_profiles(backend: Backend) {
    let w = World::new(&backend, 2).await;
    let h = w.hotspot[0];
    let r = Who::ResellerA;
    let p = create(
        &w,
        r,
        &format!("/api/v1/hotspots/{h}/profiles"),
        r#"{"name":"day","name_for_users":"Day pass"}"#,
    )
    .await;
    let one = format!("/api/v1/hotspots/{h}/profiles/{}", p["id"]);
    let page = format!("/hotspots/{h}/preferences");
    let (_, _, html) = w.send(r, "GET", &page, None).await;
    assert!(
        html.contains(r#"<option value="day">day (Day pass)</option>"#),
        "{html}"
    );

    // Email switched on naming a profile the hotspot lacks: refused by field, nothing saved.
    let bad = "revision=0&methods.email.enabled=false&methods.email.enabled=true&methods.email.profile=night";
    refused(&w, r, "POST", &page, bad, "methods.email.profile").await;
    let prefs = format!("/api/v1/hotspots/{h}/preferences");
    let body = r#"{"revision":0,"set":{"methods.sms.enabled":true,"methods.sms.profile":"night","methods.sms.countries":["IT"]}}"#;
    refused(&w, r, "PATCH", &prefs, body, "methods.sms.profile").await;

    // Naming the hotspot's profile: saved, and the page shows it chosen.
    let (status, _, text) = w
        .send(r, "POST", &page, Some(&bad.replace("night", "day")))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let (_, now) = api(&w, r, "GET", &prefs, "").await;
    assert_eq!(
        (
            now["fields"]["methods.email.enabled"].as_bool(),
            now["fields"]["methods.email.profile"].as_str()
        ),
        (Some(true), Some("day"))
    );
    let (_, _, html) = w.send(r, "GET", &page, None).await;
    assert!(
        html.contains(r#"<option value="day" selected>day (Day pass)</option>"#),
        "{html}"
    );
    let (status, v) = api(
        &w,
        r,
        "PATCH",
        &prefs,
        &body.replace("night", "day").replace(":0,", ":1,"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["fields"]["methods.sms.enabled"], true);

    // In use by email and SMS: neither deleted nor renamed, and the confirmation says why.
    let (_, _, html) = w
        .send(
            r,
            "GET",
            &format!("/hotspots/{h}/profiles/{}/delete", p["id"]),
            None,
        )
        .await;
    assert!(
        html.contains("cannot be deleted") && html.contains("email, sms"),
        "{html}"
    );
    refused(&w, r, "DELETE", &one, "", "email, sms").await;
    refused(&w, r, "PUT", &one, r#"{"name":"daily"}"#, "name").await;
}

async fn batches_from_profiles(backend: Backend) {
    let w = World::new(&backend, 3).await;
    let (h, other) = (w.hotspot[0], w.hotspot[1]);
    let r = Who::ResellerA;
    let p = create(&w, r, &format!("/api/v1/hotspots/{h}/profiles"), r#"{"name":"day","name_for_users":"Day pass","validity":"1d","starts":"now","shared_users":2}"#).await;
    let l = create(
        &w,
        r,
        &format!("/api/v1/hotspots/{h}/limitations"),
        r#"{"name":"slow","down":"2M"}"#,
    )
    .await;
    let (status, _) = api(
        &w,
        r,
        "PUT",
        &format!(
            "/api/v1/hotspots/{h}/profiles/{}/limitations/{}",
            p["id"], l["id"]
        ),
        "{}",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    create(
        &w,
        Who::ResellerB,
        &format!("/api/v1/hotspots/{other}/profiles"),
        r#"{"name":"theirs"}"#,
    )
    .await;

    // The desk sees the profile names where it makes a batch, and makes one from the page.
    let (status, names) = api(
        &w,
        Who::DeskA,
        "GET",
        &format!("/api/v1/hotspots/{h}/voucher-profiles"),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        names,
        serde_json::json!([{"name": "day", "name_for_users": "Day pass"}])
    );
    let page = format!("/hotspots/{h}/vouchers");
    let (_, _, html) = w.send(Who::DeskA, "GET", &page, None).await;
    assert!(
        html.contains(r#"<option value="day">profile day (Day pass)</option>"#),
        "{html}"
    );
    let (status, location, text) = w
        .send(
            Who::DeskA,
            "POST",
            &page,
            Some("count=3&profile=day&uses=single"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let batch: i64 = location.rsplit('=').next().unwrap().parse().unwrap();
    let (_, list) = api(
        &w,
        Who::DeskA,
        "GET",
        &format!("/api/v1/hotspots/{h}/vouchers?batch={batch}"),
        "",
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for v in items {
        assert_eq!(
            (v["profile"].as_str(), v["profile_for_users"].as_str()),
            (Some("day"), Some("Day pass")),
            "{v}"
        );
        assert!(
            v["terms"]
                .as_str()
                .unwrap()
                .contains("1d from creation, 2 device(s)"),
            "{v}"
        );
        assert!(
            v["expires_at"].is_i64(),
            "validity from creation has an end: {v}"
        );
    }

    // The customer through the API; the sheet prints the name for guests and the terms.
    let (status, created) = api(
        &w,
        Who::CustomerA,
        "POST",
        &format!("/api/v1/hotspots/{h}/vouchers"),
        r#"{"count":2,"profile":"day"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["batch"]["profile"], "day");
    assert!(
        created["batch"]["terms"]
            .as_str()
            .unwrap()
            .contains("rate 2M/-"),
        "{created}"
    );
    let print = format!(
        "/hotspots/{h}/vouchers/batches/{}/print",
        created["batch"]["id"]
    );
    let (_, _, sheet) = w.send(Who::CustomerA, "GET", &print, None).await;
    assert!(
        sheet.contains("<strong>Day pass</strong>") && sheet.contains("1d from creation"),
        "{sheet}"
    );
    let (_, _, html) = w.send(Who::DeskA, "GET", &page, None).await;
    assert!(
        html.contains("<strong>Day pass</strong> (profile day)"),
        "{html}"
    );

    // A profile the hotspot lacks (even one of another tenant): refused, nothing made.
    let api_path = format!("/api/v1/hotspots/{h}/vouchers");
    refused(
        &w,
        Who::DeskA,
        "POST",
        &api_path,
        r#"{"count":2,"profile":"theirs"}"#,
        "profile",
    )
    .await;
    refused(
        &w,
        Who::DeskA,
        "POST",
        &page,
        "count=2&profile=nope",
        "profile",
    )
    .await;
    // Its vouchers hold it: it stays.
    let one = format!("/api/v1/hotspots/{h}/profiles/{}", p["id"]);
    refused(&w, r, "DELETE", &one, "", &format!("#{batch}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_name_the_hotspots_profiles_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    methods_name_profiles(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_name_the_hotspots_profiles_on_postgres() {
    let pg = Postgres::start();
    methods_name_profiles(Backend::Postgres(pg.url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voucher_batches_from_a_profile_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    batches_from_profiles(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voucher_batches_from_a_profile_on_postgres() {
    let pg = Postgres::start();
    batches_from_profiles(Backend::Postgres(pg.url())).await;
}
