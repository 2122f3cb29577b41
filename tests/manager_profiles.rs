//! Profiles and limitations in the manager (technical preferences, the reseller's): created,
//! edited, attached and deleted through pages and API with the gateway's rules (a refusal
//! names the field and saves nothing); a profile in use cannot be deleted or renamed; another
//! tenant's ids are not found; desk and customer cannot touch them but make voucher batches
//! from them; the preferences name them for the login methods (email enabled here). On SQLite
//! and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use serde_json::Value;

/// An API call; the status and the JSON answer (`null` when there is none).
async fn api(w: &World, who: Who, method: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let body = (method != "GET").then_some(body);
    let (status, _, text) = w.send(who, method, path, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A refused request: 422 naming `field`, and nothing changed.
async fn refused(w: &World, who: Who, method: &str, path: &str, body: &str, field: &str) {
    let before = w.dump().await;
    let (status, location, text) = w.send(who, method, path, Some(body)).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{path} {location} {text}"
    );
    assert!(text.contains(field), "{field} not named: {text}");
    assert_eq!(
        before,
        w.dump().await,
        "{path}: a refused request changed something"
    );
}

async fn create(w: &World, who: Who, path: &str, body: &str) -> Value {
    let (status, v) = api(w, who, "POST", path, body).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {v}");
    v
}

async fn profiles_and_limitations(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let (h, other) = (w.hotspot[0], w.hotspot[1]);
    let r = Who::ResellerA;
    let lims = format!("/api/v1/hotspots/{h}/limitations");
    let l = create(
        &w,
        r,
        &lims,
        r#"{"name":"office","uptime":"2h","down":"10M","reset":"daily"}"#,
    )
    .await;
    let lid = l["id"].as_i64().unwrap();
    assert_eq!(
        (l["uptime_limit"].as_i64(), l["rate_down_bps"].as_i64()),
        (Some(7200), Some(10_000_000))
    );
    refused(
        &w,
        r,
        "POST",
        &lims,
        r#"{"name":"bad","down":"fast"}"#,
        "down",
    )
    .await;
    refused(&w, r, "POST", &lims, r#"{"name":"office"}"#, "name").await;

    // A profile from the page's form; bad values refused by field.
    let page = format!("/hotspots/{h}/profiles");
    let form = "name=day&name_for_users=Day+pass&validity=1d&starts=first-logon&shared_users=2\
                &price=4.50&outside_windows=deny";
    let (status, location, text) = w.send(r, "POST", &page, Some(form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let pid: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    refused(
        &w,
        r,
        "POST",
        &page,
        &form.replace("validity=1d", "validity=forever"),
        "validity",
    )
    .await;
    refused(
        &w,
        r,
        "POST",
        &page,
        &form.replace("shared_users=2", "shared_users=0"),
        "shared_users",
    )
    .await;
    refused(&w, r, "POST", &page, form, "name").await;
    let one = format!("/api/v1/hotspots/{h}/profiles/{pid}");
    let (_, p) = api(&w, r, "GET", &one, "").await;
    assert_eq!(
        (p["name_for_users"].as_str(), p["price_cents"].as_i64()),
        (Some("Day pass"), Some(450))
    );
    assert_eq!(p["clock"]["validity_secs"], 86_400);

    // The limitation attached inside office hours on weekdays; an empty window refused.
    let attach = format!("/hotspots/{h}/profiles/{pid}/limitations");
    let (status, _, text) = w
        .send(
            r,
            "POST",
            &attach,
            Some(&format!(
                "limitation={lid}&from=08:00&till=18:00&days=mon-fri"
            )),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let bad_window = format!("limitation={lid}&from=08:00&till=08:00&days=all");
    refused(&w, r, "POST", &attach, &bad_window, "till").await;
    let (_, p) = api(&w, r, "GET", &one, "").await;
    let window = &p["limitations"][0]["window"];
    assert_eq!(
        (
            window["from"].as_i64(),
            window["till"].as_i64(),
            window["weekdays"].as_i64()
        ),
        (Some(28_800), Some(64_800), Some(31))
    );
    let (_, _, html) = w.send(r, "GET", &page, None).await;
    assert!(
        html.contains("Day pass") && html.contains("08:00–18:00 mon,tue,wed,thu,fri"),
        "{html}"
    );

    // Edited through the API; the limitation edited through its page.
    let (status, p) = api(
        &w,
        r,
        "PUT",
        &one,
        r#"{"name":"day","name_for_users":"Day pass","validity":"2d","shared_users":3}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(
        (
            p["clock"]["validity_secs"].as_i64(),
            p["shared_users"].as_i64(),
            p["price_cents"].as_i64()
        ),
        (Some(172_800), Some(3), None)
    );
    refused(
        &w,
        r,
        "PUT",
        &one,
        r#"{"name":"day","starts":"tomorrow"}"#,
        "starts",
    )
    .await;
    let (status, _, _) = w
        .send(
            r,
            "POST",
            &format!("/hotspots/{h}/limitations/{lid}"),
            Some("name=office&uptime=3h&reset=daily"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, p) = api(&w, r, "GET", &one, "").await;
    assert_eq!(p["limitations"][0]["limitation"]["uptime_limit"], 10_800);

    // Cursor pagination of the API list.
    for name in ["week", "month"] {
        create(
            &w,
            r,
            &format!("/api/v1/hotspots/{h}/profiles"),
            &format!(r#"{{"name":"{name}"}}"#),
        )
        .await;
    }
    let list = format!("/api/v1/hotspots/{h}/profiles");
    let (_, first) = api(&w, r, "GET", &format!("{list}?limit=2"), "").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_i64().unwrap();
    let (_, rest) = api(&w, r, "GET", &format!("{list}?limit=2&cursor={cursor}"), "").await;
    assert_eq!(rest["items"][0]["name"], "month");
    assert!(rest["next_cursor"].is_null());

    // Another tenant's profile is not found, through either hotspot; nothing changes.
    let theirs = create(
        &w,
        Who::ResellerB,
        &format!("/api/v1/hotspots/{other}/profiles"),
        r#"{"name":"theirs"}"#,
    )
    .await;
    let tid = theirs["id"].as_i64().unwrap();
    let before = w.dump().await;
    for (method, path) in [
        ("GET", format!("/api/v1/hotspots/{h}/profiles/{tid}")),
        ("PUT", format!("/api/v1/hotspots/{h}/profiles/{tid}")),
        ("DELETE", format!("/api/v1/hotspots/{h}/profiles/{tid}")),
        (
            "PUT",
            format!("/api/v1/hotspots/{h}/profiles/{tid}/limitations/{lid}"),
        ),
        ("GET", format!("/hotspots/{h}/profiles/{tid}")),
        ("POST", format!("/hotspots/{h}/profiles/{tid}/delete")),
    ] {
        let (status, _, text) = w.send(r, method, &path, Some(r#"{"name":"x"}"#)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {text}");
    }
    let (status, _) = api(
        &w,
        Who::ResellerB,
        "GET",
        &one.replace(&format!("/{h}/"), &format!("/{other}/")),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Desk and customer: neither pages nor API of profiles and limitations.
    for who in [Who::DeskA, Who::CustomerA] {
        for (method, path, body) in [
            ("GET", page.clone(), ""),
            ("POST", page.clone(), "name=mine"),
            ("POST", list.clone(), r#"{"name":"mine"}"#),
            ("DELETE", one.clone(), ""),
            ("POST", lims.clone(), r#"{"name":"mine"}"#),
        ] {
            let (status, _, text) = w.send(who, method, &path, Some(body)).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{who:?} {method} {path}: {text}"
            );
        }
    }
    assert_eq!(
        before,
        w.dump().await,
        "a refused request changed something"
    );

    // Deleting the limitation says which profiles lose it, then detaches it.
    let confirm = format!("/hotspots/{h}/limitations/{lid}/delete");
    let (_, _, html) = w.send(r, "GET", &confirm, None).await;
    assert!(html.contains("profile(s) day"), "{html}");
    let (status, _, _) = w.send(r, "POST", &confirm, Some("")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, p) = api(&w, r, "GET", &one, "").await;
    assert_eq!(p["limitations"], serde_json::json!([]));
    // A profile nothing uses is deleted after its confirmation page.
    let (_, _, html) = w
        .send(
            r,
            "GET",
            &format!("/hotspots/{h}/profiles/{pid}/delete"),
            None,
        )
        .await;
    assert!(html.contains("Delete profile day?"), "{html}");
    let (status, _, _) = w
        .send(
            r,
            "POST",
            &format!("/hotspots/{h}/profiles/{pid}/delete"),
            Some(""),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(api(&w, r, "GET", &one, "").await.0, StatusCode::NOT_FOUND);
    let (_, audit) = api(&w, r, "GET", "/api/v1/audit", "").await;
    let audit = audit.to_string();
    for action in [
        "create profile",
        "edit profile",
        "attach limitation",
        "delete limitation",
        "delete profile",
    ] {
        assert!(audit.contains(action), "{action} not audited: {audit}");
    }
}

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
async fn profiles_and_limitations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    profiles_and_limitations(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_and_limitations_on_postgres() {
    let pg = Postgres::start();
    profiles_and_limitations(Backend::Postgres(pg.url())).await;
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
