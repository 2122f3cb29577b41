//! The manager's security as an attacker meets it: forged and cross-site posts, disabled
//! tenants, the one error shape, the CSP. Through the real router (`oneshot`) on SQLite; the
//! authorisation walk (manager_authz.rs) covers both backends.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::manager::{URL, Who, call, new_reseller, world};
use hotspotd::manager::auth::session;
use hotspotd::manager::db::{DbError, Mode};
use serde_json::{Value, json};
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_cross_site_posts_change_nothing() {
    let (_d, w) = world().await;
    let admin = w.login(Who::Admin).unwrap().clone();
    let other = w.login(Who::ResellerA).unwrap().clone();
    let before = w.dump().await;
    let form = |csrf: &str, origin: &str| {
        let mut r = Request::post("/resellers")
            .header(
                header::COOKIE,
                format!("{}={}", session::COOKIE, admin.token),
            )
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !origin.is_empty() {
            r = r.header(header::ORIGIN, origin);
        }
        r.body(Body::from(format!("name=Evil&username=evil&csrf={csrf}")))
            .unwrap()
    };
    // No token, another session's token, the right token from another site.
    for req in [
        form("", ""),
        form(&other.csrf, ""),
        form(&admin.csrf, "https://evil.example"),
    ] {
        let a = call(&w, req).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
        assert!(a.body.contains("came from another site"), "{}", a.body);
    }
    // The API with the cookie but without the header.
    let req = Request::post("/api/v1/resellers")
        .header(
            header::COOKIE,
            format!("{}={}", session::COOKIE, admin.token),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name":"Evil","username":"evil"}"#))
        .unwrap();
    let a = call(&w, req).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_str::<Value>(&a.body).unwrap()["error"]["code"],
        "forbidden"
    );
    assert_eq!(before, w.dump().await);
    // The same request done right works.
    let a = call(&w, form(&admin.csrf, URL)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("one-time-password"), "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_resellers_customers_cannot_log_in_and_deleting_it_says_what_goes() {
    let (_d, w) = world().await;
    let a = w.reseller[0];
    let (s, _, _) = w
        .send(
            Who::Admin,
            "PUT",
            &format!("/api/v1/resellers/{a}/disabled"),
            Some(r#"{"disabled":true}"#),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for who in [Who::ResellerA, Who::CustomerA, Who::DeskA] {
        assert_eq!(
            w.send(who, "GET", "/api/v1/me", None).await.0,
            StatusCode::UNAUTHORIZED,
            "{who:?}"
        );
    }
    assert_eq!(
        w.send(Who::CustomerB, "GET", "/api/v1/me", None).await.0,
        StatusCode::OK
    );
    let (s, _, page) = w
        .send(Who::Admin, "GET", &format!("/resellers/{a}/delete"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("its 1 hotspot(s)") && page.contains("3 login account(s)"),
        "{page}"
    );
    let (s, _, removed) = w
        .send(
            Who::Admin,
            "DELETE",
            &format!("/api/v1/resellers/{a}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&removed).unwrap(),
        json!({"name": "Reseller a", "hotspots": 1, "accounts": 3})
    );
    let counts =
        w.db.tx(Mode::Read, |c| {
            let n = |c: &mut dyn hotspotd::manager::db::Conn, t: &str| -> Result<i64, DbError> {
                c.query(&format!("SELECT COUNT(*) FROM {t}"), &[])?[0].int(0)
            };
            Ok::<_, DbError>((n(c, "hotspots")?, n(c, "accounts")?))
        })
        .await
        .unwrap();
    assert_eq!(
        counts,
        (1, 3),
        "B's hotspot; the admin, B's reseller and customer"
    );
    // Reseller B's audit log shows none of it; the admin's does.
    let (_, _, b_log) = w.send(Who::ResellerB, "GET", "/api/v1/audit", None).await;
    assert!(!b_log.contains("Reseller a"), "{b_log}");
    let (_, _, log) = w.send(Who::Admin, "GET", "/api/v1/audit", None).await;
    assert!(
        log.contains("disable reseller") && log.contains("delete reseller"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_customer_and_one_desk_per_hotspot_and_errors_name_the_field() {
    let (_d, w) = world().await;
    let h = w.hotspot[0];
    let (s, _, text) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("/api/v1/hotspots/{h}/accounts"),
            Some(r#"{"role":"customer","username":"second"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(e["error"]["field"], "role", "{text}");
    let (s, _, text) = w
        .send(
            Who::Admin,
            "POST",
            "/api/v1/resellers",
            Some(r#"{"name":" ","username":"x y"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"],
        json!({"code": "invalid", "field": "name", "message": "name is empty; fill it in"})
    );
    let (s, _, text) = w
        .send(
            Who::ResellerA,
            "PUT",
            &format!("/api/v1/hotspots/{h}"),
            Some(r#"{"name":"H","time_zone":"Mars; DROP"}"#),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("write e.g. Europe/Rome"), "{text}");
    let (s, _, text) = w
        .send(
            Who::ResellerA,
            "PUT",
            &format!("/api/v1/hotspots/{h}"),
            Some("{not json"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"]["field"],
        "body"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_with_a_cursor_and_every_page_forbids_scripts() {
    let (_d, w) = world().await;
    for i in 0..3 {
        new_reseller(&w, &format!("R{i}"), &format!("res{i}")).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/resellers?limit=2".to_string();
    loop {
        let (_, _, text) = w.send(Who::Admin, "GET", &path, None).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        let items = v["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_string()),
        );
        match v["next_cursor"].as_i64() {
            Some(c) => path = format!("/api/v1/resellers?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["Reseller a", "Reseller b", "R0", "R1", "R2"]);
    for (who, path) in [
        (Who::Admin, "/"),
        (Who::Admin, "/resellers"),
        (Who::ResellerA, "/hotspots"),
        (Who::DeskA, "/hotspots"),
        (Who::Anonymous, "/login"),
        (Who::DeskA, "/resellers"),
    ] {
        let req = Request::get(path);
        let req = match w.login(who) {
            Some(l) => req.header(header::COOKIE, format!("{}={}", session::COOKIE, l.token)),
            None => req,
        };
        let res = w
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(
            !body.contains("<script")
                && !body.contains("style=")
                && !body.contains("http://")
                && !body.contains("https://"),
            "{path}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_and_figures_hold_only_the_callers_own_tenants() {
    let (_d, w) = world().await;
    let [ha, hb] = w.hotspot;
    for (who, hotspots, resellers) in [
        (Who::Admin, vec![ha, hb], json!(2)),
        (Who::ResellerA, vec![ha], Value::Null),
        (Who::ResellerB, vec![hb], Value::Null),
        (Who::CustomerA, vec![ha], Value::Null),
        (Who::DeskA, vec![ha], Value::Null),
        (Who::CustomerB, vec![hb], Value::Null),
    ] {
        let (_, _, text) = w.send(who, "GET", "/api/v1/hotspots", None).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        let ids: Vec<i64> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, hotspots, "{who:?}");
        let (_, _, text) = w.send(who, "GET", "/api/v1/dashboard", None).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["hotspots"], json!(hotspots.len()), "{who:?}");
        assert_eq!(v["resellers"], resellers, "{who:?}");
        assert_eq!(v["units_online"], 0, "no unit has reported");
    }
    // A form refused with a message links back to the page it came from.
    let l = w.login(Who::ResellerA).unwrap().clone();
    let req = Request::post(format!("/hotspots/{ha}"))
        .header(header::COOKIE, format!("{}={}", session::COOKIE, l.token))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::REFERER, format!("{URL}/hotspots/{ha}"))
        .body(Body::from(format!("csrf={}&name=&time_zone=UTC", l.csrf)))
        .unwrap();
    let a = call(&w, req).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.body.contains("name is empty; fill it in")
            && a.body.contains(&format!("href=\"/hotspots/{ha}\"")),
        "{}",
        a.body
    );
}
