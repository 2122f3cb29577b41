//! The embedded default end to end in the namespace lab: one `hotspotd run` with `[manager]`
//! is a unit of its own manager, registered and synced over loopback by the same client and
//! protocol as a remote unit. A splash title published in the embedded manager reaches a
//! guest's page within 2 s; a restart keeps the one registration and the one hotspot.

mod common;

use std::time::{Duration, Instant};

use common::embedded::{LISTEN, admin_api_token, api, curl, lab_with_manager, wait_for_manager};
use common::lab::Lab;
use serde_json::Value;

const SPLASH: &str = "http://10.77.0.1:2050/";

/// Waits until the embedded hotspot's one unit reports an applied settings revision; returns
/// the hotspot's id and the unit.
fn synced_unit(lab: &Lab, token: &str) -> (i64, Value) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, hotspots) = api(lab, token, "GET", "/api/v1/hotspots", None);
        if let Some(id) = hotspots["items"][0]["id"].as_i64() {
            assert_eq!(
                hotspots["items"].as_array().map(Vec::len),
                Some(1),
                "{hotspots}"
            );
            let (_, units) = api(
                lab,
                token,
                "GET",
                &format!("/api/v1/hotspots/{id}/units"),
                None,
            );
            let unit = &units["units"][0];
            if unit["settings_revision"].as_i64().is_some_and(|r| r >= 1) {
                return (id, unit.clone());
            }
        }
        assert!(
            Instant::now() < deadline,
            "the gateway never synced with its own manager:\n{}",
            lab.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Publishes `title` (English) as the hotspot's design through the API.
fn publish_title(lab: &Lab, token: &str, hotspot: i64, title: &str) {
    let path = format!("/api/v1/hotspots/{hotspot}/design");
    let (status, view) = api(lab, token, "GET", &path, None);
    assert_eq!(status, "200", "{view}");
    let mut design = view["published"].clone();
    design["title"]["en"] = Value::from(title);
    let (status, answer) = api(
        lab,
        token,
        "PUT",
        &format!("{path}/draft"),
        Some(&design.to_string()),
    );
    assert_eq!(status, "200", "{answer}");
    let revision = serde_json::json!({ "revision": view["revision"] }).to_string();
    let (status, answer) = api(
        lab,
        token,
        "POST",
        &format!("{path}/publish"),
        Some(&revision),
    );
    assert_eq!(status, "200", "{answer}");
}

/// How long until guest 1's splash shows `title`.
fn until_guest_sees(lab: &Lab, title: &str, since: Instant) -> Duration {
    let deadline = since + Duration::from_secs(10);
    loop {
        let (_, page) = curl(lab, &lab.guest(1), &["-m", "3", SPLASH]);
        if page.contains(title) {
            return since.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "the guest never saw {title:?}: {page}\n{}",
            lab.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sync_status(lab: &Lab) -> Value {
    let out = lab.cli(&["sync", "status", "--json"]);
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).expect("sync status JSON")
}

#[test]
fn a_splash_published_in_the_embedded_manager_reaches_guests_within_two_seconds() {
    let (mut lab, _) = lab_with_manager(&format!("listen = \"{LISTEN}\""));
    wait_for_manager(&lab);
    let token = admin_api_token(&lab);
    let (hotspot, unit) = synced_unit(&lab, &token);
    let status = sync_status(&lab);
    assert_eq!(status["registered"], true, "{status}");
    assert_eq!(status["unit_id"], unit["id"], "{status} {unit}");
    let url = status["manager_url"].as_str().unwrap_or_default();
    assert!(url.starts_with("http://127.0.0.1:"), "{status}");

    let mut delays = Vec::new();
    for round in 0..5 {
        let title = format!("Welcome, round {round}");
        let since = Instant::now();
        publish_title(&lab, &token, hotspot, &title);
        delays.push(until_guest_sees(&lab, &title, since));
    }
    delays.sort();
    println!(
        "published title on a guest's splash: p50 {:?}, max {:?} (n = {})",
        delays[delays.len() / 2],
        delays[delays.len() - 1],
        delays.len()
    );
    assert!(
        delays[delays.len() - 1] < Duration::from_secs(2),
        "{delays:?}"
    );

    // A restart: the same unit (no second registration), the same hotspot, still in sync.
    lab.stop_daemon("TERM");
    lab.start_daemon();
    wait_for_manager(&lab);
    let (again, unit_again) = synced_unit(&lab, &token);
    assert_eq!((again, &unit_again["id"]), (hotspot, &unit["id"]));
    let since = Instant::now();
    publish_title(&lab, &token, hotspot, "After the restart");
    let delay = until_guest_sees(&lab, "After the restart", since);
    println!("after a restart: {delay:?}");
    let (_, units) = api(
        &lab,
        &token,
        "GET",
        &format!("/api/v1/hotspots/{hotspot}/units"),
        None,
    );
    assert_eq!(units["units"].as_array().map(Vec::len), Some(1), "{units}");
}
