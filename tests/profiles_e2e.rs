//! Profiles, limitations and accounts with the real daemon and real traffic (issue 3).

mod common;

use std::time::{Duration, Instant};

use common::lab::{Lab, PORTAL, guest_mac};
use common::local_time_of_day_plus;

#[test]
fn a_chain_of_two_profiles_switches_without_dropping_the_guest_then_logs_off() {
    let lab = Lab::start(1);
    lab.ok(&["limitation", "add", "slow", "--down", "4M"]);
    lab.ok(&["limitation", "add", "fast", "--down", "16M"]);
    lab.ok(&[
        "profile",
        "add",
        "first",
        "--name-for-users",
        "First hour",
        "--validity",
        "3s",
    ]);
    lab.ok(&[
        "profile",
        "add",
        "second",
        "--name-for-users",
        "Second hour",
        "--validity",
        "3s",
    ]);
    lab.ok(&["profile", "attach", "first", "slow"]);
    lab.ok(&["profile", "attach", "second", "fast"]);
    lab.account("ann", "secret-ann", &["--profile", "first"]);
    lab.ok(&["user", "assign", "ann", "second"]);
    assert_eq!(lab.login_account(1, "ann", "secret-ann").0, "303");
    let before = lab.client(1).expect("online");
    assert_eq!(before["profile_for_users"], "First hour");
    assert_eq!(before["rate_down_bps"], 4_000_000);
    // A download running across the switch at ~3 s completes: the guest is not dropped.
    let start = Instant::now();
    assert_eq!(
        lab.downloaded(1, 2_500_000, 8),
        2_500_000,
        "download broken by the switch: {}",
        lab.log()
    );
    assert!(
        start.elapsed() > Duration::from_millis(2500),
        "the download should have spanned the switch"
    );
    let after = lab
        .client(1)
        .expect("still online after the first profile ended");
    assert_eq!(after["session_id"], before["session_id"], "same session");
    assert_eq!(after["profile_for_users"], "Second hour");
    assert_eq!(after["rate_down_bps"], 16_000_000);
    // When the second ends there is nothing left: logged off.
    lab.wait_until(
        Duration::from_secs(6),
        "log-off after the last profile",
        || lab.client(1).is_none(),
    );
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    let (status, body) = lab.login_account(1, "ann", "secret-ann");
    assert_eq!(status, "403");
    assert!(body.contains("expired"), "{body}");
    let history = lab.ok(&["sessions", "--json"]);
    assert!(history.contains("validity-expired"), "{history}");
}

#[test]
fn an_uptime_limit_spans_sessions() {
    let lab = Lab::start(1);
    lab.ok(&["limitation", "add", "four-seconds", "--uptime", "4s"]);
    lab.ok(&["profile", "add", "short", "--validity", "1d"]);
    lab.ok(&["profile", "attach", "short", "four-seconds"]);
    lab.account("bob", "secret-bob", &["--profile", "short"]);
    assert_eq!(lab.login_account(1, "bob", "secret-bob").0, "303");
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(lab.logout(1), "200");
    // Offline time does not count: wait, then log in again with the rest.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(lab.login_account(1, "bob", "secret-bob").0, "303");
    let left = lab.client(1).unwrap()["uptime_left"].as_u64().unwrap();
    assert!(
        (1..=2).contains(&left),
        "uptime left after ~2 s online: {left}"
    );
    let took = lab.wait_until(Duration::from_secs(5), "uptime limit", || {
        lab.client(1).is_none()
    });
    assert!(
        took < Duration::from_millis(3300),
        "ended {took:?} into the second session"
    );
    let (status, body) = lab.login_account(1, "bob", "secret-bob");
    assert_eq!(status, "403");
    assert!(body.contains("online time is used up"), "{body}");
    assert!(lab.ok(&["sessions"]).contains("uptime-limit"));
}

