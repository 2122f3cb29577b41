//! The manager's security as an attacker meets it: forged and cross-site posts, guessed
//! passwords, planted and stale session cookies, disabled tenants, the CSP, the one error
//! shape. Through the real router (`oneshot`) on SQLite; the authorisation walk
//! (manager_authz.rs) covers both backends.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::manager::{Backend, URL, Who, World};
use hotspotd::manager::auth::session;
use hotspotd::manager::db::{DbError, Mode};
use serde_json::{Value, json};
use tower::ServiceExt;

async fn world() -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(&Backend::Sqlite(dir.path().to_path_buf()), 0).await;
    (dir, w)
}

/// The admin creates a reseller through the API; returns its id and one-time password.
async fn new_reseller(w: &World, name: &str, user: &str) -> (i64, String) {
    let body = json!({"name": name, "username": user}).to_string();
    let (status, _, text) = w
        .send(Who::Admin, "POST", "/api/v1/resellers", Some(&body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    (
        v["id"].as_i64().unwrap(),
        v["one_time_password"].as_str().unwrap().to_string(),
    )
}

struct Answer {
    status: StatusCode,
    location: String,
    cookies: Vec<String>,
    body: String,
}

async fn call(w: &World, req: Request<Body>) -> Answer {
    let res = w.app.clone().oneshot(req).await.unwrap();
    let header = |name| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let location = header(header::LOCATION);
    let cookies = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let status = res.status();
    let body = String::from_utf8_lossy(
        &axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap(),
    )
    .into_owned();
    Answer {
        status,
        location,
        cookies,
        body,
    }
}

fn cookie_value(set_cookie: &[String], name: &str) -> Option<String> {
    set_cookie.iter().find_map(|c| {
        let (kv, _) = c.split_once(';')?;
        let (k, v) = kv.split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

/// Logs in through the form as a browser would (with `extra_cookie` planted); returns the answer.
async fn login(w: &World, user: &str, password: &str, extra_cookie: &str) -> Answer {
    let page = call(w, Request::get("/login").body(Body::empty()).unwrap()).await;
    let token = cookie_value(&page.cookies, "hsm_login").expect("pre-login cookie");
    assert!(
        page.body.contains(&format!("value=\"{token}\"")),
        "{}",
        page.body
    );
    let form = format!("username={user}&password={password}&token={token}");
    let req = Request::post("/login")
        .header(header::COOKIE, format!("hsm_login={token}; {extra_cookie}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, URL)
        .body(Body::from(form))
        .unwrap();
    call(w, req).await
}

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
async fn a_reseller_logs_in_with_its_one_time_password_and_must_replace_it_first() {
    let (_d, w) = world().await;
    let (_, password) = new_reseller(&w, "Acme", "acme").await;
    let planted = format!("{}=attackers-choice", session::COOKIE);
    let a = login(&w, "acme", &password, &planted).await;
    assert_eq!(
        (a.status, a.location.as_str()),
        (StatusCode::SEE_OTHER, "/password")
    );
    let set = a
        .cookies
        .iter()
        .find(|c| c.starts_with("hsm_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set.contains(flag), "{set}");
    }
    let token = cookie_value(&a.cookies, session::COOKIE).unwrap();
    assert_ne!(token, "attackers-choice");
    let as_acme = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, format!("{}={token}", session::COOKIE))
            .body(Body::empty())
            .unwrap()
    };
    // Nothing but the password form until the one-time password is replaced.
    let a = call(&w, as_acme("/hotspots")).await;
    assert_eq!(
        (a.status, a.location.as_str()),
        (StatusCode::SEE_OTHER, "/password")
    );
    let a = call(&w, as_acme("/api/v1/hotspots")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.body.contains("password_change_required"), "{}", a.body);
    let me: Value = serde_json::from_str(&call(&w, as_acme("/api/v1/me")).await.body).unwrap();
    let csrf = me["csrf_token"].as_str().unwrap();
    let change = |current: &str, new: &str, repeat: &str| {
        Request::post("/password")
            .header(header::COOKIE, format!("{}={token}", session::COOKIE))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrf={csrf}&current={current}&new={new}&repeat={repeat}"
            )))
            .unwrap()
    };
    let a = call(&w, change(&password, "short", "short")).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.body.contains("new is 5 characters long; use at least 12"),
        "{}",
        a.body
    );
    let a = call(
        &w,
        change(&password, "a-long-new-password", "a-different-one"),
    )
    .await;
    assert!(a.body.contains("repeat differs"), "{}", a.body);
    let a = call(
        &w,
        change(&password, "a-long-new-password", "a-long-new-password"),
    )
    .await;
    assert_eq!(
        (a.status, a.location.as_str()),
        (StatusCode::SEE_OTHER, "/")
    );
    // The session is renewed: the old cookie no longer works, the new one does.
    let renewed = cookie_value(&a.cookies, session::COOKIE).unwrap();
    assert_ne!(renewed, token);
    assert_eq!(call(&w, as_acme("/hotspots")).await.location, "/login");
    let a = login(&w, "acme", "a-long-new-password", "").await;
    assert_eq!(
        (a.status, a.location.as_str()),
        (StatusCode::SEE_OTHER, "/")
    );
    // Both logins and the change are in the audit log, with the reseller as the actor.
    let (_, _, log) = w.send(Who::Admin, "GET", "/api/v1/audit", None).await;
    let log: Value = serde_json::from_str(&log).unwrap();
    let actions: Vec<_> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "acme")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["log in", "change own password", "log in"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_passwords_is_throttled_per_account_and_per_address() {
    let (_d, w) = world().await;
    let (_, password) = new_reseller(&w, "Acme", "acme").await;
    for _ in 0..3 {
        let a = login(&w, "acme", "guess", "").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert!(a.body.contains("wrong name or password"), "{}", a.body);
    }
    // Now even the right password waits.
    let a = login(&w, "acme", &password, "").await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert!(a.body.contains("try again in"), "{}", a.body);
    // Unknown names answer exactly as wrong passwords (no enumeration), and count too.
    let (_d2, w2) = world().await;
    let a = login(&w2, "nobody", "guess", "").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.body.contains("wrong name or password"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_old_sessions_end() {
    let (_d, w) = world().await;
    let now = chrono::Utc::now().timestamp();
    for (who, column, ago) in [
        (Who::CustomerA, "last_seen", 31 * 60),
        (Who::DeskA, "created_at", 13 * 3600),
    ] {
        let token = w.login(who).unwrap().token.clone();
        let sql = format!("UPDATE browser_sessions SET {column} = $1 WHERE id_hash = $2");
        w.db.tx(Mode::Write, move |c| {
            c.execute(&sql, &[(now - ago).into(), session::digest(&token).into()])
        })
        .await
        .unwrap();
        let (status, location, _) = w.send(who, "GET", "/hotspots", None).await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "{who:?}"
        );
    }
    let left =
        w.db.tx(Mode::Read, |c| {
            c.query("SELECT COUNT(*) FROM browser_sessions", &[])?[0].int(0)
        })
        .await
        .unwrap();
    assert_eq!(
        left, 4,
        "the two stale sessions are deleted; the admin, the resellers and B's customer remain"
    );
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
