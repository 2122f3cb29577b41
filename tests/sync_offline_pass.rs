//! The reseller's offline policy "pass": the real daemon in the namespace lab, registered with a
//! real `hotspotd manager` process. While the manager answers, no pass is shown or given. With
//! the manager killed (not mocked) the splash offers it; a guest who accepts the terms goes
//! online on the capped profile, and the cap holds (the pass taken again does not renew it).
//! With the manager back the pass is gone and refused, and the pass's guest and session reach
//! the manager, marked `offline`.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::lab::{Lab, PORTAL};
use common::manager::{Backend, Who, World};
use common::manager_api::{api, create, refused};
use common::manager_process::ManagerProcess;
use common::sync_client::token;
use tokio::task::block_in_place;

/// The cap: 1 MB of transfer a day.
const CAP_BYTES: u64 = 1_000_000;

fn wait(what: &str, secs: u64, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    start.elapsed()
}

fn one(db: &std::path::Path, sql: &str) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("{}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| format!("{v:?}"))
        .unwrap_or_else(|e| format!("none: {e}"))
}

/// The splash guest `i` sees.
fn splash(lab: &Lab, i: usize) -> String {
    let out = lab.curl(i, &["-L", &format!("{PORTAL}/")]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Posts the offline pass's form from guest `i` (with the page's token); (status, body).
fn take_pass(lab: &Lab, i: usize, fields: &[&str]) -> (String, String) {
    let token = format!("token={}", lab.form_token_in(&lab.guest(i), PORTAL));
    let mut args = vec![
        "-s",
        "-o",
        "-",
        "-w",
        "\n%{http_code}",
        "-d",
        token.as_str(),
    ];
    for f in fields {
        args.extend(["-d", f]);
    }
    let url = format!("{PORTAL}/login/offline");
    args.push(&url);
    let out = lab.curl(i, &args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or((&text, "000"));
    (status.to_string(), body.to_string())
}

async fn reseller_chooses_the_pass(w: &World, h: i64) {
    let prefs = format!("/api/v1/hotspots/{h}/preferences");
    // A pass on a profile the hotspot lacks is refused by field and saves nothing.
    refused(
        w,
        Who::ResellerA,
        "PATCH",
        &prefs,
        r#"{"revision":0,"set":{"offline.policy":"pass","offline.profile":"nope"}}"#,
        "offline.profile",
    )
    .await;
    refused(
        w,
        Who::ResellerA,
        "PATCH",
        &prefs,
        r#"{"revision":0,"set":{"offline.policy":"open"}}"#,
        "offline.policy",
    )
    .await;
    let cap = create(
        w,
        Who::ResellerA,
        &format!("/api/v1/hotspots/{h}/limitations"),
        r#"{"name":"offline-cap","transfer":"1MB","reset":"daily"}"#,
    )
    .await;
    let pass = create(
        w,
        Who::ResellerA,
        &format!("/api/v1/hotspots/{h}/profiles"),
        r#"{"name":"offline-pass","name_for_users":"Limited access","validity":"1d"}"#,
    )
    .await;
    let attach = format!(
        "/api/v1/hotspots/{h}/profiles/{}/limitations/{}",
        pass["id"], cap["id"]
    );
    let (status, v) = api(w, Who::ResellerA, "PUT", &attach, "{}").await;
    assert!(status.is_success(), "{status} {v}");
    // Desk staff and customers cannot choose it (technical preferences are the reseller's).
    for who in [Who::DeskA, Who::CustomerA] {
        let (status, _) = api(
            w,
            who,
            "PATCH",
            &prefs,
            r#"{"revision":0,"set":{"offline.policy":"pass"}}"#,
        )
        .await;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{status}"
        );
    }
    let (status, v) = api(
        w,
        Who::ResellerA,
        "PATCH",
        &prefs,
        r#"{"revision":0,"set":{"offline.policy":"pass","offline.profile":"offline-pass"}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["fields"]["offline.policy"], "pass");
    assert_eq!(v["revision"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_get_a_capped_pass_only_while_the_manager_is_unreachable() {
    common::netns::require_root();
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(&Backend::Sqlite(dir.path().to_path_buf()), 1).await;
    let manager_db = dir.path().join("m1.db");
    let h = w.hotspot[0];
    reseller_chooses_the_pass(&w, h).await;
    let (_, secret) = token(&w, Who::ResellerA, h).await;

    block_in_place(|| {
        let mut lab = Lab::without_daemon(2, "");
        let listen = "127.0.0.1:47444";
        let url = format!("http://{listen}");
        let mut manager = ManagerProcess::start_on(Some(&lab.gw()), listen, &url, &w.url);
        let base = std::fs::read_to_string(&lab.config).unwrap();
        let sync = format!("\n[sync]\nmanager = \"{url}\"\ntoken = \"{secret}\"\n");
        std::fs::write(&lab.config, base + &sync).unwrap();
        lab.start_daemon();
        let unit_db = lab.config.parent().unwrap().join("data/hotspotd.db");
        wait("the policy at the unit", 30, || {
            one(&unit_db, "SELECT applied_revision FROM sync_unit") == "Integer(1)"
        });

        // The manager answers: no pass shown, and a forged or stale post is refused.
        assert!(!splash(&lab, 1).contains("/login/offline"), "{}", lab.log());
        let (status, body) = take_pass(&lab, 1, &["accept_terms=yes"]);
        assert_eq!(status, "403", "{body}");
        assert!(body.contains("sign-in service is back"), "{body}");
        assert!(lab.client(1).is_none(), "not let through");

        // The manager is gone: the pass shows up.
        manager.kill9();
        let shown = wait("the pass on the splash", 90, || {
            splash(&lab, 1).contains("/login/offline")
        });
        println!("manager killed: the pass was offered after {shown:?}");
        // Without the terms accepted, or without the page's token, nothing happens.
        let (status, _) = take_pass(&lab, 1, &[]);
        assert_eq!(status, "422");
        let url = format!("{PORTAL}/login/offline");
        let forged = lab.curl(
            1,
            &[
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-d",
                "accept_terms=yes",
                &url,
            ],
        );
        assert_eq!(String::from_utf8_lossy(&forged.stdout), "403");
        assert!(lab.client(1).is_none(), "not let through");

        // Taken: online on the capped profile, and the cap holds.
        let (status, body) = take_pass(&lab, 1, &["accept_terms=yes"]);
        assert_eq!(status, "303", "{body}\n{}", lab.log());
        let client = lab.client(1).expect("online on the pass");
        assert_eq!(client["profile"], "offline-pass", "{client}");
        let got = lab.downloaded(1, 3 * CAP_BYTES, 20);
        println!("a 3 MB download on a 1 MB pass delivered {got} bytes");
        assert!(got > CAP_BYTES / 2, "the pass gives access: {got}");
        assert!(got <= CAP_BYTES * 101 / 100, "the cap holds: {got}");
        wait("the capped session ended", 20, || lab.client(1).is_none());
        let (status, body) = take_pass(&lab, 1, &["accept_terms=yes"]);
        assert_eq!(
            status, "403",
            "the pass again does not renew the cap: {body}"
        );

        // The manager is back: no pass for anyone.
        manager.restart();
        let gone = wait("the pass gone from the splash", 90, || {
            !splash(&lab, 2).contains("/login/offline")
        });
        println!("manager back: the pass was withdrawn after {gone:?}");
        let (status, body) = take_pass(&lab, 2, &["accept_terms=yes"]);
        assert_eq!(status, "403", "{body}");
        assert!(lab.client(2).is_none(), "not let through");

        // The pass's guest and its ended session reached the manager, marked as such.
        wait("the offline guest at the manager", 60, || {
            one(
                &manager_db,
                "SELECT COUNT(*) FROM guests g JOIN guest_sessions s ON s.guest_id = g.id \
                 WHERE g.method = 'offline' AND s.ended_at IS NOT NULL",
            ) == "Integer(1)"
        });
        lab.stop_daemon("TERM");
    });
}
