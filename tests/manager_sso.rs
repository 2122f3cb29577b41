//! Single sign-on provisioning by master key, as the external platform and an attacker use it:
//! idempotent upserts by external id (resellers, hotspots, customer and desk accounts),
//! updates and disabling, another reseller's external ids never hijacked, the key's rotation
//! (page and stored hash), wrong keys throttled per address, every use audited. Login links:
//! `manager_sso_login.rs`. Runs on SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use common::sso::{PLATFORM, audit, json_of, keyed, platform, rotate, state_of};
use hotspotd::manager::db::Mode;
use serde_json::{Value, json};

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

    // Every use is in the audit log as `sso`, with the platform's address; the rotations as
    // the admin's.
    let audit = audit(&w).await;
    let sso: Vec<_> = audit.iter().filter(|e| e.0 == "sso").collect();
    for action in [
        "sso create reseller",
        "sso confirm unchanged reseller",
        "sso update reseller",
        "sso create hotspot",
        "sso create customer account",
    ] {
        assert!(sso.iter().any(|e| e.1 == action), "no {action} in {sso:?}");
    }
    assert!(sso.iter().all(|e| e.3 == PLATFORM), "{sso:?}");
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
async fn single_sign_on_provisioning_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_provisioning_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
