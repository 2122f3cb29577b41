//! Attacks on the email and SMS code logins, in the namespace lab with the real daemon and
//! real peers: guessed codes, a resend that would reset the count, header injection, foreign
//! or invalid numbers, SMS pumping from one device and from rotating MACs and numbers, the
//! monthly budget, forged cross-site posts.

mod common;

use std::time::{Duration, Instant};

use common::codes::{CodesLab, Sms, sleep_until};
use common::lab::PORTAL;
use serde_json::json;

fn sms_lab(guests: usize, extra: serde_json::Value) -> CodesLab {
    let mut sms = json!({"enabled": true, "profile": "day", "countries": ["IT"],
                         "limits": {"resend_cooldown_secs": 10}});
    if let (Some(a), Some(b)) = (sms.as_object_mut(), extra.as_object()) {
        for (k, v) in b {
            a.insert(k.clone(), v.clone());
        }
    }
    CodesLab::start(guests, Sms::Kannel, json!({ "sms": sms }))
}

fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[test]
fn five_wrong_guesses_kill_the_code_and_a_resend_does_not_reset_the_count() {
    let c = sms_lab(1, json!({}));
    let (status, body) = c.post(1, "sms", &[("number", "+393331234567")], &[]);
    assert_eq!(status, "200", "{body}");
    // Taken after the answer: the cooldown runs from the send, which a loaded machine may
    // make a second or more after the request left.
    let sent_at = Instant::now();
    let code = CodesLab::code_in(
        c.sink.as_ref().unwrap().wait_message(1)["text"]
            .as_str()
            .unwrap(),
    );
    for left in [4, 3, 2] {
        let (status, body) = c.post(1, "sms/confirm", &[("code", &wrong(&code))], &[]);
        assert_eq!(status, "401", "{body}");
        assert!(body.contains(&format!("{left} tries left")), "{body}");
    }
    // A resend before the cooldown is refused; after it a new code comes, the count stays.
    let (status, body) = c.post(1, "sms/resend", &[], &[]);
    assert_eq!(status, "429", "{body}");
    sleep_until(sent_at + Duration::from_secs(11));
    let (status, body) = c.post(1, "sms/resend", &[], &[]);
    assert_eq!(status, "200", "{body}");
    let second = CodesLab::code_in(
        c.sink.as_ref().unwrap().wait_message(2)["text"]
            .as_str()
            .unwrap(),
    );
    let (status, body) = c.post(1, "sms/confirm", &[("code", &wrong(&second))], &[]);
    assert!(
        status == "401" && body.contains("One try left"),
        "{status} {body}"
    );
    let (status, body) = c.post(1, "sms/confirm", &[("code", &wrong(&second))], &[]);
    assert_eq!(status, "410", "{body}");
    assert!(body.contains("Too many wrong tries"), "{body}");
    // Dead: even the right code is refused now; the old one too.
    for right in [&second, &code] {
        let (status, _) = c.post(1, "sms/confirm", &[("code", right)], &[]);
        assert_eq!(status, "410");
    }
    assert!(
        c.lab.client(1).is_none(),
        "a guessed code let the device in"
    );
    // A typo that cannot be a code is not counted as a guess (and changes nothing).
    let (status, body) = c.post(1, "sms/confirm", &[("code", "12ab")], &[]);
    assert_eq!(status, "400", "{body}");
}

#[test]
fn header_injection_in_the_email_field_sends_nothing() {
    let c = CodesLab::start(
        1,
        Sms::None,
        json!({"email": {"enabled": true, "profile": "day"}}),
    );
    for evil in [
        "a@b.c\r\nBcc: x@y.z",
        "a@b.c\nBcc: x@y.z",
        "a@b.c, x@y.z",
        "<x@y.z>",
    ] {
        let (status, body) = c.post(1, "email", &[("address", evil)], &[]);
        assert_eq!(status, "400", "{evil:?}: {body}");
        assert!(body.contains("not an email address"), "{body}");
    }
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        c.smtp.as_ref().unwrap().messages().is_empty(),
        "a mail went out"
    );
    assert!(c.lab.client(1).is_none(), "a temporary session was opened");
}

#[test]
fn invalid_and_foreign_numbers_are_refused_with_a_message_and_send_nothing() {
    let c = sms_lab(1, json!({}));
    for (number, says) in [
        (
            "+44 7911 123456",
            "Numbers from this country are not accepted",
        ),
        ("+1 900 555 0100", "not accepted here"),
        ("12", "not a valid mobile number"),
        ("+39 333 123 4567\r\nx", "not a valid mobile number"),
    ] {
        let (status, body) = c.post(1, "sms", &[("number", number)], &[]);
        assert_eq!(status, "400", "{number}: {body}");
        assert!(body.contains(says), "{number}: {body}");
    }
    std::thread::sleep(Duration::from_secs(1));
    assert!(c.sink.as_ref().unwrap().messages().is_empty());
}

