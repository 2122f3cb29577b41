//! Killing connections whose treatment changed: those redirected to the portal before a
//! login (or they keep serving the splash instead of the real site), and all of a guest's
//! connections after logout (or they hang on rejected packets). Over ctnetlink, in-process:
//! no `conntrack` process, however many sessions end at once.

use tracing::{debug, warn};

use super::netlink::{FlowFilter, kill_flows};

/// Kills the flows `filter` names in our namespace or `/run/netns/<netns>`. Missing flows are
/// fine; a failure is logged (the portal sends stale connections on their way itself, and
/// the firewall resets an ended guest's packets: this is belt and braces).
pub fn flush(netns: Option<&str>, filter: &FlowFilter) {
    match kill_flows(netns, filter) {
        Ok(killed) => debug!(
            killed,
            clients = filter.clients.len(),
            logins = filter.redirected.len(),
            "connections flushed"
        ),
        Err(e) => warn!(error = %e, "cannot flush connections"),
    }
}
