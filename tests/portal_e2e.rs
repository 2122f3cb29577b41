//! A guest before and after login, with the real daemon, kernel nftables and traffic.

mod common;

use std::time::{Duration, Instant};

use common::lab::{GATEWAY, Lab, PORTAL, guest_mac};

#[test]
fn an_unauthenticated_guest_is_held() {
    let lab = Lab::start(1);
    // DNS works through the gateway resolver.
    let dns = lab.in_ns(&lab.guest(1), &["getent", "hosts", "example.com"]);
    assert!(
        String::from_utf8_lossy(&dns.stdout).contains("10.88.0.2"),
        "DNS failed: {dns:?}"
    );

    // Any plain-HTTP request, to any host, is redirected to the portal, remembering the URL.
    for url in ["http://example.com/page?x=1", "http://10.88.0.2/other"] {
        let (status, location) = lab.get_in(&lab.guest(1), url);
        assert!(
            status == "302" && location.starts_with(&format!("{PORTAL}/?dst=http")),
            "{url}: {status} {location}"
        );
    }

    // TCP 443 is refused at once (RST), never intercepted.
    let start = Instant::now();
    let out = lab.curl(1, &["-o", "/dev/null", "https://example.com/"]);
    assert_eq!(
        out.status.code(),
        Some(7),
        "expected connection refused, got {out:?}"
    );
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "HTTPS not rejected fast: {:?}",
        start.elapsed()
    );

    // Everything else is refused: ICMP to the internet, other TCP ports.
    let ping = lab.in_ns(&lab.guest(1), &["ping", "-c", "1", "-W", "1", "10.88.0.2"]);
    assert!(!ping.status.success(), "ping reached upstream before login");
    assert_eq!(
        lab.curl(1, &["-o", "/dev/null", "http://10.88.0.2:443/"])
            .status
            .code(),
        Some(7)
    );

    // The gateway's own services other than DNS/DHCP/portal are unreachable from the LAN.
    let mut service = lab.in_ns_spawn(
        &lab.gw(),
        &["python3", "-m", "http.server", "--bind", "0.0.0.0", "8022"],
    );
    lab.wait_until(
        Duration::from_secs(5),
        "test service on the gateway",
        || {
            lab.in_ns(
                &lab.gw(),
                &["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:8022/"],
            )
            .status
            .success()
        },
    );
    let blocked = lab.curl(
        1,
        &[
            "-o",
            "/dev/null",
            "-m",
            "2",
            &format!("http://{GATEWAY}:8022/"),
        ],
    );
    let _ = service.kill();
    let _ = service.wait();
    assert_eq!(
        blocked.status.code(),
        Some(7),
        "gateway service reachable from the LAN: {blocked:?}"
    );
    // The portal itself is reachable.
    assert_eq!(lab.status(1, &format!("{PORTAL}/")), "200");
}

