//! The venue's own splash page in the lab: images added with `hotspotd asset add`, served by
//! the portal before login with long-lived caching; a customised design in a real Chromium
//! at phone and desktop size, in two languages, with a voucher login from it; the page's
//! weight and self-containment; bad designs refused with nothing changed.

mod common;

use std::time::{Duration, Instant};

use common::lab::{Lab, PORTAL};
use common::splash::{add_asset, banner, cafe_design, logo, set_design};
use common::webdriver::Browser;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Response headers (lower-case names) and body of a GET from guest 1.
fn get(lab: &Lab, url: &str, extra: &[&str]) -> (String, Vec<u8>) {
    let head = lab.dir.path().join("head.txt");
    let mut args = vec!["-D", head.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(url);
    let out = lab.curl(1, &args);
    let headers = std::fs::read_to_string(&head)
        .unwrap_or_default()
        .to_ascii_lowercase();
    (headers, out.stdout)
}

#[test]
fn images_are_served_before_login_by_hash_with_long_lived_caching() {
    let lab = Lab::start(1);
    let id = add_asset(&lab, "logo.png", &logo());
    let hash = id.split('.').next().unwrap();
    let url = format!("{PORTAL}/assets/{id}");

    let (headers, body) = get(&lab, &url, &[]);
    assert!(headers.starts_with("http/1.1 200"), "{headers}");
    assert!(headers.contains("content-type: image/png\r\n"), "{headers}");
    assert!(
        headers.contains(&format!("etag: \"{hash}\"\r\n")),
        "{headers}"
    );
    assert!(
        headers.contains("cache-control: public, max-age=31536000, immutable\r\n"),
        "{headers}"
    );
    assert!(
        headers.contains("x-content-type-options: nosniff\r\n"),
        "{headers}"
    );
    assert_eq!(hex::encode(Sha256::digest(&body)), hash);

    let (headers, body) = get(&lab, &url, &["-H", &format!("If-None-Match: \"{hash}\"")]);
    assert!(headers.starts_with("http/1.1 304"), "{headers}");
    assert!(headers.contains(&format!("etag: \"{hash}\"")), "{headers}");
    assert!(body.is_empty());
    let (headers, _) = get(&lab, &url, &["-H", "If-None-Match: \"0000\""]);
    assert!(headers.starts_with("http/1.1 200"), "{headers}");

    // Unknown, malformed and path-like names are not found, and not cached.
    for name in [
        format!("{}.png", "0".repeat(64)),
        format!("{hash}.svg"),
        "..%2F..%2Fhotspotd.db".into(),
        "x".into(),
    ] {
        let (headers, _) = get(&lab, &format!("{PORTAL}/assets/{name}"), &[]);
        assert!(headers.starts_with("http/1.1 404"), "{name}: {headers}");
        assert!(
            headers.contains("cache-control: no-store"),
            "{name}: {headers}"
        );
    }
    // Pages stay uncached.
    let (headers, _) = get(&lab, &format!("{PORTAL}/"), &[]);
    assert!(headers.contains("cache-control: no-store"), "{headers}");
}

#[test]
fn a_customised_splash_weighs_under_100_kb_and_loads_nothing_from_outside() {
    let lab = Lab::start(1);
    let (logo_id, banner_id) = (
        add_asset(&lab, "logo.png", &logo()),
        add_asset(&lab, "banner.jpg", &banner()),
    );
    set_design(&lab, cafe_design(&logo_id, &banner_id));
    let (_, html) = get(&lab, "http://example.com/news", &["-L"]);
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("Welcome to Bar Roma"), "{html}");
    let mut total = html.len();
    let mut resources = Vec::new();
    for attr in ["src=\"", "url("] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            let end = rest.find(['"', ')']).unwrap();
            resources.push(rest[..end].to_string());
        }
    }
    assert_eq!(resources.len(), 2, "{resources:?}");
    for r in &resources {
        assert!(r.starts_with("/assets/"), "a resource from elsewhere: {r}");
        let (headers, body) = get(&lab, &format!("{PORTAL}{r}"), &[]);
        assert!(headers.starts_with("http/1.1 200"), "{r}: {headers}");
        total += body.len();
    }
    for tag in ["<link", "<script", "@import", "<iframe", "<object"] {
        assert!(!html.contains(tag), "{tag} in the page");
    }
    // http(s) URLs only as the banner's link and the destination carried through the login.
    let urls: Vec<&str> = html
        .match_indices("http")
        .map(|(at, _)| &html[at..at + 30.min(html.len() - at)])
        .collect();
    assert!(
        urls.iter()
            .all(|u| u.starts_with("https://barroma.example/menu")
                || u.starts_with("http://example.com/news")
                || u.starts_with("http%3A%2F%2Fexample.com")),
        "{urls:?}"
    );
    println!(
        "splash with logo and banner: {} bytes HTML, {total} bytes in all",
        html.len()
    );
    assert!(total <= 100_000, "{total} bytes over the wire");

    // The browser's language, else the default; the venue's texts fall back to the default's.
    let (_, page) = get(
        &lab,
        &format!("{PORTAL}/"),
        &["-H", "Accept-Language: de-AT,de;q=0.9,en;q=0.5"],
    );
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains(r#"<html lang="de">"#) && page.contains("Gutscheincode"),
        "{page}"
    );
    assert!(page.contains("<h1>Welcome to Bar Roma</h1>"), "{page}");
    let (_, page) = get(
        &lab,
        &format!("{PORTAL}/"),
        &["-H", "Accept-Language: ja, zh"],
    );
    assert!(
        String::from_utf8(page)
            .unwrap()
            .contains(r#"<html lang="en">"#)
    );
    // A choice with the switcher beats the header and is kept in a cookie.
    let (headers, page) = get(
        &lab,
        &format!("{PORTAL}/?lang=pt"),
        &["-H", "Accept-Language: de"],
    );
    assert!(
        String::from_utf8(page)
            .unwrap()
            .contains("Código do voucher")
    );
    assert!(
        headers.contains("set-cookie: hotspotd_lang=pt; path=/;"),
        "{headers}"
    );
    let (_, page) = get(
        &lab,
        &format!("{PORTAL}/"),
        &[
            "-H",
            "Accept-Language: de",
            "-H",
            "Cookie: hotspotd_lang=pt",
        ],
    );
    assert!(
        String::from_utf8(page)
            .unwrap()
            .contains(r#"<html lang="pt">"#)
    );
}

#[test]
fn bad_designs_are_refused_with_the_field_and_the_fix_and_change_nothing() {
    let lab = Lab::start(1);
    let before = lab.ok(&["settings", "show", "--json"]);
    let cases = [
        (
            "design.colours.text",
            "#999999",
            "contrast 2.8:1 between text #999999 and card #ffffff is below 4.5:1; fix: darken the text or lighten the card",
        ),
        (
            "design.colours.button",
            "red",
            "is not a colour written #rrggbb",
        ),
        ("design.logo", "../../etc/shadow.png", "is not an asset id"),
        (
            "design.logo",
            "00000000000000000000000000000000000000000000000000000000000000aa.png",
            "no image 00000000000000000000000000000000000000000000000000000000000000aa.png is stored; fix: add it with `hotspotd asset add FILE`",
        ),
        (
            "design.after_login_url",
            "javascript:alert(1)",
            "is not an http:// or https:// address",
        ),
    ];
    for (field, value, message) in cases {
        let out = lab.cli(&["settings", "set", field, value]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{field} {value} accepted");
        assert!(
            err.contains(&format!("settings field `{field}`")) && err.contains(message),
            "{field}: {err}"
        );
    }
    assert_eq!(lab.ok(&["settings", "show", "--json"]), before);
    let (_, html) = get(&lab, &format!("{PORTAL}/"), &[]);
    assert!(String::from_utf8(html).unwrap().contains("--text:#1a1a1a;"));
}

/// Waits until `check` holds, or panics naming `what`. 30 s: once (CI on a clean clone, the
/// machine loaded) the page first asked for took about 10 s to load after the login's
/// connection flush, though it always arrived; that stall is noted for a closer look, and
/// this test is about where the guest lands, not how fast.
fn wait_for(browser: &Browser, lab: &Lab, what: &str, check: impl Fn(&Browser) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
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

/// Saves a screenshot as `target/screenshots/NAME` (the README's come from here).
fn keep_screenshot(name: &str, browser: &Browser) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = browser.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG screenshot");
    std::fs::write(dir.join(name), png).unwrap();
}

/// Whether the image matched by `css` has loaded.
fn loaded(browser: &Browser, css: &str) -> bool {
    browser.eval(&format!(
        "const i = document.querySelector('{css}'); return !!i && i.complete && i.naturalWidth > 0;"
    )) == json!(true)
}

#[test]
fn a_guest_on_a_phone_sees_the_venues_splash_switches_language_and_logs_in_from_it() {
    let lab = Lab::start(1);
    let (logo_id, banner_id) = (
        add_asset(&lab, "logo.png", &logo()),
        add_asset(&lab, "banner.jpg", &banner()),
    );
    set_design(&lab, cafe_design(&logo_id, &banner_id));
    let code = lab.vouchers(&["--validity", "1h"])[0].clone();
    let browser = Browser::start(&lab.guest(1));
    browser.resize(390, 844);

    browser.goto("http://example.com/news?from=phone");
    assert!(
        browser.url().starts_with(&format!("{PORTAL}/?dst=")),
        "{}",
        browser.url()
    );
    wait_for(&browser, &lab, "logo and banner shown", |b| {
        loaded(b, "img.logo") && loaded(b, ".banner img")
    });
    let style = |css: &str, prop: &str| {
        browser.eval(&format!(
            "return getComputedStyle(document.querySelector('{css}')).{prop};"
        ))
    };
    assert_eq!(
        style("button[type=submit]", "backgroundColor"),
        json!("rgb(122, 31, 31)")
    );
    assert_eq!(style("h1", "color"), json!("rgb(122, 31, 31)"));
    assert_eq!(
        style("body", "backgroundColor"),
        json!("rgb(243, 236, 226)")
    );
    assert!(
        style("body", "fontFamily")
            .as_str()
            .unwrap()
            .starts_with("Charter")
    );
    assert_eq!(
        browser.eval("return document.querySelector('h1').textContent;"),
        json!("Welcome to Bar Roma")
    );
    // One column that fits the phone: nothing wider than the screen, big tap targets.
    assert_eq!(
        browser.eval("return document.documentElement.scrollWidth <= 390;"),
        json!(true)
    );
    let height = browser.eval(
        "return document.querySelector('button[type=submit]').getBoundingClientRect().height;",
    );
    assert!(height.as_f64().unwrap() >= 44.0, "button {height} px high");
    keep_screenshot("splash-phone.png", &browser);

    // The switcher: Italian, kept for the following pages.
    browser.click("a[hreflang=it]");
    wait_for(&browser, &lab, "Italian page", |b| {
        b.eval("return document.documentElement.lang;") == json!("it")
    });
    let page = browser.source();
    assert!(
        page.contains("Benvenuti al Bar Roma") && page.contains("Codice voucher"),
        "{page}"
    );
    assert!(
        page.contains("Aperitivo dalle 18"),
        "banner text in Italian"
    );
    assert!(
        browser
            .url()
            .contains("dst=http%3A%2F%2Fexample.com%2Fnews"),
        "{}",
        browser.url()
    );
    browser.goto(&format!("{PORTAL}/"));
    assert!(
        browser.source().contains("Codice voucher"),
        "the choice is kept"
    );

    // A wrong code, then the right one, from the Italian page.
    browser.goto("http://example.com/news?from=phone");
    browser.type_into("#code", "ABCDE-FGHJK");
    browser.click("button[type=submit]");
    assert!(
        browser.source().contains("questo codice non è valido"),
        "{}",
        browser.source()
    );
    browser.type_into("#code", &code);
    browser.click("button[type=submit]");
    wait_for(&browser, &lab, "the page first asked for", |b| {
        b.url() == "http://example.com/news?from=phone"
    });
    browser.goto(&format!("{PORTAL}/status"));
    assert!(
        browser.source().contains("Sei online"),
        "{}",
        browser.source()
    );
}

#[test]
fn the_desktop_splash_is_a_centred_column_and_the_after_login_page_is_used() {
    let lab = Lab::start(1);
    let (logo_id, banner_id) = (
        add_asset(&lab, "logo.png", &logo()),
        add_asset(&lab, "banner.jpg", &banner()),
    );
    let mut design = cafe_design(&logo_id, &banner_id);
    design["after_login_url"] = json!("http://example.com/welcome");
    set_design(&lab, design);
    let code = lab.vouchers(&["--validity", "1h"])[0].clone();
    let browser = Browser::start(&lab.guest(1));
    browser.resize(1280, 900);
    browser.goto("http://example.com/news");
    wait_for(&browser, &lab, "logo and banner shown", |b| {
        loaded(b, "img.logo") && loaded(b, ".banner img")
    });
    let main = browser.eval("const r = document.querySelector('main').getBoundingClientRect(); return [r.left, r.width];");
    let (left, width) = (main[0].as_f64().unwrap(), main[1].as_f64().unwrap());
    assert!(
        width <= 460.0 && left > 300.0,
        "main at {left}, {width} px wide"
    );
    keep_screenshot("splash-desktop.png", &browser);
    browser.type_into("#code", &code);
    browser.click("button[type=submit]");
    wait_for(&browser, &lab, "the venue's after-login page", |b| {
        b.url() == "http://example.com/welcome"
    });
}
