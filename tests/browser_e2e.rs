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
