//! A hostile guest against the portal: another device on a guest's address, cross-site posts,
//! redirect targets that would split a header, and slowloris. Real daemon, kernel and packets.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::lab::{GATEWAY, Lab, PORTAL, guest_ip, guest_mac};

/// Removes the gateway's pinned neighbour entry for `ip`, so whoever claims it next in ARP is
/// answered.
fn unpin(lab: &Lab, ip: &str) {
    lab.in_ns(&lab.gw(), &["ip", "neigh", "del", ip, "dev", "lan0"]);
}

/// (HTTP status, body) of a form post from guest `i` with extra curl arguments.
fn post(lab: &Lab, i: usize, path: &str, args: &[&str]) -> (String, String) {
    let mut full = vec!["-w", "\n%{http_code}"];
    full.extend_from_slice(args);
    let url = format!("{PORTAL}{path}");
    full.push(&url);
    let out = lab.curl(i, &full);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (status.to_string(), body.to_string())
}

#[test]
fn another_device_on_a_guests_address_can_neither_log_it_off_nor_read_its_status() {
    let lab = Lab::start(3);
    // Guest 1 (C) is online on its DHCP lease.
    let leased = "10.77.0.150";
    lab.dhcp_frame(
        &lab.guest(1),
        "wlan0",
        &["request", &guest_mac(1), "c", "v"],
    );
    lab.dhcp_frame(&lab.gw(), "lan0", &["ack", &guest_mac(1), leased, GATEWAY]);
    lab.wait_until(Duration::from_secs(3), "the lease", || {
        lab.ok(&["devices", "--json"]).contains(leased)
    });
    lab.use_address(1, leased);
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");

    // Device D takes C's address. The gateway's neighbour entry for it is pinned to C's MAC
    // while C is online: the portal's answers go to C, so D cannot even connect.
    lab.use_address(2, leased);
    let (status, _) = lab.get_in(&lab.guest(2), &format!("{PORTAL}/status"));
    assert_eq!(status, "000", "D reached the portal on C's pinned address");
    assert!(lab.client(1).is_some(), "C is online");

    // Without the pin (as in the moment before it is written), the portal itself refuses:
    // D asks for C's status, then posts a logout with a token from its own page, as the form
    // would.
    unpin(&lab, leased);
    let (status, location) = lab.get_in(&lab.guest(2), &format!("{PORTAL}/status"));
    assert_eq!(
        (status.as_str(), location.as_str()),
        ("303", &*format!("{PORTAL}/"))
    );
    let token = format!("token={}", lab.form_token_in(&lab.guest(2), PORTAL));
    assert!(token.len() > 10, "no token on D's page");
    let (status, body) = post(&lab, 2, "/logout", &["-d", &token]);
    assert_eq!(status, "409", "{body}");
    assert!(body.contains("belongs to another device"), "{body}");
    let c = lab.client(1).expect("C was logged off by another device");
    assert_eq!(c["ip"], leased);

    // Without any lease: guest 3 (E) is online on its own static address; D takes it.
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(3, &code, "").0, "303");
    lab.use_address(2, &guest_ip(3));
    unpin(&lab, &guest_ip(3));
    let token = format!("token={}", lab.form_token_in(&lab.guest(2), PORTAL));
    let (status, body) = post(&lab, 2, "/logout", &["-d", &token]);
    assert_eq!(status, "409", "{body}");
    assert!(
        lab.client(3).is_some(),
        "E was logged off by another device"
    );

    // D leaves; C still browses, and C's own logout works.
    lab.use_address(2, &guest_ip(2));
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    assert_eq!(lab.logout(1), "200");
    assert!(lab.client(1).is_none(), "C's own logout failed");
}