#[test]
fn sms_pumping_hits_the_device_limit_then_the_gateway_wide_cap_with_rotating_macs() {
    let c = sms_lab(
        1,
        json!({"limits": {"resend_cooldown_secs": 10, "per_device_hour": 3, "per_device_day": 3,
                          "per_target_hour": 1, "per_target_day": 1, "hotspot_hour": 5}}),
    );
    // One device, new numbers: three SMS, then refused.
    for i in 0..4 {
        let number = format!("+39333000000{i}");
        let (status, body) = c.post(1, "sms", &[("number", &number)], &[]);
        let want = if i < 3 { "200" } else { "429" };
        assert_eq!(status, want, "number {i}: {body}");
    }
    // The same number from another device: per-number limit.
    let ip = "10.77.0.111";
    c.lab.use_address(1, ip);
    let token = c.lab.rotate_mac(1, "02:77:00:00:01:01", ip);
    let (status, body) = post_from(&c, ip, &token, "+393330000000");
    assert_eq!(status, "429", "{body}");
    // Rotating MACs and numbers: two more fit, then the hotspot's hourly cap.
    let mut statuses = Vec::new();
    for i in 0..4 {
        let mac = format!("02:77:00:00:02:{i:02x}");
        let token = c.lab.rotate_mac(1, &mac, ip);
        statuses.push(post_from(&c, ip, &token, &format!("+39333111111{i}")).0);
    }
    assert_eq!(statuses, ["200", "200", "429", "429"]);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        c.sink.as_ref().unwrap().messages().len(),
        5,
        "exactly the cap went out"
    );
    let status = c.code_status();
    assert_eq!(status["sms_refused_by_limits"], 4, "{status}");
    assert_eq!(status["sms_sent_this_month"], 5, "{status}");
    let metrics = c.metrics();
    for line in [
        "hotspotd_codes_refused_total{channel=\"sms\",reason=\"limit\"} 4\n",
        "hotspotd_codes_sent_total{channel=\"sms\"} 5\n",
        "hotspotd_sms_sent_month 5\n",
    ] {
        assert!(metrics.contains(line), "{line} not in {metrics}");
    }
}

/// Posts the SMS form from guest 1's extra address `ip` (after a MAC rotation).
fn post_from(c: &CodesLab, ip: &str, token: &str, number: &str) -> (String, String) {
    let out = c.lab.curl(
        1,
        &[
            "--interface",
            ip,
            "-w",
            "\n%{http_code}",
            "--data-urlencode",
            token,
            "--data-urlencode",
            &format!("number={number}"),
            "-d",
            "accept_terms=yes",
            &format!("{PORTAL}/code/sms"),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (status.to_string(), body.to_string())
}

#[test]
fn the_monthly_budget_warns_once_and_then_refuses() {
    let c = sms_lab(1, json!({"budget": {"monthly": 3, "warn_percent": 60}}));
    for i in 0..3 {
        let (status, body) = c.post(1, "sms", &[("number", &format!("+39333222222{i}"))], &[]);
        assert_eq!(status, "200", "{body}");
    }
    let (status, body) = c.post(1, "sms", &[("number", "+393332222229")], &[]);
    assert_eq!(status, "429", "{body}");
    assert!(
        body.contains("Login by SMS is not available right now"),
        "{body}"
    );
    let log = c.lab.log();
    assert_eq!(log.matches("SMS budget warning").count(), 1, "{log}");
    let status = c.code_status();
    assert_eq!(
        (
            status["sms_sent_this_month"].as_u64(),
            status["sms_monthly_budget"].as_u64()
        ),
        (Some(3), Some(3))
    );
    assert_eq!(status["sms_refused_by_budget"], 1);
}

#[test]
fn without_the_terms_accepted_no_code_is_sent() {
    let c = sms_lab(1, json!({}));
    let (status, body) = c.post(
        1,
        "sms",
        &[("number", "+393331234567"), ("no_terms", "")],
        &[],
    );
    assert_eq!(status, "422", "{body}");
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        c.sink.as_ref().unwrap().messages().is_empty(),
        "a code was sent"
    );
    let guests = c.lab.ok(&["guests", "--json"]);
    assert_eq!(guests.trim(), "[]", "a guest was recorded: {guests}");
}

#[test]
fn forged_cross_site_posts_send_nothing() {
    let c = sms_lab(1, json!({}));
    // Another site's page posting the form: its Origin is refused before anything runs.
    let (status, _) = c.post(
        1,
        "sms",
        &[("number", "+393331234567")],
        &["Origin: http://evil.example"],
    );
    assert_eq!(status, "403");
    // Without the page's token (an opaque origin): refused too.
    let out = c.lab.curl(
        1,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "Origin: null",
            "-d",
            "number=%2B393331234567",
            &format!("{PORTAL}/code/sms"),
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "403");
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        c.sink.as_ref().unwrap().messages().is_empty(),
        "a forged post sent an SMS"
    );
}
