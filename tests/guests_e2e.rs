//! Click-through, the consent ledger, the marketing export and erasure, end to end in the
//! namespace lab: the real daemon, real nftables, guests posting from their namespaces and a
//! headless Chromium at phone size.

mod common;

use std::time::Duration;

use common::click::*;
use common::lab::{Lab, PORTAL, guest_mac};
use common::webdriver::Browser;
use serde_json::Value;
use sha2::{Digest, Sha256};

#[test]
fn a_phone_clicks_through_from_a_captured_request_to_the_page_asked_for_and_withdraws_marketing() {
    let lab = Lab::start(1);
    setup_click(&lab, false);
    let browser = Browser::start_phone(&lab.guest(1));

    browser.goto("http://example.com/menu?table=4");
    assert!(
        browser.url().starts_with(&format!("{PORTAL}/?dst=")),
        "not on the splash: {}",
        browser.url()
    );
    let splash = browser.source();
    assert!(splash.contains("Just connect"), "{splash}");
    // Optional consents are never pre-ticked.
    assert!(!splash.contains("checked"), "{splash}");
    browser.click("#click-accept");
    browser.click("#click-marketing");
    browser.click("#click-form button[type=submit]");
    lab.wait_until(Duration::from_secs(10), "the page asked for", || {
        browser.url() == "http://example.com/menu?table=4"
    });
    assert!(browser.source().contains("example.com/menu?table=4"));
    // Then the internet.
    assert_eq!(lab.status(1, "http://example.com/elsewhere"), "200");

    let all = guests(&lab);
    assert_eq!(all.len(), 1, "{all:?}");
    let g = guest(&lab, &all[0]["id"]);
    assert_eq!(g["guest"]["method"], "click");
    assert_eq!(g["guest"]["identifier"], guest_mac(1));
    assert_eq!(g["guest"]["verified"], false);
    assert_eq!(
        ledger(&g),
        [
            row("terms", true, "splash-checkbox"),
            row("privacy", true, "splash-checkbox"),
            row("marketing", true, "splash-checkbox"),
        ]
    );
    let terms = &g["consents"][0];
    let shown = hex::encode(Sha256::digest(b"Be nice."));
    assert_eq!(
        terms["text_version"], shown,
        "the version is the hash of the terms shown"
    );
    assert_eq!(terms["lang"], "en");
    assert_eq!(terms["mac"], guest_mac(1));
    assert_eq!(g["sessions"].as_array().unwrap().len(), 1);

    // The status page withdraws marketing in one click.
    browser.goto(&format!("{PORTAL}/status"));
    browser.click("#withdraw-marketing");
    lab.wait_until(Duration::from_secs(10), "the withdrawal", || {
        browser.source().contains("your consent is withdrawn")
    });
    assert!(!browser.source().contains("withdraw-marketing"));
    let g = guest(&lab, &all[0]["id"]);
    assert_eq!(ledger(&g)[3], row("marketing", false, "status-page"));
    assert_eq!(
        g["consents"][3]["text_version"], g["consents"][2]["text_version"],
        "the withdrawal names the text that was agreed to"
    );
    let csv = lab.ok(&["guests", "export-marketing"]);
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");
}

#[test]
fn click_through_is_refused_without_the_terms_from_another_site_and_when_off() {
    let lab = Lab::start(1);
    setup_click(&lab, false);

    let (status, page) = click(&lab, 1, &[MARKETING], &[]);
    assert_eq!(status, "422", "{page}");
    assert!(page.contains("Tick the box to accept the terms"), "{page}");
    assert!(lab.client(1).is_none());
    assert!(
        guests(&lab).is_empty(),
        "nothing is recorded without the terms"
    );

    let (status, _) = click(&lab, 1, &[ACCEPT], &["-H", "Origin: http://evil.example"]);
    assert_eq!(status, "403");
    let url = format!("{PORTAL}/login/click");
    let out = lab.curl(
        1,
        &["-o", "/dev/null", "-w", "%{http_code}", "-d", ACCEPT, &url],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "403",
        "a post without token"
    );
    assert!(lab.client(1).is_none());
    assert!(guests(&lab).is_empty());

    lab.ok(&["settings", "set", "methods.click.enabled", "false"]);
    let out = lab.curl(1, &[&format!("{PORTAL}/")]);
    let splash = String::from_utf8_lossy(&out.stdout);
    assert!(!splash.contains("click-form"), "{splash}");
    let (status, page) = click(&lab, 1, &[ACCEPT], &[]);
    assert_eq!(status, "403", "{page}");
    assert!(page.contains("not available"), "{page}");
    assert!(lab.client(1).is_none());

    // On again. A profile that does not exist is refused when the settings change, naming
    // the field; one removed afterwards refuses the login, and the operator's log says why.
    lab.ok(&["settings", "set", "methods.click.enabled", "true"]);
    let out = lab.cli(&["settings", "set", "methods.click.profile", "no-such"]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("methods.click.profile") && said.contains("no-such"),
        "{said}"
    );
    lab.ok(&["profile", "remove", "click-through"]);
    let (status, _) = click(&lab, 1, &[ACCEPT], &[]);
    assert_eq!(status, "403");
    assert!(lab.log().contains("methods.click.profile names no profile"));
    assert!(guests(&lab).is_empty());
}

