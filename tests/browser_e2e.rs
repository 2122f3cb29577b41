//! A real headless Chromium in the guest namespace plays the guest.

mod common;

use std::time::{Duration, Instant};

use common::lab::{Lab, PORTAL};
use common::webdriver::Browser;

#[test]
fn a_guest_in_chromium_logs_in_with_a_voucher_and_reaches_the_page_first_asked_for() {
    let lab = Lab::start(1);
    let code = lab.vouchers(&["--validity", "1h"])[0].clone();
    let browser = Browser::start(&lab.guest(1));

    browser.goto("http://example.com/news?from=browser");
    assert!(
        browser.url().starts_with(&format!("{PORTAL}/?dst=")),
        "not on the splash: {}",
        browser.url()
    );
    let splash = browser.source();
    assert!(
        splash.contains("Welcome to Test Café") && splash.contains("Be nice."),
        "{splash}"
    );

    // A wrong code first: the message shows and the guest stays on the splash.
    browser.type_into("#code", "ABCDE-FGHJK");
    browser.click("button[type=submit]");
    assert!(browser.source().contains("this code is not valid"));

    browser.type_into("#code", &code.to_lowercase());
    browser.click("button[type=submit]");
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.url() != "http://example.com/news?from=browser" {
        assert!(
            Instant::now() < deadline,
            "did not reach the page asked for: {} {}",
            browser.url(),
            lab.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        browser.source().contains("example.com/news?from=browser"),
        "{}",
        browser.source()
    );

    browser.goto(&format!("{PORTAL}/"));
    assert_eq!(browser.url(), format!("{PORTAL}/status"));
    assert!(browser.source().contains("You are online"));
    browser.click("button.secondary");
    assert!(browser.source().contains("You are logged out"));
    browser.goto("http://example.com/again");
    assert!(
        browser.url().starts_with(&format!("{PORTAL}/?dst=")),
        "still online after logout: {}",
        browser.url()
    );
}

/// Waits until `check` holds for the browser, or panics naming `what`.
fn wait_for(browser: &Browser, lab: &Lab, what: &str, check: impl Fn(&Browser) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check(browser) {
        assert!(
            Instant::now() < deadline,
            "{what}: {} {}",
            browser.url(),
            lab.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_page_on_another_site_cannot_post_the_portals_forms() {
    let lab = Lab::start(1);
    let codes = lab.vouchers(&["-n", "2"]);
    let browser = Browser::start(&lab.guest(1));
    browser.goto(&format!("{PORTAL}/"));
    browser.type_into("#code", &codes[0]);
    browser.click("button[type=submit]");
    wait_for(&browser, &lab, "status page", |b| {
        b.source().contains("You are online")
    });

    // A plain-HTTP page elsewhere (an ad, say) posts the logout form: Chromium sends that
    // site's Origin, and the page has no token.
    browser.goto("http://example.com/ad");
    assert!(browser.source().contains("Upstream page"));
    browser.execute(
        "const f = document.createElement('form'); f.method = 'post';
         f.action = 'http://10.77.0.1:2050/logout'; document.body.appendChild(f); f.submit();",
    );
    wait_for(&browser, &lab, "the refused post", |b| {
        b.url() == format!("{PORTAL}/logout")
    });
    assert!(lab.client(1).is_some(), "logged out from another site");

    // The guest's own logout button still works.
    browser.goto(&format!("{PORTAL}/status"));
    browser.click("button.secondary");
    assert!(browser.source().contains("You are logged out"));

    // An opaque page (Origin: null) posts the login form with the attacker's code and
    // destination: no token, so nothing happens and the code stays unused.
    let forged = format!(
        "data:text/html,<form method=post action=http://10.77.0.1:2050/login>\
         <input name=code value={}><input name=dst value=http://evil.example/></form>\
         <script>document.forms[0].submit()</script>",
        codes[1]
    );
    browser.goto(&forged);
    wait_for(&browser, &lab, "the refused login", |b| {
        b.url() == format!("{PORTAL}/login")
    });
    assert!(browser.source().contains("expired"), "{}", browser.source());
    assert!(lab.client(1).is_none(), "logged in from another site");
    // The splash shown in answer carries a fresh token: the guest logs in from it.
    browser.type_into("#code", &codes[1]);
    browser.click("button[type=submit]");
    wait_for(&browser, &lab, "status page after the refusal", |b| {
        b.source().contains("You are online")
    });
}
