//! Looking one device up in the kernel's neighbour table over rtnetlink, in a namespace of
//! the test's own. The lookup runs on a thread that entered the namespace: `/proc/net/arp`
//! (the fallback) would show the process's namespace, not the thread's, so only the
//! rtnetlink request can find the entries added here.

mod common;

use std::os::fd::AsRawFd;

use common::netns::{Netns, unique_prefix};
use hotspotd::neighbours;

/// Runs `f` on a thread inside the namespace.
fn inside<T: Send>(ns: &Netns, f: impl FnOnce() -> T + Send) -> T {
    let file = std::fs::File::open(format!("/run/netns/{}", ns.name)).expect("namespace file");
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: setns on a valid namespace descriptor affects only this thread.
            let entered = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(entered, 0, "setns: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .expect("lookup thread")
    })
}

#[test]
fn one_neighbour_is_found_by_address_and_incomplete_or_foreign_entries_are_not() {
    let ns = Netns::new(format!("{}-nb", unique_prefix()));
    ns.exec(&[
        "ip", "link", "add", "nb0", "type", "veth", "peer", "name", "nb1",
    ]);
    ns.exec(&["ip", "link", "set", "nb0", "up"]);
    ns.exec(&["ip", "link", "set", "nb1", "up"]);
    ns.exec(&["ip", "addr", "add", "10.9.0.1/24", "dev", "nb0"]);
    let add = |ip: &str, mac: &str, state: &str| {
        ns.exec(&[
            "ip", "neigh", "replace", ip, "lladdr", mac, "dev", "nb0", "nud", state,
        ]);
    };
    add("10.9.0.5", "02:00:00:00:00:05", "reachable");
    add("10.9.0.6", "02:00:00:00:00:06", "stale");
    add("10.9.0.7", "02:00:00:00:00:07", "permanent");
    ns.exec(&[
        "ip", "neigh", "replace", "10.9.0.8", "dev", "nb0", "nud", "failed",
    ]);
    let found = inside(&ns, || {
        ["10.9.0.5", "10.9.0.6", "10.9.0.7", "10.9.0.8", "10.9.0.9"]
            .map(|ip| neighbours::lookup(ip.parse().unwrap(), "nb0"))
    });
    assert_eq!(
        found,
        [
            Some("02:00:00:00:00:05".to_string()),
            Some("02:00:00:00:00:06".to_string()),
            Some("02:00:00:00:00:07".to_string()),
            None,
            None,
        ]
    );
    // On another interface the same address is not that device.
    let elsewhere = inside(&ns, || {
        neighbours::lookup("10.9.0.5".parse().unwrap(), "nb1")
    });
    assert_eq!(elsewhere, None);
}