#[test]
fn a_returning_device_keeps_its_guest_and_allowance_and_is_logged_in_again_by_its_mac() {
    let lab = Lab::start(1);
    setup_click(&lab, true);
    let (status, page) = click(&lab, 1, &[ACCEPT, "dst=http://example.com/"], &[]);
    assert_eq!(status, "303", "{page}");
    let first = lab.client(1).expect("online");
    assert!(lab.downloaded(1, 400_000, 10) >= 400_000);
    assert_eq!(lab.logout(1), "200");
    assert!(lab.client(1).is_none());

    // A captured request: the splash recognises the device and sends it on, online.
    let out = lab.curl(
        1,
        &[
            "-L",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{url_effective}",
            "http://example.com/back",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "200 http://example.com/back"
    );
    let again = lab.client(1).expect("logged in again by its MAC");
    assert_eq!(again["user_id"], first["user_id"], "the same guest user");
    let left = again["bytes_left"].as_u64().unwrap();
    assert!(
        left <= 600_000,
        "the day's allowance was renewed: {left} bytes left"
    );
    let g = guest_of(&lab, 1);
    assert_eq!(g["sessions"], 2);
    assert_eq!(guests(&lab).len(), 1);
    // The auto-login records the visit, no consent.
    assert_eq!(ledger(&guest(&lab, &g["id"])).len(), 2);

    // Without MAC auto-login the returning device sees the splash, and its click-through
    // still continues the same user.
    lab.ok(&["settings", "set", "methods.click.mac_auto_login", "false"]);
    assert_eq!(lab.logout(1), "200");
    let (status, location) = lab.get_in(&lab.guest(1), "http://example.com/back");
    assert_eq!(status, "302");
    let (status, _) = lab.get_in(&lab.guest(1), &location);
    assert_eq!(status, "200", "the splash");
    assert!(lab.client(1).is_none());
    assert_eq!(click(&lab, 1, &[ACCEPT], &[]).0, "303");
    assert_eq!(lab.client(1).expect("online")["user_id"], first["user_id"]);
}

#[test]
fn the_marketing_export_holds_only_guests_whose_latest_marketing_consent_is_granted() {
    let lab = Lab::start(3);
    setup_click(&lab, false);
    // 1 consents, then withdraws; 2 never consents; 3 consents, withdraws, consents again.
    assert_eq!(click(&lab, 1, &[ACCEPT, MARKETING], &[]).0, "303");
    assert_eq!(withdraw(&lab, 1, "marketing"), "200");
    assert_eq!(
        click(&lab, 2, &[ACCEPT, "consent_surveys=yes"], &[]).0,
        "303"
    );
    assert_eq!(click(&lab, 3, &[ACCEPT, MARKETING], &[]).0, "303");
    assert_eq!(withdraw(&lab, 3, "marketing"), "200");
    assert_eq!(lab.logout(3), "200");
    assert_eq!(click(&lab, 3, &[ACCEPT, MARKETING], &[]).0, "303");
    // A withdrawal of what was never given records nothing.
    assert_eq!(withdraw(&lab, 2, "marketing"), "200");

    let file = lab.dir.path().join("contacts.csv");
    let said = lab.ok(&["guests", "export-marketing", file.to_str().unwrap()]);
    assert!(said.starts_with("1 marketing contact"), "{said}");
    let mut reader = csv::Reader::from_path(&file).unwrap();
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let column = |name| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][column("identifier")], guest_mac(3));
    assert_eq!(&rows[0][column("consent_how")], "splash-checkbox");
    assert_eq!(rows[0][column("consent_text_version")].len(), 64);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let l1 = ledger(&guest(&lab, &guest_of(&lab, 1)["id"]));
    assert_eq!(
        l1[2..],
        [
            row("marketing", true, "splash-checkbox"),
            row("marketing", false, "status-page")
        ]
    );
    let l2 = ledger(&guest(&lab, &guest_of(&lab, 2)["id"]));
    assert_eq!(l2.len(), 3, "terms, privacy, surveys: {l2:?}");
    let l3 = ledger(&guest(&lab, &guest_of(&lab, 3)["id"]));
    let marketing: Vec<bool> = (l3.iter())
        .filter(|(p, ..)| p == "marketing")
        .map(|(_, g, _)| *g)
        .collect();
    assert_eq!(marketing, [true, false, true]);
}