#[test]
fn a_periodic_transfer_limit_cuts_then_resets() {
    let lab = Lab::start(1);
    // A 2 MB allowance per 8-second period stands in for a daily quota.
    lab.ok(&[
        "limitation",
        "add",
        "per-period",
        "--transfer",
        "2MB",
        "--reset",
        "8s",
    ]);
    lab.ok(&["profile", "add", "metered", "--validity", "1d"]);
    lab.ok(&["profile", "attach", "metered", "per-period"]);
    lab.account("cat", "secret-cat", &["--profile", "metered"]);
    // Start right after a period boundary so the test is not split by one.
    let period_left = 8
        - (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            % 8);
    if period_left < 6 {
        std::thread::sleep(Duration::from_secs(period_left));
    }
    assert_eq!(lab.login_account(1, "cat", "secret-cat").0, "303");
    let got = lab.downloaded(1, 5_000_000, 3);
    assert!(
        got <= 2_000_000 + 256 * 1024,
        "received {got} on a 2 MB allowance"
    );
    assert!(got >= 1_800_000, "cut too early: {got}");
    lab.wait_until(Duration::from_secs(3), "session end on quota", || {
        lab.client(1).is_none()
    });
    let (status, body) = lab.login_account(1, "cat", "secret-cat");
    assert_eq!(status, "403", "{body}");
    assert!(body.contains("data allowance is used up"), "{body}");
    // The next period brings a fresh allowance.
    lab.wait_until(Duration::from_secs(10), "counter reset", || {
        lab.login_account(1, "cat", "secret-cat").0 == "303"
    });
    assert_eq!(lab.status(1, "http://example.com/"), "200");
}

#[test]
fn a_time_window_ends_access_when_it_closes() {
    let lab = Lab::start(1);
    lab.ok(&["limitation", "add", "daytime", "--down", "20M"]);
    lab.ok(&[
        "profile",
        "add",
        "office",
        "--validity",
        "1d",
        "--outside-windows",
        "deny",
    ]);
    let (from, till) = (local_time_of_day_plus(-60), local_time_of_day_plus(4));
    lab.ok(&[
        "profile", "attach", "office", "daytime", "--from", &from, "--till", &till,
    ]);
    lab.account("dan", "secret-dan", &["--profile", "office"]);
    assert_eq!(lab.login_account(1, "dan", "secret-dan").0, "303");
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    lab.wait_until(Duration::from_secs(7), "window close", || {
        lab.client(1).is_none()
    });
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    let (status, body) = lab.login_account(1, "dan", "secret-dan");
    assert_eq!(status, "403");
    assert!(body.contains("not available at this time"), "{body}");
    assert!(lab.ok(&["sessions"]).contains("outside-window"));
}