#[test]
fn cross_site_posts_change_nothing() {
    let lab = Lab::start(3);
    let codes = lab.vouchers(&["-n", "3"]);
    assert_eq!(lab.login(1, &codes[0], "").0, "303");
    let evil = "Origin: http://ads.example";

    // Logging guest 1 out from another site: with its real token (as if leaked), with no
    // token, with another device's token.
    let own = format!("token={}", lab.form_token_in(&lab.guest(1), PORTAL));
    let other = format!("token={}", lab.form_token_in(&lab.guest(3), PORTAL));
    for args in [
        vec!["-H", evil, "-d", &own],
        vec!["-d", "x=1"],
        vec!["-H", "Origin: null", "-d", "token="],
        vec!["-d", &other],
    ] {
        let (status, body) = post(&lab, 1, "/logout", &args);
        assert_eq!(status, "403", "{args:?}: {body}");
        assert!(lab.client(1).is_some(), "logged out by {args:?}");
    }

    // Logging guest 2 in with an attacker's code from another site, sending it on.
    let dst = "dst=http://evil.example/";
    let code = format!("code={}", codes[1]);
    let own = format!("token={}", lab.form_token_in(&lab.guest(2), PORTAL));
    let other = format!("token={}", lab.form_token_in(&lab.guest(3), PORTAL));
    for args in [
        vec!["-H", evil, "-d", &code, "-d", dst, "-d", &own],
        vec!["-d", &code, "-d", dst],
        vec!["-d", &code, "-d", dst, "-d", &other],
        vec!["-d", &code, "-d", dst, "-d", "token=1.00"],
    ] {
        let (status, body) = post(&lab, 2, "/login", &args);
        assert_eq!(status, "403", "{args:?}: {body}");
        assert!(lab.client(2).is_none(), "logged in by {args:?}");
    }
    // The code was not burnt: its owner logs in with it (from the portal's own origin, named
    // with or without its port).
    let third = format!("code={}", codes[2]);
    for (origin, code) in [
        ("Origin: http://10.77.0.1:2050", &code),
        ("Origin: http://10.77.0.1", &third),
    ] {
        let own = format!("token={}", lab.form_token_in(&lab.guest(3), PORTAL));
        let (status, body) = post(&lab, 3, "/login", &["-H", origin, "-d", code, "-d", &own]);
        assert_eq!(status, "303", "{origin}: {body}");
        assert_eq!(lab.logout(3), "200");
    }
    assert!(lab.log().contains("cross-site post refused"));
}

#[test]
fn a_redirect_target_holding_cr_lf_logs_in_and_redirects_safely() {
    let lab = Lab::start(1);
    let code = lab.vouchers(&[])[0].clone();
    let (status, text, location) = lab.login(1, &code, "http://example.com/a\r\nSet-Cookie: x=1");
    assert_eq!(status, "303", "{text}");
    assert_eq!(location, "/status");
    assert!(!text.to_ascii_lowercase().contains("set-cookie"), "{text}");
    assert!(lab.client(1).is_some());
}

#[test]
fn a_login_whose_host_header_omits_the_port_reaches_the_portal() {
    let lab = Lab::start(1);
    let code = format!("code={}", lab.vouchers(&[])[0]);
    let token = format!("token={}", lab.form_token_in(&lab.guest(1), PORTAL));
    let (status, body) = post(
        &lab,
        1,
        "/login",
        &["-H", "Host: 10.77.0.1", "-d", &code, "-d", &token],
    );
    assert_eq!(status, "303", "{body}");
    assert!(lab.client(1).is_some());
}

/// (soft, hard) open-file limits of a process.
fn fd_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_string();
    let f: Vec<&str> = line.split_whitespace().collect();
    (f[3].to_string(), f[4].to_string())
}

#[test]
fn the_daemon_raises_its_open_file_limit_to_the_hard_limit() {
    // As under systemd without LimitNOFILE: soft 1,024, a higher hard limit. Children (the
    // daemon) inherit it.
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain libc calls on a struct we own.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        assert!(
            lim.rlim_max > 1024,
            "this test needs a hard limit above 1024"
        );
        lim.rlim_cur = 1024;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
    let lab = Lab::start(1);
    let (soft, hard) = fd_limits(lab.daemon_pid());
    assert_eq!(soft, hard, "soft open-file limit not raised");
    assert_eq!(hard, lim.rlim_max.to_string());
}