#[test]
fn erasing_a_guest_removes_its_personal_data_and_keeps_its_sessions_anonymised() {
    let lab = Lab::start(1);
    setup_click(&lab, false);
    assert_eq!(click(&lab, 1, &[ACCEPT, MARKETING], &[]).0, "303");
    let id = guest_of(&lab, 1)["id"].to_string();

    let out = lab.cli(&["guests", "erase", &id]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("log it off first"), "{said}");
    assert_eq!(lab.logout(1), "200");
    lab.ok(&["guests", "erase", &id]);

    let g: Value = serde_json::from_str(&lab.ok(&["guests", "show", &id, "--json"])).unwrap();
    assert_eq!(g["guest"]["identifier"], Value::Null);
    assert!(g["guest"]["erased_at"].is_i64());
    assert_eq!(g["devices"][0]["mac"], Value::Null);
    assert_eq!(ledger(&g).len(), 3, "the consent rows stay");
    assert!(
        g["consents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["mac"].is_null())
    );
    let sessions: Value = serde_json::from_str(&lab.ok(&["sessions", "--json"])).unwrap();
    let text = sessions.to_string();
    assert!(
        !text.contains(&guest_mac(1)),
        "a session still names the device: {text}"
    );
    assert_eq!(sessions.as_array().unwrap().len(), 1, "the session stays");
    assert_eq!(lab.ok(&["guests", "export-marketing"]).lines().count(), 1);
    let listing = lab.ok(&["guests"]);
    assert!(!listing.contains(&guest_mac(1)), "{listing}");

    // The device coming back is a new guest.
    assert_eq!(click(&lab, 1, &[ACCEPT], &[]).0, "303");
    assert_ne!(guest_of(&lab, 1)["id"].to_string(), id);
}

#[test]
fn voucher_and_account_logins_record_their_guests() {
    let lab = Lab::start(2);
    let code = lab.vouchers(&["--validity", "1h"])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");
    lab.ok(&[
        "profile",
        "add",
        "day",
        "--name-for-users",
        "Day",
        "--validity",
        "1d",
    ]);
    lab.account("anna", "correct horse", &["--profile", "day"]);
    let (status, _) = lab.login_account(2, "anna", "correct horse");
    assert_eq!(status, "303");
    let voucher_user = lab.client(1).unwrap()["user_id"].to_string();
    let all = guests(&lab);
    let methods: Vec<(Value, Value, Value)> = all
        .iter()
        .map(|g| {
            (
                g["method"].clone(),
                g["identifier"].clone(),
                g["verified"].clone(),
            )
        })
        .collect();
    assert!(
        methods.contains(&("voucher".into(), voucher_user.into(), true.into())),
        "{all:?}"
    );
    assert!(
        methods.contains(&("account".into(), "anna".into(), true.into())),
        "{all:?}"
    );
    let g = guest(
        &lab,
        &guests(&lab)
            .iter()
            .find(|g| g["method"] == "account")
            .unwrap()["id"],
    );
    assert_eq!(g["devices"][0]["mac"], common::lab::guest_mac(2));
    assert_eq!(g["sessions"].as_array().unwrap().len(), 1);
    assert!(
        ledger(&g).is_empty(),
        "no consent is invented for a voucher or account login"
    );
}