#[test]
fn os_probes_see_a_portal_before_login_and_the_internet_right_after() {
    let lab = Lab::start(1);
    let probes = [
        (
            "http://captive.apple.com/hotspot-detect.html",
            "200",
            "Success</BODY>",
        ),
        (
            "http://connectivitycheck.gstatic.com/generate_204",
            "204",
            "",
        ),
        (
            "http://www.msftconnecttest.com/connecttest.txt",
            "200",
            "Microsoft Connect Test",
        ),
        (
            "http://detectportal.firefox.com/canonical.html",
            "200",
            "support.mozilla.org/kb/captive-portal",
        ),
    ];
    let fetch = |url: &str| {
        let out = lab.curl(1, &["-w", "\n%{http_code}", url]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", "000"));
        (code.to_string(), body.to_string())
    };
    for (url, _, genuine) in probes {
        let (code, body) = fetch(url);
        assert_eq!(code, "302", "{url} before login");
        assert!(
            genuine.is_empty() || !body.contains(genuine),
            "{url} leaked the online answer"
        );
    }
    let api = lab.curl(1, &["-i", &format!("{PORTAL}/api/captive")]);
    let api = String::from_utf8_lossy(&api.stdout).to_ascii_lowercase();
    assert!(
        api.contains("content-type: application/captive+json"),
        "{api}"
    );
    assert!(
        api.contains("\"captive\":true")
            && api.contains("\"user-portal-url\":\"http://10.77.0.1:2050/\""),
        "{api}"
    );

    let code = &lab.vouchers(&["--validity", "2h", "--quota", "100MB"])[0];
    let (status, _, _) = lab.login(1, code, "");
    assert_eq!(status, "303");
    for (url, want_code, genuine) in probes {
        let (code, body) = fetch(url);
        assert_eq!(code, want_code, "{url} right after login");
        assert!(body.contains(genuine), "{url}: {body}");
    }
    let api = lab.curl(1, &[&format!("{PORTAL}/api/captive")]);
    let api: serde_json::Value = serde_json::from_slice(&api.stdout).unwrap();
    assert_eq!(api["captive"], false);
    let secs = api["seconds-remaining"].as_u64().unwrap();
    assert!((7100..=7200).contains(&secs), "{api}");
    assert!(api["bytes-remaining"].as_u64().unwrap() <= 100_000_000);
}

#[test]
fn voucher_login_status_logout_and_wrong_codes() {
    let lab = Lab::start(1);
    let code = lab.vouchers(&["--validity", "1h"])[0].clone();

    let (status, body, _) = lab.login(1, "ABCDE-FGHJK", "http://example.com/x");
    assert_eq!(status, "401");
    assert!(body.contains("this code is not valid"), "{body}");
    let (status, body, _) = lab.login(1, "ABCD", "");
    assert_eq!(status, "401");
    assert!(body.contains("voucher code has 10 letters"), "{body}");
    let (status, body, _) = lab.login(1, "ABCDE-FGHJ0", "");
    assert_eq!(status, "401");
    assert!(body.contains("is not used in voucher codes"), "{body}");

    // Lower case with spaces instead of the dash still works, and goes on to the page asked for.
    let typed = code.to_lowercase().replace('-', " ");
    let (status, body, location) = lab.login(1, &typed, "http://example.com/wanted?a=b");
    assert_eq!(status, "303", "{body}\n{}", lab.log());
    assert_eq!(location, "http://example.com/wanted?a=b");
    let page = lab.curl(1, &["http://example.com/wanted?a=b"]);
    assert!(String::from_utf8_lossy(&page.stdout).contains("example.com/wanted?a=b"));
    // HTTPS passes now.
    assert_eq!(
        lab.curl(1, &["-o", "/dev/null", "http://10.88.0.2:443/"])
            .status
            .code(),
        Some(0)
    );

    let status_page =
        String::from_utf8_lossy(&lab.curl(1, &[&format!("{PORTAL}/status")]).stdout).into_owned();
    assert!(
        status_page.contains("You are online") && status_page.contains("Log out"),
        "{status_page}"
    );
    assert!(
        status_page.contains("id=\"time-left\">59m") || status_page.contains("id=\"time-left\">1h"),
        "{status_page}"
    );

    let clients = lab.clients();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["mac"], guest_mac(1));

    assert_eq!(lab.logout(1), "200");
    assert_eq!(
        lab.status(1, "http://example.com/"),
        "302",
        "still online after logout"
    );
    assert!(lab.clients().is_empty());
    // Single-use: the voucher cannot start a second session.
    let (status, body, _) = lab.login(1, &code, "");
    assert_eq!(status, "403");
    assert!(body.contains("already been used"), "{body}");
}

#[test]
fn repeated_wrong_codes_are_throttled_per_device() {
    let lab = Lab::start(2);
    // Three free tries, as the README says.
    for _ in 0..3 {
        assert_eq!(lab.login(1, "ABCDE-FGHJK", "").0, "401");
    }
    let (status, body, _) = lab.login(1, "ABCDE-FGHJK", "");
    assert_eq!(status, "429", "{body}");
    assert!(body.contains("please wait"), "{body}");
    // A right code from the throttled device must wait too; another device is not affected.
    let codes = lab.vouchers(&["-n", "2"]);
    assert_eq!(lab.login(1, &codes[0], "").0, "429");
    assert_eq!(lab.login(2, &codes[1], "").0, "303");
    // After the wait the device can log in.
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(lab.login(1, &codes[0], "").0, "303", "{}", lab.log());
}

