//! Single sign-on login links, as a reseller's browser and an attacker meet them: a link opens
//! the manager once, without a password, with a new session; used, expired or unknown links
//! give a clear page and no session; disabling the reseller ends its session, voids its links
//! and refuses new ones; the master key works neither in a URL nor on other routes; every
//! use audited. Runs on SQLite and on PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::manager::{Backend, World, call, cookie_value};
use common::postgres::Postgres;
use common::sso::{PLATFORM, audit, follow, json_of, platform, rotate, state_of};
use hotspotd::manager::db::Mode;
use serde_json::json;

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 0).await;
    let key = rotate(&w).await;
    let reseller = json!({"name": "Acme Wifi", "username": "acme"});
    let a = platform(
        &w,
        &key,
        "PUT",
        "/api/v1/sso/resellers/acme-1",
        reseller.clone(),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    // A login link opens the manager as acme once, without a password.
    let link_path = "/api/v1/sso/resellers/acme-1/login-link";
    let a = platform(&w, &key, "POST", link_path, json!({})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let link = json_of(&a);
    let url = link["url"].as_str().unwrap().to_string();
    let secret = url.rsplit('/').next().unwrap().to_string();
    assert!(link["expires_at"].as_i64().unwrap() <= chrono::Utc::now().timestamp() + 60);
    assert!(
        !w.dump().await.iter().any(|r| r.contains(&secret)),
        "the link's secret is stored"
    );
    let opened = follow(&w, &url).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    assert!(
        opened
            .body
            .contains("http-equiv=\"refresh\" content=\"0; url=/\""),
        "{}",
        opened.body
    );
    assert!(!opened.body.contains(&secret));
    let session = cookie_value(&opened.cookies, "hsm_session").expect("a session cookie");
    let me = call(
        &w,
        Request::get("/api/v1/me")
            .header(header::COOKIE, format!("hsm_session={session}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(json_of(&me)["username"], "acme");
    // Replayed: a clear page and no session.
    let again = follow(&w, &url).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(
        again.body.contains("already been used or has expired"),
        "{}",
        again.body
    );
    assert!(cookie_value(&again.cookies, "hsm_session").is_none());
    // Expired: the same.
    let a = platform(&w, &key, "POST", link_path, json!({})).await;
    let late = json_of(&a)["url"].as_str().unwrap().to_string();
    w.db.tx(Mode::Write, |c| {
        c.execute("UPDATE login_links SET expires_at = 0", &[])
            .map(|_| ())
    })
    .await
    .unwrap();
    let expired = follow(&w, &late).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(cookie_value(&expired.cookies, "hsm_session").is_none());
    // An unknown link too.
    let unknown = follow(
        &w,
        &format!("{}/sso/login/{}", common::manager::URL, "0".repeat(64)),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::GONE);

    // Disabling acme ends its session, voids its unused link and refuses it new ones.
    let a = platform(&w, &key, "POST", link_path, json!({})).await;
    let pending = json_of(&a)["url"].as_str().unwrap().to_string();
    let disabled = json!({"name": "Acme Networks", "username": "acme", "disabled": true});
    let a = platform(
        &w,
        &key,
        "PUT",
        "/api/v1/sso/resellers/acme-1",
        disabled.clone(),
    )
    .await;
    assert_eq!(
        (a.status, json_of(&a)["changed"].clone()),
        (StatusCode::OK, json!(true))
    );
    let me = call(
        &w,
        Request::get("/api/v1/me")
            .header(header::COOKIE, format!("hsm_session={session}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(follow(&w, &pending).await.status, StatusCode::GONE);
    let before = state_of(&w).await;
    let a = platform(&w, &key, "POST", link_path, json!({})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(a.body.contains("disabled"), "{}", a.body);
    let a = platform(&w, &key, "PUT", "/api/v1/sso/resellers/acme-1", disabled).await;
    assert_eq!(json_of(&a)["changed"], json!(false));
    assert_eq!(before, state_of(&w).await);

    // The key never works in a URL, nor on any other route.
    let a = call(
        &w,
        Request::put(format!("/api/v1/sso/resellers/acme-1?master_key={key}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(reseller.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = platform(&w, &key, "GET", "/api/v1/hotspots", json!({})).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.body);

    let audit = audit(&w).await;
    let made = audit
        .iter()
        .filter(|e| e.0 == "sso" && e.1 == "sso make login link");
    assert!(
        made.clone().count() == 3 && made.clone().all(|e| e.3 == PLATFORM),
        "{audit:?}"
    );
    let logins: Vec<_> = audit.iter().filter(|e| e.1 == "sso log in").collect();
    assert_eq!(logins.len(), 1, "{audit:?}");
    assert_eq!(
        (
            logins[0].0.as_str(),
            logins[0].2.as_str(),
            logins[0].3.as_str()
        ),
        ("sso", "acme", "198.51.100.9")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_login_links_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_login_links_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