#[test]
fn shared_users_end_oldest_policy_lets_the_third_device_in() {
    let lab = Lab::start_with(3, "shared_users_policy = \"end-oldest\"\n");
    lab.ok(&[
        "profile",
        "add",
        "family",
        "--validity",
        "1d",
        "--shared-users",
        "2",
    ]);
    lab.account("eve", "secret-eve", &["--profile", "family"]);
    for i in 1..=3 {
        assert_eq!(
            lab.login_account(i, "eve", "secret-eve").0,
            "303",
            "device {i}"
        );
    }
    let online: Vec<String> = lab
        .clients()
        .iter()
        .map(|c| c["mac"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        online,
        vec![guest_mac(2), guest_mac(3)],
        "the oldest device makes room"
    );
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    assert!(lab.ok(&["sessions"]).contains("port-preempted"));
}

#[test]
fn accounts_log_in_and_the_status_page_shows_the_profile() {
    let lab = Lab::start(1);
    lab.ok(&[
        "limitation",
        "add",
        "cap",
        "--transfer",
        "50MB",
        "--uptime",
        "2h",
    ]);
    lab.ok(&[
        "profile",
        "add",
        "day",
        "--name-for-users",
        "Day pass",
        "--validity",
        "1d",
    ]);
    lab.ok(&["profile", "attach", "day", "cap"]);
    lab.account("fay", "secret-fay", &["--profile", "day"]);
    let (status, body) = lab.login_account(1, "fay", "wrong");
    assert_eq!(status, "401");
    assert!(body.contains("wrong username or password"), "{body}");
    assert_eq!(lab.login_account(1, "nobody", "secret-fay").0, "401");
    assert_eq!(lab.login_account(1, "fay", "secret-fay").0, "303");
    let page =
        String::from_utf8_lossy(&lab.curl(1, &[&format!("{PORTAL}/status")]).stdout).into_owned();
    assert!(page.contains("Day pass"), "{page}");
    assert!(
        page.contains("id=\"profile-ends\">23h59m") || page.contains("id=\"profile-ends\">1d"),
        "{page}"
    );
    assert!(
        page.contains("id=\"uptime-left\">1h59m") || page.contains("id=\"uptime-left\">2h"),
        "{page}"
    );
    assert!(
        page.contains("id=\"data-left\">50.0 MB") || page.contains("id=\"data-left\">49.9 MB"),
        "{page}"
    );
    // The last profile of a user cannot be removed while it is active.
    let show = lab.ok(&["user", "show", "fay", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    let assignment = v["profiles"][0]["assignment"]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let out = lab.cli(&["user", "remove-profile", "fay", &assignment]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only while it is inactive"));
    // Disabling logs the device off.
    assert!(
        lab.ok(&["user", "disable", "fay"])
            .contains("1 device(s) logged off")
    );
    assert_eq!(lab.status(1, "http://example.com/"), "302");
}

#[test]
fn a_paid_profile_is_ordered_paid_at_the_desk_and_activated() {
    let lab = Lab::start(1);
    lab.ok(&[
        "profile",
        "add",
        "week",
        "--name-for-users",
        "Week pass",
        "--validity",
        "7d",
        "--price",
        "9.50",
    ]);
    let offers =
        String::from_utf8_lossy(&lab.curl(1, &[&format!("{PORTAL}/signup")]).stdout).into_owned();
    assert!(
        offers.contains("Week pass") && offers.contains("Order for 9.50"),
        "{offers}"
    );
    let splash =
        String::from_utf8_lossy(&lab.curl(1, &[&format!("{PORTAL}/")]).stdout).into_owned();
    assert!(splash.contains("href=\"/signup\""), "{splash}");
    let out = lab.curl(
        1,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            "-d",
            "profile=week",
            &format!("{PORTAL}/signup"),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (code, url) = text.split_once(' ').unwrap();
    assert_eq!(code, "303", "{text}");
    let reference = url.rsplit('/').next().unwrap().to_string();
    let waiting = String::from_utf8_lossy(&lab.curl(1, &[url]).stdout).into_owned();
    assert!(
        waiting.contains("front desk")
            && waiting.contains(&reference)
            && waiting.contains("http-equiv=\"refresh\""),
        "{waiting}"
    );
    assert_eq!(
        lab.status(1, "http://example.com/"),
        "302",
        "not online before payment"
    );
    assert!(lab.ok(&["order", "list"]).contains(&reference));
    let confirmed = lab.ok(&["order", "confirm", &reference.to_lowercase()]);
    assert!(confirmed.contains("paid"), "{confirmed}");
    assert_eq!(
        lab.status(1, url),
        "303",
        "the waiting page logs the device in"
    );
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    assert_eq!(lab.client(1).unwrap()["profile_for_users"], "Week pass");
    // The buyer is a guest, known by the voucher the order made.
    let guests = lab.ok(&["guests", "--json"]);
    let user = lab.client(1).unwrap()["user_id"].to_string();
    assert!(
        guests.contains(&format!(r#""method":"voucher","identifier":"{user}""#)),
        "{guests}"
    );
    // Another device cannot use the order.
    assert!(lab.cli(&["order", "confirm", &reference]).status.code() != Some(0));
}

#[test]
fn a_profile_assigned_while_online_takes_over_at_the_end() {
    let lab = Lab::start(1);
    lab.ok(&[
        "profile",
        "add",
        "brief",
        "--name-for-users",
        "Brief",
        "--validity",
        "3s",
    ]);
    lab.ok(&[
        "profile",
        "add",
        "extension",
        "--name-for-users",
        "Extension",
        "--validity",
        "1d",
    ]);
    lab.account("gus", "secret-gus", &["--profile", "brief"]);
    assert_eq!(lab.login_account(1, "gus", "secret-gus").0, "303");
    let session = lab.client(1).unwrap()["session_id"].clone();
    // The desk sells an extension while the guest is online.
    lab.ok(&["user", "assign", "gus", "extension"]);
    std::thread::sleep(Duration::from_secs(4));
    let now = lab.client(1).expect("still online: the extension started");
    assert_eq!(now["profile_for_users"], "Extension");
    assert_eq!(now["session_id"], session);
    assert_eq!(lab.status(1, "http://example.com/"), "200");
}
