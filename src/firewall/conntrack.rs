//! Killing connections whose treatment changed: those redirected to the portal before a
//! login (or they keep serving the splash instead of the real site), and all of a guest's
//! connections after logout (or they hang on rejected packets).

use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};

use tracing::warn;

/// Deletes the guest's port-80 flows that were DNATed to the portal. Missing flows are fine.
pub fn flush_redirected(ip: Ipv4Addr) {
    let ip = ip.to_string();
    delete(&[
        "-p",
        "tcp",
        "--orig-src",
        &ip,
        "--orig-port-dst",
        "80",
        "--dst-nat",
    ]);
}

/// Deletes every flow of a guest whose session ended, so open connections fail at once
/// (the firewall resets them) instead of hanging.
pub fn flush_client(ip: IpAddr) {
    let family = if ip.is_ipv6() { "ipv6" } else { "ipv4" };
    delete(&["-f", family, "--orig-src", &ip.to_string()]);
}

fn delete(filter: &[&str]) {
    let result = Command::new("conntrack")
        .arg("-D")
        .args(filter)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    // conntrack exits 1 when no flow matched: that is the common, healthy case.
    if let Err(e) = result {
        warn!(?filter, error = %e, "cannot run conntrack to flush redirected flows");
    }
}
