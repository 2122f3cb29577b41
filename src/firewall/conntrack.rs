//! Killing a guest's connections that were redirected to the portal, so that after login a
//! kept-alive connection cannot keep serving the splash page instead of the real site.

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};

use tracing::warn;

/// Deletes the guest's port-80 flows that were DNATed to the portal. Missing flows are fine.
pub fn flush_redirected(ip: Ipv4Addr) {
    let result = Command::new("conntrack")
        .args(["-D", "-p", "tcp", "--orig-src"])
        .arg(ip.to_string())
        .args(["--orig-port-dst", "80", "--dst-nat"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    // conntrack exits 1 when no flow matched: that is the common, healthy case.
    if let Err(e) = result {
        warn!(%ip, error = %e, "cannot run conntrack to flush redirected flows");
    }
}
