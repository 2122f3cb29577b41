//! A real headless Chromium against the real `hotspotd manager` (both in a network namespace
//! of their own): the admin logs in with the printed one-time password and creates a
//! reseller; the reseller creates two hotspots and the first one's customer and desk
//! accounts; the customer sees only its hotspot, and another hotspot's page does not exist
//! for it.

mod common;

use std::time::{Duration, Instant};

use common::manager_process::ManagerProcess;
use common::netns::{Netns, unique_prefix};
use common::webdriver::Browser;

const URL: &str = "http://127.0.0.1:8443";

fn wait_for_path(b: &Browser, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.url() != format!("{URL}{path}") {
        assert!(
            Instant::now() < deadline,
            "not at {path}: {} {}",
            b.url(),
            b.source()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Logs in through the form, replaces the one-time password, lands on the dashboard.
fn first_login(b: &Browser, user: &str, one_time: &str, own: &str) {
    b.goto(&format!("{URL}/login"));
    b.type_into("#username", user);
    b.type_into("#password", one_time);
    b.click("form[action='/login'] button");
    wait_for_path(b, "/password");
    assert!(b.source().contains("one-time password"), "{}", b.source());
    b.type_into("#current", one_time);
    b.type_into("#new", own);
    b.type_into("#repeat", own);
    b.click("form[action='/password'] button");
    wait_for_path(b, "/");
    assert!(b.source().contains(&format!("{user} (")), "{}", b.source());
}

fn log_out(b: &Browser) {
    b.click("form[action='/logout'] button");
    wait_for_path(b, "/login");
}

/// The one-time password on the "created" page the last click leads to (waited for: a click
/// may return before the browser has loaded the page it posted to).
fn shown_password(b: &Browser) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let (src, start) = loop {
        let src = b.source();
        if let Some(start) = src.find("id=\"one-time-password\">") {
            break (src, start);
        }
        assert!(Instant::now() < deadline, "no password shown: {src}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let rest = &src[start + "id=\"one-time-password\">".len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

#[test]
fn admin_reseller_and_customer_each_see_their_own_in_chromium() {
    let ns = Netns::new(format!("{}mgr", unique_prefix()));
    let m = ManagerProcess::start(Some(&ns), "127.0.0.1:8443", URL, &[]);
    let b = Browser::start(&ns.name);

    // The admin: printed password, own password, a reseller.
    first_login(&b, "admin", &m.admin_password, "admin-password-1");
    b.goto(&format!("{URL}/resellers"));
    b.type_into("#name", "Acme Wi-Fi");
    b.type_into("#username", "acme");
    b.click("form[action='/resellers'] button");
    let reseller_password = shown_password(&b);
    assert!(b.source().contains("Reseller Acme Wi-Fi"), "{}", b.source());
    log_out(&b);

    // The reseller: two hotspots, the first one's customer and desk accounts.
    first_login(&b, "acme", &reseller_password, "acme-password-1");
    let mut hotspot_paths = Vec::new();
    for name in ["Hotel Aurora", "Camping Sole"] {
        b.goto(&format!("{URL}/hotspots"));
        b.type_into("#name", name);
        b.type_into("#business_name", &format!("{name} Srl"));
        b.type_into("#vat_number", "IT01234567890");
        b.type_into("#privacy_contact", "privacy@example.com");
        b.execute("document.getElementById('time_zone').value = ''");
        b.type_into("#time_zone", "Europe/Rome");
        b.click("form[action$='/hotspots'] button");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !b.url().contains("/hotspots/") {
            assert!(Instant::now() < deadline, "{}", b.source());
            std::thread::sleep(Duration::from_millis(50));
        }
        hotspot_paths.push(b.url().trim_start_matches(URL).to_string());
    }
    b.goto(&format!("{URL}{}", hotspot_paths[0]));
    b.type_into("#username-customer", "aurora-owner");
    b.click("form[action$='/accounts'] button");
    let customer_password = shown_password(&b);
    b.click("a.button");
    b.type_into("#username-desk", "aurora-desk");
    b.click("form[action$='/accounts'] button");
    shown_password(&b);
    assert!(b.source().contains("aurora-desk"), "{}", b.source());
    b.click("a.button");
    wait_for_path(&b, &hotspot_paths[0]);
    let page = b.source();
    assert!(
        page.contains("aurora-owner") && page.contains("aurora-desk"),
        "{page}"
    );
    assert!(
        !page.contains("username-customer"),
        "a second customer account is offered: {page}"
    );
    log_out(&b);

    // The customer: its hotspot only; the other one does not exist for it.
    first_login(&b, "aurora-owner", &customer_password, "owner-password-1");
    b.goto(&format!("{URL}/hotspots"));
    let list = b.source();
    assert!(
        list.contains("Hotel Aurora") && !list.contains("Camping Sole"),
        "{list}"
    );
    b.goto(&format!("{URL}{}", hotspot_paths[1]));
    assert!(b.source().contains("Not found"), "{}", b.source());
    b.goto(&format!("{URL}{}", hotspot_paths[0]));
    let own = b.source();
    assert!(
        own.contains("Hotel Aurora Srl") && !own.contains("Reset password"),
        "{own}"
    );
    b.goto(&format!("{URL}/resellers"));
    assert!(b.source().contains("Not found"));
}

/// Writes what `script` (an expression) gives into the page, where `source` can read it.
fn evaluate(b: &Browser, script: &str) -> String {
    b.execute(&format!(
        "document.body.setAttribute('data-probe', String({script}))"
    ));
    let src = b.source();
    let start = src.find("data-probe=\"").expect("probe written") + "data-probe=\"".len();
    src[start..start + src[start..].find('"').unwrap()].to_string()
}

#[test]
fn a_desk_creates_prints_and_revokes_a_voucher_batch_in_chromium() {
    let ns = Netns::new(format!("{}mvo", unique_prefix()));
    let m = ManagerProcess::start(Some(&ns), "127.0.0.1:8443", URL, &[]);
    let b = Browser::start(&ns.name);

    first_login(&b, "admin", &m.admin_password, "admin-password-1");
    b.goto(&format!("{URL}/resellers"));
    b.type_into("#name", "Acme Wi-Fi");
    b.type_into("#username", "acme");
    b.click("form[action='/resellers'] button");
    let reseller_password = shown_password(&b);
    log_out(&b);

    // The reseller: a hotspot, its desk account, and where the QR codes lead.
    first_login(&b, "acme", &reseller_password, "acme-password-1");
    b.goto(&format!("{URL}/hotspots"));
    b.type_into("#name", "Hotel Aurora");
    b.click("form[action$='/hotspots'] button");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.url().contains("/hotspots/") {
        assert!(Instant::now() < deadline, "{}", b.source());
        std::thread::sleep(Duration::from_millis(50));
    }
    let hotspot = b.url().trim_start_matches(URL).to_string();
    b.type_into("#username-desk", "aurora-desk");
    b.click("form:has(#username-desk) button");
    let desk_password = shown_password(&b);
    b.goto(&format!("{URL}{hotspot}/vouchers"));
    b.type_into("#portal_url", "http://10.77.0.1:2050");
    b.click("form[action$='/vouchers/portal'] button");
    wait_for_path(&b, &format!("{hotspot}/vouchers"));
    // Technical preferences → Profiles: a day pass the desk may pick for a batch.
    b.goto(&format!("{URL}{hotspot}/preferences"));
    b.click("nav.sub a[href$='/profiles']");
    wait_for_path(&b, &format!("{hotspot}/profiles"));
    b.type_into("#p-name", "day");
    b.type_into("#p-for-users", "Day pass");
    b.execute("document.getElementById('p-validity').value = ''");
    b.type_into("#p-validity", "1d");
    b.click(&format!("form[action='{hotspot}/profiles'] button"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.url().contains("/profiles/") {
        assert!(Instant::now() < deadline, "{}", b.source());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(b.source().contains("1d from first logon"), "{}", b.source());
    log_out(&b);

    // The desk: from its hotspot's page to the vouchers, a batch of three.
    first_login(&b, "aurora-desk", &desk_password, "desk-password-1");
    b.goto(&format!("{URL}{hotspot}"));
    b.click("nav.sub a[href$='/vouchers']");
    wait_for_path(&b, &format!("{hotspot}/vouchers"));
    assert!(
        b.source().contains("profile day (Day pass)"),
        "{}",
        b.source()
    );
    b.execute("document.getElementById('count').value = ''");
    b.type_into("#count", "3");
    b.execute("document.getElementById('validity').value = ''");
    b.type_into("#validity", "2h");
    b.type_into("#note", "Conference room");
    b.click(&format!("form[action='{hotspot}/vouchers'] button"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.url().contains("?batch=") {
        assert!(Instant::now() < deadline, "{}", b.source());
        std::thread::sleep(Duration::from_millis(50));
    }
    let list = b.source();
    let codes: Vec<String> = list
        .match_indices("<td class=\"code\">")
        .map(|(i, m)| list[i + m.len()..i + m.len() + 11].to_string())
        .collect();
    assert_eq!(codes.len(), 3, "{list}");
    assert_eq!(list.matches("by aurora-desk").count(), 3, "{list}");

    // The A4 sheet: every code, a QR code each, the hotspot's name; the controls do not print.
    b.click("a[href$='layout=a4']");
    let sheet = b.source();
    for c in &codes {
        assert!(sheet.contains(c.as_str()), "{c} not on the sheet: {sheet}");
    }
    assert_eq!(sheet.matches("<svg").count(), 3, "{sheet}");
    assert!(sheet.contains("Hotel Aurora"));
    let rules = evaluate(
        &b,
        "Array.from(document.styleSheets[0].cssRules).filter(r => r.media && r.media.mediaText === 'print').map(r => r.cssText).join(' ').includes('.no-print { display: none; }')",
    );
    assert_eq!(rules, "true", "no print rule hides the controls");
    // The thermal roll: one column 72 mm wide.
    b.click("a[href$='layout=thermal']");
    let width = evaluate(
        &b,
        "parseFloat(getComputedStyle(document.querySelector('.sheet')).width)",
    );
    let width: f64 = width.parse().unwrap();
    assert!(
        (270.0..275.0).contains(&width),
        "thermal sheet {width}px wide"
    );

    // Back to the list: revoke the first voucher.
    b.goto(&format!("{URL}{hotspot}/vouchers"));
    b.click(&format!("button[aria-label='Revoke {}']", codes[0]));
    wait_for_path(&b, &format!("{hotspot}/vouchers"));
    b.goto(&format!("{URL}{hotspot}/vouchers?state=revoked"));
    let revoked = b.source();
    assert!(
        revoked.contains(codes[0].as_str()) && !revoked.contains(codes[1].as_str()),
        "{revoked}"
    );
}

/// Polls `script` (returning a value) until `ok` accepts it; its last value otherwise.
fn wait_for_value(
    b: &Browser,
    script: &str,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let v = b.eval(script);
        if ok(&v) || Instant::now() > deadline {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_customer_edits_previews_and_publishes_the_splash_in_chromium() {
    let ns = Netns::new(format!("{}mds", unique_prefix()));
    let m = ManagerProcess::start(Some(&ns), "127.0.0.1:8443", URL, &[]);
    let b = Browser::start(&ns.name);
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    std::fs::write(&logo, common::splash::logo()).unwrap();

    first_login(&b, "admin", &m.admin_password, "admin-password-1");
    b.goto(&format!("{URL}/resellers"));
    b.type_into("#name", "Acme Wi-Fi");
    b.type_into("#username", "acme");
    b.click("form[action='/resellers'] button");
    let reseller_password = shown_password(&b);
    log_out(&b);
    first_login(&b, "acme", &reseller_password, "acme-password-1");
    b.goto(&format!("{URL}/hotspots"));
    b.type_into("#name", "Lido Azzurro");
    b.click("form[action$='/hotspots'] button");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.url().contains("/hotspots/") {
        assert!(Instant::now() < deadline, "{}", b.source());
        std::thread::sleep(Duration::from_millis(50));
    }
    let hotspot = b.url().trim_start_matches(URL).to_string();
    let id: i64 = hotspot.trim_start_matches("/hotspots/").parse().unwrap();
    b.type_into("#username-customer", "lido-owner");
    b.click("form:has(#username-customer) button");
    let owner_password = shown_password(&b);
    log_out(&b);

    // The owner: from the hotspot's page to the editor; a logo, an Italian title, a colour.
    first_login(&b, "lido-owner", &owner_password, "owner-password-1");
    b.goto(&format!("{URL}{hotspot}"));
    b.click("nav.sub a[href$='/design']");
    let page = format!("{hotspot}/design");
    wait_for_path(&b, &page);
    b.type_into("#image-file", logo.to_str().unwrap());
    b.click("form[action$='/design/images'] button");
    wait_for_path(&b, &page);
    assert!(b.source().contains("Remove: Logo"), "{}", b.source());
    b.type_into("#design-title-it", "Benvenuti al Lido");
    b.execute("document.getElementById('design-colours-button').value = ''");
    b.type_into("#design-colours-button", "#7a1f1f");
    b.click("form[action$='/design/draft'] button");
    wait_for_path(&b, &page);
    assert!(
        b.source().contains("Draft saved by lido-owner"),
        "{}",
        b.source()
    );

    // The preview in Italian, in the phone-sized frame: the draft as guests would get it.
    b.click("#preview-lang option[value='it']");
    b.click("form[action$='/design'] button");
    wait_for_path(&b, &format!("{page}?lang=it"));
    let frame = "document.querySelector('.phone iframe')";
    let title = wait_for_value(
        &b,
        &format!(
            "var d = {frame}.contentDocument; return !d ? 'no document: ' + document.querySelector('.previews').outerHTML : d.querySelector('h1') ? d.querySelector('h1').textContent : d.documentElement.outerHTML"
        ),
        |v| v == "Benvenuti al Lido",
    );
    assert_eq!(title, "Benvenuti al Lido");
    assert_eq!(
        b.eval(&format!("return {frame}.getBoundingClientRect().width")),
        375
    );
    assert_eq!(
        b.eval(&format!("return {frame}.getAttribute('sandbox')")),
        "allow-same-origin"
    );
    let button = b.eval(&format!(
        "return getComputedStyle({frame}.contentDocument.querySelector('button')).backgroundColor"
    ));
    assert_eq!(button, "rgb(122, 31, 31)");
    let logo_width = wait_for_value(
        &b,
        &format!(
            "var i = {frame}.contentDocument.querySelector('img.logo'); return i && i.complete ? i.naturalWidth : 0"
        ),
        |v| v.as_u64().unwrap_or(0) > 0,
    );
    assert_eq!(logo_width, 360, "the logo shows in the preview");
    let lang = b.eval(&format!(
        "return {frame}.contentDocument.documentElement.lang"
    ));
    assert_eq!(lang, "it");
    assert_eq!(
        b.eval("return document.querySelector('.desktop iframe').offsetWidth"),
        1024
    );
    // The preview submits nothing: its login form is blocked by the sandbox.
    let forms = b.eval(&format!(
        "return {frame}.contentDocument.querySelectorAll('form').length"
    ));
    assert!(forms.as_u64().unwrap_or(0) > 0, "no form to try: {forms}");
    b.execute(&format!(
        "{frame}.contentDocument.querySelector('form').requestSubmit()"
    ));
    std::thread::sleep(Duration::from_secs(1));
    let still = b.eval(&format!(
        "var d = {frame}.contentDocument; return d ? d.location.pathname : 'navigated away'"
    ));
    assert_eq!(still, format!("{page}/preview"));

    // Publish: the revision the manager keeps is what `settings_doc::current` returns.
    b.click("form[action$='/design/publish'] button");
    wait_for_path(&b, &page);
    assert!(b.source().contains("1 (in force)"), "{}", b.source());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let doc = rt.block_on(async {
        let db = hotspotd::manager::db::Db::open(&m.database).await.unwrap();
        db.tx(hotspotd::manager::db::Mode::Read, move |c| {
            hotspotd::manager::areas::settings_doc::current(c, id)
        })
        .await
        .unwrap()
    });
    use hotspotd::model::settings::Lang;
    assert_eq!(doc.revision, 1);
    assert_eq!(
        doc.design.title.get(Lang::It, Lang::En),
        "Benvenuti al Lido"
    );
    assert_eq!(doc.design.colours.button.to_string(), "#7a1f1f");
    assert!(doc.design.logo.is_some());

    // A voucher sheet shows the published logo.
    b.goto(&format!("{URL}{hotspot}/vouchers"));
    b.click(&format!("form[action='{hotspot}/vouchers'] button"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.url().contains("?batch=") {
        assert!(Instant::now() < deadline, "{}", b.source());
        std::thread::sleep(Duration::from_millis(50));
    }
    b.click("a[href$='layout=a4']");
    let shown = wait_for_value(
        &b,
        "var i = document.querySelector('img.sheet-logo'); return i && i.complete ? i.naturalWidth : 0",
        |v| v.as_u64().unwrap_or(0) > 0,
    );
    assert_eq!(shown, 360, "{}", b.source());
}