/// Starts slowloris from guest `i`: `n` connections for `secs` seconds.
fn slowloris(lab: &Lab, i: usize, n: usize, secs: u32) -> Child {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/slowloris.py");
    Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.guest(i),
            "python3",
            script,
            GATEWAY,
            "2050",
        ])
        .args([n.to_string(), secs.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start slowloris")
}

#[test]
fn slowloris_from_one_guest_starves_neither_other_guests_nor_firewall_repair() {
    let lab = Lab::start(2);
    // The worst case for the daemon: a hard open-file limit of 1,024 it cannot raise.
    let pid = lab.daemon_pid().to_string();
    let out = Command::new("prlimit")
        .args(["--pid", &pid, "--nofile=1024:1024"])
        .output()
        .expect("prlimit");
    assert!(out.status.success(), "{out:?}");

    let attack = slowloris(&lab, 1, 2000, 25);
    std::thread::sleep(Duration::from_secs(3));

    // Another guest is captured, sees the splash and logs in.
    for _ in 0..3 {
        let (status, location) = lab.get_in(&lab.guest(2), "http://example.com/");
        assert_eq!(status, "302", "captured request under attack: {location}");
        assert_eq!(
            lab.status(2, &format!("{PORTAL}/")),
            "200",
            "splash under attack"
        );
    }
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(2, &code, "").0, "303", "{}", lab.log());

    // A deleted table is rebuilt while the attack goes on.
    lab.in_ns(&lab.gw(), &["nft", "delete", "table", "inet", "hotspotd"]);
    lab.wait_until(
        Duration::from_secs(5),
        "the table rebuilt under attack",
        || lab.table_present(),
    );

    let out = attack.wait_with_output().expect("slowloris");
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("slowloris stats");
    // Each connection over the cap is closed at once, and the ones held get no more than the
    // header timeout: the attacker had to reopen nearly all the time.
    assert!(
        stats["closed_by_server"].as_u64().unwrap() > 2000,
        "the server did not close the attacker's connections: {stats}"
    );
    let log = lab.log();
    assert!(!log.contains("Too many open files"), "{log}");
    assert!(!log.contains("portal cannot accept"), "{log}");
}

/// Seconds until the portal closes a kept-alive connection left idle after one answer, as
/// guest 1 sees it (30 if it stays open that long).
fn idle_connection_life(lab: &Lab) -> f64 {
    let script = "import socket, time
s = socket.create_connection(('10.77.0.1', 2050))
s.sendall(b'GET /api/captive HTTP/1.1\\r\\nHost: 10.77.0.1:2050\\r\\n\\r\\n')
assert s.recv(4096).startswith(b'HTTP/1.1 200')
s.settimeout(30)
t = time.monotonic()
try:
    s.recv(1)
except socket.timeout:
    pass
print(time.monotonic() - t)";
    let out = lab.in_ns(&lab.guest(1), &["python3", "-c", script]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("idle probe: {out:?}"))
}

#[test]
fn connections_that_never_finish_their_headers_or_stay_idle_are_closed() {
    let lab = Lab::start(1);
    // One connection trickling a header line a second: closed at the header timeout (10 s).
    let attack = slowloris(&lab, 1, 1, 30);
    // Meanwhile a kept-alive connection idle after its answer is closed at the same timeout.
    let idle = idle_connection_life(&lab);
    assert!(idle < 15.0, "an idle connection stayed open {idle:.1} s");
    let out = attack.wait_with_output().expect("slowloris");
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("slowloris stats");
    assert!(
        stats["closed_by_server"].as_u64().unwrap() >= 2,
        "headers trickled for 30 s were not cut off: {stats}"
    );
}
