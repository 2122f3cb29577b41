//! Connections whose treatment changed are killed in-process over ctnetlink: a login's
//! flows that were redirected to the portal, every flow (IPv4 and IPv6) of an ended session.
//! The daemon runs with a PATH holding `nft` and `ip` alone, so no `conntrack` process can do it.

mod common;

use std::time::Duration;

use common::lab::{Lab, UPSTREAM6, guest_ip, guest_ip6};

/// A directory holding links to `nft` (the daemon's) and `ip` (the lab's, which starts it
/// in the gateway namespace) and nothing else, for the daemon's PATH.
fn path_with_nft_alone(lab: &Lab) -> String {
    let bin = lab.dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    for tool in ["nft", "ip"] {
        let found = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
            .into_iter()
            .map(|d| std::path::Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} not installed"));
        std::os::unix::fs::symlink(found, bin.join(tool)).expect("link tool");
    }
    bin.display().to_string()
}

/// Flows the gateway tracks from `source` (`conntrack -L`, run by the test), with `extra`
/// filters.
fn flows_from(lab: &Lab, family: &str, source: &str, extra: &[&str]) -> usize {
    let mut args = vec!["conntrack", "-L", "-f", family, "-s", source];
    args.extend_from_slice(extra);
    let out = lab.in_ns(&lab.gw(), &args);
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[test]
fn a_login_and_a_logout_kill_their_flows_without_any_conntrack_process() {
    let mut lab = Lab::without_daemon(1, "");
    let path = path_with_nft_alone(&lab);
    lab.daemon_env.push(("PATH".into(), path));
    lab.start_daemon();
    let (ip, ip6) = (guest_ip(1), guest_ip6(1));

    // Held: web requests are redirected to the portal (destination NAT).
    assert_eq!(lab.status(1, "http://example.com/"), "302");
    assert!(
        flows_from(&lab, "ipv4", &ip, &["--dst-nat"]) > 0,
        "no redirected flow to start from"
    );
    // Tried over IPv6 too (refused): the gateway sees the address, which joins the session.
    let url6 = format!("http://[{UPSTREAM6}]/");
    assert_eq!(lab.status(1, &url6), "000");
    let code = &lab.vouchers(&["--uses", "unlimited"])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    lab.wait_until(
        Duration::from_secs(3),
        "IPv6 address in the session",
        || {
            lab.client(1)
                .is_some_and(|c| c["ip6"].to_string().contains(&ip6))
        },
    );
    lab.wait_until(Duration::from_secs(3), "redirected flows flushed", || {
        flows_from(&lab, "ipv4", &ip, &["--dst-nat"]) == 0
    });

    // Online: flows to the internet over both families, then the session ends.
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    assert_eq!(lab.status(1, &url6), "200");
    assert!(flows_from(&lab, "ipv4", &ip, &[]) > 0);
    assert!(flows_from(&lab, "ipv6", &ip6, &[]) > 0);
    assert_eq!(lab.logout(1), "200");
    lab.wait_until(
        Duration::from_secs(3),
        "ended session's flows flushed",
        || {
            flows_from(&lab, "ipv4", &ip, &["-p", "tcp", "--dport", "80"]) == 0
                && flows_from(&lab, "ipv6", &ip6, &[]) == 0
        },
    );
    assert!(
        !lab.log().contains("cannot flush connections"),
        "{}",
        lab.log()
    );
}
