//! Restart safety, rebuild after a flushed ruleset, failing closed, refusing bad configs.

mod common;

use std::time::Duration;

use common::lab::{Lab, guest_mac};
use common::netns::run;

#[test]
fn guests_stay_authorised_across_kill_and_restart() {
    let mut lab = Lab::start(2);
    let code = &lab.vouchers(&["--validity", "1h"])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    assert_eq!(lab.status(1, "http://example.com/"), "200");

    // kill -9: the kernel keeps enforcing; the guest stays online, the other stays held.
    lab.stop_daemon("KILL");
    assert_eq!(
        lab.status(1, "http://example.com/"),
        "200",
        "authorised guest lost with the daemon"
    );
    // With no portal listening the captured request is refused: held, not let through.
    assert_eq!(
        lab.curl(2, &["-o", "/dev/null", "http://example.com/"])
            .status
            .code(),
        Some(7),
        "fail open without daemon"
    );
    assert_eq!(
        lab.curl(2, &["-o", "/dev/null", "http://10.88.0.2:443/"])
            .status
            .code(),
        Some(7),
        "fail open without daemon"
    );

    lab.start_daemon();
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    let clients = lab.clients();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["mac"], guest_mac(1));
    let left = clients[0]["seconds_left"].as_u64().unwrap();
    assert!(
        (3500..=3600).contains(&left),
        "validity moved on restart: {left}"
    );

    // A clean stop (systemctl restart) as well.
    lab.stop_daemon("TERM");
    lab.start_daemon();
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    assert_eq!(lab.clients().len(), 1);
    assert_eq!(lab.status(2, "http://example.com/"), "302");
}

#[test]
fn a_flushed_ruleset_is_rebuilt_at_once() {
    let lab = Lab::start(2);
    let code = &lab.vouchers(&[])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    run(&["ip", "netns", "exec", &lab.gw(), "nft", "flush", "ruleset"]);
    let took = lab.wait_until(Duration::from_secs(5), "table rebuilt", || {
        lab.table_present()
    });
    eprintln!("table back {took:?} after the flush (benches/repair.rs measures the window)");
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    assert_eq!(lab.status(2, "http://example.com/"), "302");
    // Noticed from nftables' own announcement, not by the once-a-second check.
    assert!(
        lab.log()
            .contains("another process changed our nftables table"),
        "{}",
        lab.log()
    );
}

#[test]
fn a_table_changed_behind_our_back_is_rebuilt() {
    let lab = Lab::start(2);
    let code = &lab.vouchers(&[])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    assert_eq!(lab.status(2, "http://example.com/"), "302");
    // The table stays, but held guests' web traffic is no longer sent to the portal.
    run(&[
        "ip",
        "netns",
        "exec",
        &lab.gw(),
        "nft",
        "flush",
        "chain",
        "inet",
        "hotspotd",
        "capture",
    ]);
    // The warning comes before the rebuild: wait for the table applied after it.
    lab.wait_until(Duration::from_secs(5), "table rebuilt", || {
        let log = lab.log();
        log.split_once("changed behind our back")
            .is_some_and(|(_, after)| after.contains("firewall table applied"))
    });
    assert_eq!(lab.status(2, "http://example.com/"), "302");
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    assert_eq!(lab.clients().len(), 1, "the session survives the rebuild");
}

#[test]
fn a_bad_config_is_refused_before_touching_the_firewall() {
    let lab = Lab::without_daemon(1, "");
    let good = std::fs::read_to_string(&lab.config).unwrap();
    let cases = [
        (
            good.replace("interface = \"wan0\"", "interface = \"wan9\""),
            "wan.interface",
        ),
        (good.replace("10.77.0.0/24", "10.77.0.0/40"), "lan.subnet"),
        (
            format!("{good}colour = \"blue\"\n"),
            "unknown field `colour`",
        ),
    ];
    for (text, expect) in cases {
        std::fs::write(&lab.config, text).unwrap();
        let mut child = lab.spawn_daemon();
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(
            lab.log().contains(expect),
            "log lacks {expect}: {}",
            lab.log()
        );
        assert!(!lab.table_present(), "firewall touched by a refused config");
    }
    // A port already in use.
    std::fs::write(&lab.config, &good).unwrap();
    let mut blocker = lab.in_ns_spawn(
        &lab.gw(),
        &[
            "python3",
            "-m",
            "http.server",
            "--bind",
            "10.77.0.1",
            "2050",
        ],
    );
    lab.wait_until(Duration::from_secs(5), "port blocker", || {
        lab.in_ns(
            &lab.gw(),
            &["curl", "-s", "-o", "/dev/null", "http://10.77.0.1:2050/"],
        )
        .status
        .success()
    });
    let status = lab.spawn_daemon().wait().unwrap();
    let _ = blocker.kill();
    let _ = blocker.wait();
    assert!(!status.success());
    assert!(
        lab.log().contains("config key `portal.port`"),
        "{}",
        lab.log()
    );
    assert!(!lab.table_present());
}

#[test]
fn usage_and_profiles_survive_a_restart() {
    let mut lab = Lab::start(1);
    lab.ok(&["limitation", "add", "three-mb", "--transfer", "3MB"]);
    lab.ok(&[
        "profile",
        "add",
        "metered",
        "--name-for-users",
        "Metered",
        "--validity",
        "1d",
    ]);
    lab.ok(&["profile", "attach", "metered", "three-mb"]);
    lab.account("hal", "secret-hal", &["--profile", "metered"]);
    assert_eq!(lab.login_account(1, "hal", "secret-hal").0, "303");
    assert_eq!(lab.downloaded(1, 1_500_000, 5), 1_500_000);
    // Let one enforcement tick record the usage, then crash and come back.
    std::thread::sleep(Duration::from_millis(1500));
    lab.stop_daemon("KILL");
    lab.start_daemon();
    let client = lab.client(1).expect("still online after the restart");
    assert_eq!(client["profile_for_users"], "Metered");
    let left = client["bytes_left"].as_u64().unwrap();
    assert!(
        (1_300_000..=1_500_000).contains(&left),
        "allowance left after restart: {left}"
    );
    // The rest of the allowance, not a fresh one.
    let got = lab.downloaded(1, 3_000_000, 4);
    assert!(
        (1_000_000..=1_500_000 + 256 * 1024).contains(&got),
        "got {got} after the restart on a 3 MB allowance with 1.5 MB used"
    );
    lab.wait_until(Duration::from_secs(3), "quota end", || {
        lab.client(1).is_none()
    });
}
