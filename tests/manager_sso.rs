//! Single sign-on by master key, as the external platform and an attacker use it: idempotent
//! upserts by external id (resellers, hotspots, customer and desk accounts), disabling,
//! one-time login links (once, expired, replayed, for a disabled reseller), the key's rotation,
//! wrong keys throttled, the key never in a URL nor on other routes, every use audited, and
//! another reseller's external ids never hijacked. Runs on SQLite and on PostgreSQL.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::manager::{Answer, Backend, Who, World, call, cookie_value};
use common::postgres::Postgres;
use hotspotd::manager::db::{DbError, Mode};
use serde_json::{Value, json};

/// The platform's address, as the audit log must record it.
const PLATFORM: &str = "192.0.2.7";

fn from(addr: &str, mut req: Request<Body>) -> Request<Body> {
    let peer: SocketAddr = format!("{addr}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    req
}

/// A request of the platform with `key` in the master-key header.
async fn platform(w: &World, key: &str, method: &str, path: &str, body: Value) -> Answer {
    keyed(w, PLATFORM, key, method, path, body).await
}

/// A request from `addr` with `key` in the master-key header.
async fn keyed(w: &World, addr: &str, key: &str, method: &str, path: &str, body: Value) -> Answer {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("x-master-key", key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    call(w, from(addr, req)).await
}

fn json_of(a: &Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or_else(|_| panic!("{} {}", a.status, a.body))
}

/// The admin makes a new master key on its page; returns it (shown once).
async fn rotate(w: &World) -> String {
    let (status, _, html) = w.send(Who::Admin, "POST", "/master-key", Some("")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let start = html
        .find("id=\"master-key\">")
        .expect("the key on the page")
        + 16;
    let key = &html[start..start + html[start..].find('<').unwrap()];
    assert!(key.starts_with("hsm_mk_") && key.len() == 71, "{key}");
    key.to_string()
}

/// Every row but the audit log's (a repeated request is audited, and changes nothing else).
async fn state_of(w: &World) -> Vec<String> {
    let mut rows = w.dump().await;
    rows.retain(|r| !r.starts_with("audit_log"));
    rows
}

async fn follow(w: &World, url: &str) -> Answer {
    let path = url
        .strip_prefix(common::manager::URL)
        .expect("a link to the manager");
    call(
        w,
        from(
            "198.51.100.9",
            Request::get(path).body(Body::empty()).unwrap(),
        ),
    )
    .await
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 0).await;
    let key = rotate(&w).await;
    assert!(
        !w.dump().await.iter().any(|r| r.contains(&key)),
        "the master key is stored as it is"
    );

    // A reseller, its hotspot and the hotspot's customer: created once, then confirmed.
    let reseller = json!({"name": "Acme Wifi", "username": "acme"});
    let hotspot = json!({"name": "Lobby", "time_zone": "Europe/Rome"});
    let customer = json!({"role": "customer", "username": "acme-hotel"});
    let paths = [
        ("/api/v1/sso/resellers/acme-1", &reseller),
        ("/api/v1/sso/resellers/acme-1/hotspots/h-1", &hotspot),
        (
            "/api/v1/sso/resellers/acme-1/hotspots/h-1/accounts/c-1",
            &customer,
        ),
    ];
    let mut ids = Vec::new();
    for (path, body) in paths {
        let a = platform(&w, &key, "PUT", path, body.clone()).await;
        assert_eq!(a.status, StatusCode::CREATED, "{path}: {}", a.body);
        let v = json_of(&a);
        assert_eq!(
            (v["created"].clone(), v["changed"].clone()),
            (json!(true), json!(true))
        );
        ids.push(v["id"].as_i64().unwrap());
        if path.contains("/accounts/") {
            assert_eq!(v["one_time_password"].as_str().unwrap().len(), 20);
        }
    }
    let before = state_of(&w).await;
    for ((path, body), id) in paths.iter().zip(&ids) {
        let a = platform(&w, &key, "PUT", path, (*body).clone()).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        let v = json_of(&a);
        assert_eq!(v["id"].as_i64(), Some(*id), "{path}");
        assert_eq!(v["changed"], json!(false), "{path}");
        assert!(v.get("one_time_password").is_none(), "{path}: {v}");
    }
    assert_eq!(
        before,
        state_of(&w).await,
        "a repeated upsert changed something"
    );
    // The hotspot's desk too; a second customer, or a customer turned desk, is refused.
    let accounts = "/api/v1/sso/resellers/acme-1/hotspots/h-1/accounts";
    let desk = json!({"role": "desk", "username": "acme-desk"});
    let a = platform(&w, &key, "PUT", &format!("{accounts}/d-1"), desk).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let before = state_of(&w).await;
    let second = json!({"role": "customer", "username": "other-owner"});
    let a = platform(&w, &key, "PUT", &format!("{accounts}/c-2"), second).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let turned = json!({"role": "desk", "username": "acme-hotel"});
    let a = platform(&w, &key, "PUT", &format!("{accounts}/c-1"), turned).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(json_of(&a)["error"]["field"], "role");
    assert_eq!(before, state_of(&w).await);
    // Disabling the customer, once; the repeat changes nothing.
    let off = json!({"role": "customer", "username": "acme-hotel", "disabled": true});
    for changed in [true, false] {
        let a = platform(&w, &key, "PUT", paths[2].0, off.clone()).await;
        let v = json_of(&a);
        assert_eq!(
            (a.status, v["changed"].clone(), v["id"].as_i64()),
            (StatusCode::OK, json!(changed), Some(ids[2]))
        );
    }
    let disabled =
        w.db.tx(Mode::Read, |c| {
            c.query_opt(
                "SELECT disabled FROM accounts WHERE external_id = 'c-1'",
                &[],
            )?
            .unwrap()
            .bool(0)
        })
        .await
        .unwrap();
    assert!(disabled);
    // An update changes what it says, and keeps the ids.
    let renamed = json!({"name": "Acme Networks", "username": "acme"});
    let a = platform(&w, &key, "PUT", paths[0].0, renamed.clone()).await;
    let v = json_of(&a);
    assert_eq!(
        (a.status, v["id"].as_i64(), v["changed"].clone()),
        (StatusCode::OK, Some(ids[0]), json!(true))
    );
    let (_, _, shown) = w
        .send(
            Who::Admin,
            "GET",
            &format!("/api/v1/resellers/{}", ids[0]),
            None,
        )
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&shown).unwrap()["name"],
        "Acme Networks"
    );

    // Another reseller of the platform cannot take over acme's hotspot, account or login name.
    let beta = json!({"name": "Beta", "username": "beta"});
    let a = platform(&w, &key, "PUT", "/api/v1/sso/resellers/beta-1", beta).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let before = state_of(&w).await;
    let hijacks = [
        (
            "/api/v1/sso/resellers/beta-1/hotspots/h-1",
            hotspot.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/sso/resellers/beta-1/hotspots/h-1/accounts/c-1",
            customer.clone(),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/sso/resellers/beta-1",
            json!({"name": "Beta", "username": "acme"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/sso/resellers/acme-2",
            json!({"name": "Acme Networks", "username": "acme2"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/sso/resellers/bad%2Fid",
            renamed.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (path, body, status) in hijacks {
        let a = platform(&w, &key, "PUT", path, body).await;
        assert_eq!(a.status, status, "{path}: {}", a.body);
        assert!(
            a.body.contains("\"field\"") || status == StatusCode::NOT_FOUND,
            "{}",
            a.body
        );
    }
    assert_eq!(
        before,
        state_of(&w).await,
        "a refused upsert changed something"
    );
    let a = platform(
        &w,
        &key,
        "PUT",
        "/api/v1/sso/resellers/beta-1/hotspots/h-2",
        json!({"name": "Bar"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let before = state_of(&w).await;
    let a = platform(
        &w,
        &key,
        "PUT",
        "/api/v1/sso/resellers/beta-1/hotspots/h-2/accounts/c-1",
        customer.clone(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(before, state_of(&w).await);

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
    let a = platform(&w, &key, "PUT", paths[0].0, disabled.clone()).await;
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
    let a = platform(&w, &key, "PUT", paths[0].0, disabled).await;
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

    // Rotated: the old key stops working at once.
    let new_key = rotate(&w).await;
    let before = state_of(&w).await;
    let a = platform(
        &w,
        &key,
        "PUT",
        "/api/v1/sso/resellers/gamma-1",
        json!({"name": "Gamma", "username": "gamma"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(before, state_of(&w).await);
    let a = platform(&w, &new_key, "PUT", paths[1].0, hotspot.clone()).await;
    assert_eq!(
        (a.status, json_of(&a)["id"].as_i64()),
        (StatusCode::OK, Some(ids[1]))
    );

    // Every use is in the audit log as `sso`, with the platform's address, readable by the
    // reseller concerned; the rotations as the admin's.
    let audit: Vec<(String, String, String, String)> =
        w.db.tx(Mode::Read, |c| {
            c.query(
                "SELECT actor, action, object, address FROM audit_log ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.text(3)?)))
            .collect::<Result<Vec<_>, DbError>>()
        })
        .await
        .unwrap();
    let sso: Vec<_> = audit.iter().filter(|e| e.0 == "sso").collect();
    for action in [
        "sso create reseller",
        "sso confirm unchanged reseller",
        "sso update reseller",
        "sso create hotspot",
        "sso create customer account",
        "sso make login link",
        "sso log in",
    ] {
        assert!(sso.iter().any(|e| e.1 == action), "no {action} in {sso:?}");
    }
    assert!(
        sso.iter()
            .filter(|e| e.1 != "sso log in")
            .all(|e| e.3 == PLATFORM),
        "{sso:?}"
    );
    assert!(
        sso.iter()
            .any(|e| e.1 == "sso log in" && e.2 == "acme" && e.3 == "198.51.100.9")
    );
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.1 == "rotate master key" && e.0 == "admin")
            .count(),
        2
    );

    // Wrong keys are throttled per address: after a few, even the right key waits there
    // (and only there).
    let guesser = "203.0.113.5";
    for _ in 0..3 {
        let a = keyed(
            &w,
            guesser,
            "hsm_mk_wrong",
            "PUT",
            paths[0].0,
            reseller.clone(),
        )
        .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    let a = keyed(&w, guesser, &new_key, "PUT", paths[1].0, hotspot.clone()).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert!(a.body.contains("throttled"), "{}", a.body);
    let a = platform(&w, &new_key, "PUT", paths[1].0, hotspot).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_by_master_key_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_by_master_key_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
