//! Profiles and limitations in the manager (technical preferences, the reseller's): created,
//! edited, attached and deleted through pages and API with the gateway's rules (a refusal
//! names the field and saves nothing); another tenant's ids are not found; desk and customer
//! cannot touch them. On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::manager_api::{api, create, refused};
use common::postgres::Postgres;

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
    // The form comes back with what was typed and the refusal.
    let typed = form.replace("validity=1d", "validity=forever");
    let (_, _, html) = w.send(r, "POST", &page, Some(&typed)).await;
    assert!(
        html.contains("Nothing was saved") && html.contains(r#"value="forever""#),
        "{html}"
    );
    let (status, _, html) = w
        .send(
            r,
            "POST",
            &format!("/hotspots/{h}/limitations"),
            Some("name=peak&down=fast"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(r#"value="fast""#) && html.contains("<strong>down "),
        "{html}"
    );
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
