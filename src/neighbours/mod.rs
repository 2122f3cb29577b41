//! Which MAC has an IP: the kernel's IPv4 neighbour table (`/proc/net/arp`). A guest who just
//! opened a TCP connection to the portal is always in it. Online devices' entries are pinned
//! (`pin`), and the LAN can be asked who has an address (`probe`).

pub mod pin;
pub mod probe;
mod rtnl;

use std::net::Ipv4Addr;

const ATF_COM: u32 = 0x2; // entry complete

/// One line of `/proc/net/arp`: (IP, MAC as written) when the entry is complete and on
/// `interface`. Borrows the line: callers looking for one address allocate nothing else.
fn complete_entry<'a>(line: &'a str, interface: &str) -> Option<(Ipv4Addr, &'a str)> {
    let mut cols = line.split_whitespace();
    let [
        Some(addr),
        Some(_hw_type),
        Some(flags),
        Some(mac),
        Some(_mask),
        Some(device),
        None,
    ] = std::array::from_fn(|_| cols.next())
    else {
        return None;
    };
    let flags = u32::from_str_radix(flags.trim_start_matches("0x"), 16).ok()?;
    (flags & ATF_COM != 0 && device == interface).then_some((addr.parse().ok()?, mac))
}

/// A MAC as written in the table, lower-cased, if it is a usable one.
fn normalised(mac: &str) -> Option<String> {
    let mac = mac.to_ascii_lowercase();
    valid_mac(&mac).then_some(mac)
}

/// The complete (IP, MAC) entries on `interface` in the text of `/proc/net/arp`.
pub fn entries(arp_table: &str, interface: &str) -> Vec<(Ipv4Addr, String)> {
    arp_table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let (ip, mac) = complete_entry(line, interface)?;
            Some((ip, normalised(mac)?))
        })
        .collect()
}

/// Finds `ip`'s MAC on `interface` in the text of `/proc/net/arp`.
pub fn mac_for(arp_table: &str, ip: Ipv4Addr, interface: &str) -> Option<String> {
    arp_table
        .lines()
        .skip(1)
        .filter_map(|line| complete_entry(line, interface))
        .find(|(a, _)| *a == ip)
        .and_then(|(_, mac)| normalised(mac))
}

/// The text of the live table (empty if it cannot be read).
pub fn read() -> String {
    std::fs::read_to_string("/proc/net/arp").unwrap_or_default()
}

/// Finds `ip`'s MAC on `interface` in the live table: one rtnetlink request for that entry
/// (reading `/proc/net/arp` costs ~50 ms with 10,000 neighbours, and every login and every
/// online guest's portal request asks), the text table only if that request fails.
pub fn lookup(ip: Ipv4Addr, interface: &str) -> Option<String> {
    let asked = interface_index(interface).and_then(|ifindex| {
        rtnl::Socket::open()
            .and_then(|s| s.lookup(ifindex, ip.into()))
            .ok()
    });
    match asked {
        Some(found) => found
            .map(|m| {
                m.iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            })
            .filter(|m| valid_mac(m)),
        None => mac_for(&read(), ip, interface),
    }
}

/// The kernel's index of a network interface.
pub fn interface_index(name: &str) -> Option<i32> {
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: a NUL-terminated name that lives across the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    i32::try_from(index).ok().filter(|i| *i > 0)
}

pub use crate::model::access::valid_mac;

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str =
        "IP address       HW type     Flags       HW address            Mask     Device
10.77.0.2        0x1         0x2         02:AA:00:00:00:02     *        lan0
10.77.0.3        0x1         0x0         00:00:00:00:00:00     *        lan0
10.88.0.2        0x1         0x2         02:bb:00:00:00:02     *        wan0
garbage line
";

    #[test]
    fn finds_complete_entries_on_the_lan_only() {
        let ip = |s: &str| s.parse().unwrap();
        assert_eq!(
            mac_for(TABLE, ip("10.77.0.2"), "lan0").as_deref(),
            Some("02:aa:00:00:00:02")
        );
        assert_eq!(mac_for(TABLE, ip("10.77.0.3"), "lan0"), None);
        assert_eq!(mac_for(TABLE, ip("10.88.0.2"), "lan0"), None);
        assert_eq!(mac_for("", ip("10.77.0.2"), "lan0"), None);
        assert_eq!(
            entries(TABLE, "lan0"),
            vec![(ip("10.77.0.2"), "02:aa:00:00:00:02".to_string())]
        );
    }

    #[test]
    fn mac_syntax() {
        assert!(valid_mac("02:aa:00:00:00:02"));
        assert!(!valid_mac("02:aa:00:00:00"));
        assert!(!valid_mac("02:aa:00:00:00:0g"));
        assert!(!valid_mac("00:00:00:00:00:00"));
    }
}
