//! The Hotspot Manager served by `hotspotd run` on a management address, end to end in the
//! namespace lab: the admin reaches it from the management side (namespace PREFIX-mg on the
//! gateway's mgmt0, 10.66.0.0/24 and fd00:66::/64); guests, logged in or not, get nothing from
//! it whatever address they try; a listen address on the guest side is refused.

mod common;

use std::time::{Duration, Instant};

use common::embedded::{
    LISTEN, MANAGER, admin_password, curl, lab_with_manager, management, wait_for_manager,
};
use common::lab::Lab;

/// Every way a guest could try to reach the manager: its address, the gateway's guest-side
/// addresses on its port, IPv6 both, another port of the management address.
const TARGETS: &[&str] = &[
    "http://10.66.0.1:8443/login",
    "http://10.77.0.1:8443/login",
    "http://[2001:db8:77::1]:8443/login",
    "http://[fd00:66::1]:8443/login",
    "http://10.66.0.1:2050/",
];

/// Each target gives guest 1 nothing within 3 s: no page, no reset (curl's 28, a timeout;
/// 7 would be a refused or reset connection, an answer).
fn guest_gets_nothing(lab: &Lab, when: &str) {
    for url in TARGETS {
        let (code, out) = curl(
            lab,
            &lab.guest(1),
            &["-m", "3", "-o", "/dev/null", "-w", "%{http_code}", url],
        );
        assert_eq!(
            code, 28,
            "{when} guest reached {url}: curl exit {code}, HTTP {out}"
        );
    }
}