#[test]
fn shared_users_caps_simultaneous_devices() {
    let lab = Lab::start(3);
    let code = lab.vouchers(&["--shared-users", "2", "--uses", "unlimited"])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");
    assert_eq!(lab.login(2, &code, "").0, "303");
    let (status, body, _) = lab.login(3, &code, "");
    assert_eq!(status, "403");
    assert!(body.contains("already in use on 2 device"), "{body}");
    assert_eq!(lab.status(3, "http://example.com/"), "302");
    // Logging in again from a device already online is fine and does not take a slot.
    assert_eq!(lab.login(1, &code, "").0, "303");
    assert_eq!(lab.clients().len(), 2);
    // When one device leaves, the third may join.
    let out = lab.cli(&["kick", &guest_mac(2)]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(lab.login(3, &code, "").0, "303");
    assert_eq!(lab.status(3, "http://example.com/"), "200");
    assert_eq!(lab.status(2, "http://example.com/"), "302");
}

#[test]
fn random_macs_on_one_address_gain_nothing() {
    let lab = Lab::start(1);
    let mut checked = 0;
    // Each attempt comes from a fresh MAC, as a guesser randomising its address would.
    for attempt in 0..6u32 {
        let mac = format!("02:55:00:00:00:{attempt:02x}");
        lab.in_ns(
            &lab.guest(1),
            &["ip", "link", "set", "wlan0", "address", &mac],
        );
        lab.in_ns(&lab.gw(), &["ip", "neigh", "flush", "dev", "lan0"]);
        let (status, body, _) = lab.login(1, "ABCDE-FGHJK", "");
        match status.as_str() {
            "401" => checked += 1,
            "429" => assert!(body.contains("please wait"), "{body}"),
            _ => panic!("attempt {attempt}: {body}"),
        }
    }
    assert_eq!(
        checked, 3,
        "the throttle counts by address, whatever the MAC"
    );
}

#[test]
fn the_splash_page_is_self_contained_and_accessible() {
    let lab = Lab::start(1);
    let out = lab.curl(
        1,
        &["-i", &format!("{PORTAL}/?dst=http%3A%2F%2Fexample.com%2F")],
    );
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        page.to_ascii_lowercase()
            .contains("cache-control: no-store"),
        "{page}"
    );
    for external in ["src=", "<link", "@import", "url("] {
        assert!(
            !page.contains(external),
            "splash loads something ({external}): {page}"
        );
    }
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("<label for=\"code\">") && page.contains("id=\"code\""));
    assert!(page.contains("name=\"viewport\""));
    assert!(page.contains("Welcome to Test Café") && page.contains("Be nice."));
    assert!(
        page.contains("value=\"http://example.com/\""),
        "dst not carried: {page}"
    );
}

#[test]
fn a_device_whose_address_changed_stays_online_with_its_session() {
    let lab = Lab::start(1);
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");
    let session = lab.clients()[0]["session_id"].clone();
    // DHCP hands the device another address; its first packets (ARP) tell the gateway.
    let g = lab.guest(1);
    lab.in_ns(&g, &["ip", "addr", "flush", "dev", "wlan0"]);
    lab.in_ns(&g, &["ip", "addr", "add", "10.77.0.50/24", "dev", "wlan0"]);
    lab.in_ns(&g, &["ip", "route", "add", "default", "via", GATEWAY]);
    lab.in_ns(&g, &["ping", "-c", "1", "-W", "1", GATEWAY]);
    lab.wait_until(
        Duration::from_secs(3),
        "session to follow the new address",
        || {
            lab.clients()
                .first()
                .is_some_and(|c| c["ip"] == "10.77.0.50")
        },
    );
    assert_eq!(
        lab.status(1, "http://example.com/"),
        "200",
        "not online at the new address"
    );
    let clients = lab.clients();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["session_id"], session, "same session");
    // Logging in again (a portal page still open) neither fails nor uses up the single-use code.
    let (status, body, _) = lab.login(1, &code, "");
    assert_eq!(status, "303", "{body}");
    assert!(lab.log().contains("session follows"), "{}", lab.log());
}
