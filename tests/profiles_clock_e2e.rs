//! Profile states follow the clock whoever is online, "now" profiles start at assignment, a
//! session's history is split by the profiles it ran under, and assignment ids are never
//! reused (issue 11, item 16). Real daemon, real traffic.

mod common;

use std::time::Duration;

use common::lab::Lab;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The assignments of a user as `user show --json` lists them.
fn assignments(lab: &Lab, user: &str) -> Vec<Value> {
    json(&lab.ok(&["user", "show", user, "--json"]))["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["assignment"].clone())
        .collect()
}

#[test]
fn a_profile_that_ends_while_its_user_is_offline_is_used_and_can_be_removed() {
    let lab = Lab::start(2);
    lab.ok(&["profile", "add", "short", "--validity", "3s"]);
    lab.account("off", "secret-off", &["--profile", "short"]);
    lab.account("on", "secret-on", &["--profile", "short"]);
    assert_eq!(lab.login_account(1, "off", "secret-off").0, "303");
    assert_eq!(lab.login_account(2, "on", "secret-on").0, "303");
    // "off" leaves at once; "on" stays until the profile's end logs it off.
    assert_eq!(lab.logout(1), "200");
    lab.wait_until(Duration::from_secs(6), "the online user's log-off", || {
        lab.client(2).is_none()
    });
    for user in ["off", "on"] {
        let a = &assignments(&lab, user)[0];
        assert_eq!(a["state"], "used", "{user}: {a}");
        let text = lab.ok(&["user", "show", user]);
        assert!(
            text.contains("used") && text.contains("ended") && text.contains("expired"),
            "{user}: {text}"
        );
    }
    let list = json(&lab.ok(&["user", "list", "--json"]));
    for u in list.as_array().unwrap() {
        assert_eq!(u["state"], "expired", "{u}");
        assert_eq!(u["profiles"][0]["state"], "used", "{u}");
    }
    // The rule follows the clock too: an ended profile is not the active last one.
    let id = assignments(&lab, "off")[0]["id"].to_string();
    let removed = lab.ok(&["user", "remove-profile", "off", &id]);
    assert!(removed.contains("removed"), "{removed}");
    assert!(assignments(&lab, "off").is_empty());
    // And logging in again is refused as expired, as for the user who was online.
    let (status, body) = lab.login_account(1, "on", "secret-on");
    assert_eq!(status, "403");
    assert!(body.contains("expired"), "{body}");
}

#[test]
fn a_now_profile_is_started_from_its_assignment() {
    let lab = Lab::start(1);
    lab.ok(&[
        "profile",
        "add",
        "hour",
        "--validity",
        "1h",
        "--starts",
        "now",
    ]);
    lab.ok(&[
        "profile",
        "add",
        "day",
        "--validity",
        "1d",
        "--starts",
        "now",
    ]);
    lab.account("nia", "secret-nia", &["--profile", "hour"]);
    let hour = &assignments(&lab, "nia")[0];
    assert_eq!(hour["state"], "active", "its clock runs: {hour}");
    assert_eq!(hour["started_at"], hour["assigned_at"], "{hour}");
    let ends = hour["ends_at"].as_i64().unwrap();
    assert_eq!(ends, hour["assigned_at"].as_i64().unwrap() + 3600);
    // Not in use yet: the account is unused, but its time is running out.
    let text = lab.ok(&["user", "show", "nia"]);
    assert!(
        text.contains("unused")
            && text.contains("active")
            && (text.contains("59m") || text.contains(" 1h")),
        "{text}"
    );
    // A second "now" profile queued behind it is started, not waiting.
    lab.ok(&["user", "assign", "nia", "day"]);
    let day = &assignments(&lab, "nia")[1];
    assert_eq!(day["state"], "started", "{day}");
    assert_eq!(day["started_at"], day["assigned_at"], "{day}");
    // A logon later does not move the start.
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(lab.login_account(1, "nia", "secret-nia").0, "303");
    let after = assignments(&lab, "nia");
    assert_eq!(after[0]["state"], "active");
    assert_eq!(after[0]["started_at"], hour["started_at"], "{}", after[0]);
    assert_eq!(after[0]["ends_at"], ends);
    assert_eq!(lab.client(1).unwrap()["profile_ends_at"], ends);
    assert_eq!(after[1]["state"], "started");
}

#[test]
fn a_session_across_a_profile_switch_is_recorded_under_both_profiles() {
    let lab = Lab::start(1);
    lab.ok(&["limitation", "add", "slow", "--down", "4M"]);
    lab.ok(&["limitation", "add", "fast", "--down", "16M"]);
    lab.ok(&["profile", "add", "first", "--validity", "3s"]);
    lab.ok(&["profile", "add", "second", "--validity", "1d"]);
    lab.ok(&["profile", "attach", "first", "slow"]);
    lab.ok(&["profile", "attach", "second", "fast"]);
    lab.account("ann", "secret-ann", &["--profile", "first"]);
    lab.ok(&["user", "assign", "ann", "second"]);
    assert_eq!(lab.login_account(1, "ann", "secret-ann").0, "303");
    // At most ~2.5 MB at 4 Mbit/s (plus the first second's burst) before the switch at 3 s
    // (noticed within a tick), the rest at 16 Mbit/s after it.
    assert_eq!(lab.downloaded(1, 4_000_000, 10), 4_000_000, "{}", lab.log());
    assert_eq!(lab.client(1).unwrap()["rate_down_bps"], 16_000_000);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(lab.logout(1), "200");

    let history = json(&lab.ok(&["sessions", "--json"]));
    let item = &history[0];
    let parts = item["profiles"].as_array().expect("per-profile usage");
    let names: Vec<&str> = parts
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["first", "second"], "{item}");
    let down: Vec<u64> = parts
        .iter()
        .map(|p| p["part"]["bytes_down"].as_u64().unwrap())
        .collect();
    let total = item["session"]["bytes_down"].as_u64().unwrap();
    assert_eq!(down.iter().sum::<u64>(), total, "{item}");
    // Each part carries its own share of the 4 MB download.
    assert!(
        (800_000..=3_000_000).contains(&down[0]),
        "before the switch: {down:?}"
    );
    assert!(down[1] >= 1_000_000, "after the switch: {down:?}");
    let secs: Vec<u64> = parts
        .iter()
        .map(|p| p["part"]["duration_secs"].as_u64().unwrap())
        .collect();
    assert!((2..=4).contains(&secs[0]), "{secs:?}");
    assert_eq!(
        secs.iter().sum::<u64>(),
        item["duration_secs"].as_u64().unwrap()
    );
    let table = lab.ok(&["sessions"]);
    assert!(
        table.contains("↳ first") && table.contains("↳ second"),
        "{table}"
    );
    let show = json(&lab.ok(&["user", "show", "ann", "--json"]));
    assert_eq!(show["sessions"][0]["profiles"].as_array().unwrap().len(), 2);
}

#[test]
fn an_assignment_id_is_never_reused_after_a_removal() {
    let lab = Lab::start(1);
    lab.ok(&["profile", "add", "day", "--validity", "1d"]);
    lab.account("ida", "secret-ida", &["--profile", "day"]);
    let assigned = lab.ok(&["user", "assign", "ida", "day"]);
    let id = |text: &str| -> i64 {
        text.trim_end()
            .trim_end_matches(')')
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    let second = id(&assigned);
    lab.ok(&["user", "remove-profile", "ida", &second.to_string()]);
    let third = id(&lab.ok(&["user", "assign", "ida", "day"]));
    assert!(third > second, "id {second} came back as {third}");
    let ids: Vec<i64> = assignments(&lab, "ida")
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second - 1, third]);
}