#[test]
fn the_admin_logs_in_from_the_management_side_and_guests_get_nothing_from_the_manager() {
    let (mut lab, _) = lab_with_manager(&format!("listen = \"{LISTEN}\""));
    wait_for_manager(&lab);
    let mg = management(&lab);

    // The admin: login page, then the one-time password, which leads to choosing a new one.
    let jar = lab.dir.path().join("cookies").display().to_string();
    let (_, page) = curl(
        &lab,
        &mg,
        &["-m", "5", "-c", &jar, &format!("{MANAGER}/login")],
    );
    let field = "name=\"token\" value=\"";
    let token = page[page.find(field).expect("login form token") + field.len()..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (_, answer) = curl(
        &lab,
        &mg,
        &[
            "-m",
            "10",
            "-b",
            &jar,
            "-c",
            &jar,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            "-H",
            &format!("Origin: {MANAGER}"),
            "-d",
            "username=admin",
            "-d",
            &format!("password={}", admin_password(&lab)),
            "-d",
            &format!("token={token}"),
            &format!("{MANAGER}/login"),
        ],
    );
    assert_eq!(answer, format!("303 {MANAGER}/password"), "{}", lab.log());
    let (_, page) = curl(
        &lab,
        &mg,
        &["-m", "5", "-b", &jar, &format!("{MANAGER}/password")],
    );
    assert!(page.contains("type=\"password\""), "{page}");

    // A guest reaches the portal, never the manager.
    let (status, _) = lab.get_in(&lab.guest(1), "http://10.77.0.1:2050/");
    assert_eq!(status, "200");
    guest_gets_nothing(&lab, "an unauthenticated");
    let code = lab.vouchers(&["--validity", "1h"])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");
    assert_eq!(
        lab.get_in(&lab.guest(1), "http://example.com/").0,
        "200",
        "online"
    );
    guest_gets_nothing(&lab, "a logged-in");

    // A guest writing the admin's address as its source: the gateway never takes it up (no
    // connection from that port in its conntrack table).
    let g = lab.guest(1);
    assert!(
        lab.in_ns(&g, &["ip", "addr", "add", "10.66.0.2/32", "dev", "wlan0"])
            .status
            .success()
    );
    let (code, _) = curl(
        &lab,
        &g,
        &[
            "-m",
            "3",
            "--interface",
            "10.66.0.2",
            "--local-port",
            "41234",
            &format!("{MANAGER}/login"),
        ],
    );
    assert_ne!(code, 0, "a spoofing guest got the page");
    let flows = lab.in_ns(
        &lab.gw(),
        &["conntrack", "-L", "-p", "tcp", "--sport", "41234"],
    );
    let flows = String::from_utf8_lossy(&flows.stdout);
    assert!(
        !flows.contains("dport=8443"),
        "the gateway took up a spoofed connection: {flows}"
    );

    // Shutdown stops the manager with the gateway.
    lab.stop_daemon("TERM");
    let (code, _) = curl(
        &lab,
        &mg,
        &["-m", "3", "-o", "/dev/null", &format!("{MANAGER}/login")],
    );
    assert_eq!(
        code, 7,
        "the manager still answers after the daemon stopped"
    );
}

#[test]
fn check_config_refuses_a_manager_listen_address_guests_could_reach() {
    let (lab, base) = lab_with_manager(&format!("listen = \"{LISTEN}\""));
    // An address on a guest interface outside any guest subnet.
    assert!(
        lab.in_ns(
            &lab.gw(),
            &["ip", "addr", "add", "10.78.0.1/24", "dev", "lan0"]
        )
        .status
        .success()
    );
    let file = lab.dir.path().join("variant.toml");
    for (listen, problem) in [
        ("10.77.0.1:8443", "on the guest network of lan0"),
        ("10.77.0.50:8443", "on the guest network of lan0"),
        ("10.79.0.1:9000", "on the guest network of lan1"),
        ("[2001:db8:77::1]:8443", "on the guest network of lan0"),
        ("10.78.0.1:8443", "assigned to the guest interface lan0"),
        ("0.0.0.0:8443", "the guest networks' too"),
        ("[::]:8443", "the guest networks' too"),
    ] {
        std::fs::write(&file, format!("{base}\n[manager]\nlisten = \"{listen}\"\n")).unwrap();
        let path = file.display().to_string();
        let out = lab.in_ns(
            &lab.gw(),
            &[env!("CARGO_BIN_EXE_hotspotd"), "-c", &path, "check-config"],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{listen} accepted");
        assert!(
            err.contains("`manager.listen`") && err.contains(problem) && err.contains("127.0.0.1"),
            "{listen}: {err}"
        );
    }
    // The running daemon's own address passes.
    let config = lab.config.display().to_string();
    let out = lab.in_ns(
        &lab.gw(),
        &[
            env!("CARGO_BIN_EXE_hotspotd"),
            "-c",
            &config,
            "check-config",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_manager_that_cannot_open_its_database_leaves_the_gateway_serving() {
    let (lab, _) = lab_with_manager(&format!(
        "listen = \"{LISTEN}\"\ndatabase = \"sqlite:///etc/hostname/manager.db\""
    ));
    let code = lab.vouchers(&["--validity", "1h"])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");
    assert_eq!(lab.get_in(&lab.guest(1), "http://example.com/").0, "200");
    assert!(
        lab.log()
            .contains("the manager cannot start; the gateway goes on without it"),
        "{}",
        lab.log()
    );
    let (code, _) = curl(
        &lab,
        &management(&lab),
        &["-m", "3", "-o", "/dev/null", &format!("{MANAGER}/login")],
    );
    assert_eq!(code, 7, "nothing listens while the manager cannot start");
}

#[test]
fn a_manager_certificate_that_does_not_load_is_refused_by_check_config_and_run_before_the_firewall()
{
    let lab = Lab::without_daemon(1, "");
    let base = std::fs::read_to_string(&lab.config).unwrap();
    // Readable files, but no PEM in them.
    std::fs::write(
        &lab.config,
        format!(
            "{base}\n[manager]\nlisten = \"{LISTEN}\"\ntls_cert = \"/etc/hostname\"\ntls_key = \"/etc/hostname\"\n"
        ),
    )
    .unwrap();
    let mut daemon = lab.spawn_daemon();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = daemon.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon started:\n{}",
            lab.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let log = lab.log();
    assert!(
        log.contains("manager.tls_cert") && log.contains("/etc/hostname"),
        "{log}"
    );
    assert!(!lab.table_present(), "the firewall was touched");
    let config = lab.config.display().to_string();
    let out = lab.in_ns(
        &lab.gw(),
        &[
            env!("CARGO_BIN_EXE_hotspotd"),
            "-c",
            &config,
            "check-config",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("manager.tls_cert"),
        "{err}"
    );
}
