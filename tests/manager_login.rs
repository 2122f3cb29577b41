//! Logging in to the manager as an attacker meets it: one-time passwords, planted session
//! cookies, guessed passwords, stale sessions. Through the real router (`oneshot`) on SQLite.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::manager::{Who, call, cookie_value, login, new_reseller, world};
use hotspotd::manager::auth::session;
use hotspotd::manager::db::Mode;
use serde_json::Value;

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
