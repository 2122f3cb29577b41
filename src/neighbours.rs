//! Which MAC has an IP: the kernel's IPv4 neighbour table (`/proc/net/arp`). A guest who just
//! opened a TCP connection to the portal is always in it.

use std::net::Ipv4Addr;

const ATF_COM: u32 = 0x2; // entry complete

/// The complete (IP, MAC) entries on `interface` in the text of `/proc/net/arp`.
pub fn entries(arp_table: &str, interface: &str) -> Vec<(Ipv4Addr, String)> {
    arp_table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let [addr, _hw_type, flags, mac, _mask, device] = cols.as_slice() else {
                return None;
            };
            let flags = u32::from_str_radix(flags.trim_start_matches("0x"), 16).ok()?;
            let complete = flags & ATF_COM != 0;
            let mac = mac.to_ascii_lowercase();
            (complete && *device == interface && valid_mac(&mac))
                .then_some((addr.parse().ok()?, mac))
        })
        .collect()
}

/// Finds `ip`'s MAC on `interface` in the text of `/proc/net/arp`.
pub fn mac_for(arp_table: &str, ip: Ipv4Addr, interface: &str) -> Option<String> {
    entries(arp_table, interface)
        .into_iter()
        .find(|(a, _)| *a == ip)
        .map(|(_, m)| m)
}

/// The live table's entries on `interface`.
pub fn table(interface: &str) -> Vec<(Ipv4Addr, String)> {
    std::fs::read_to_string("/proc/net/arp")
        .map(|t| entries(&t, interface))
        .unwrap_or_default()
}

/// Reads the live table.
pub fn lookup(ip: Ipv4Addr, interface: &str) -> Option<String> {
    let table = std::fs::read_to_string("/proc/net/arp").ok()?;
    mac_for(&table, ip, interface)
}

/// `aa:bb:cc:dd:ee:ff`, not all zero.
pub fn valid_mac(mac: &str) -> bool {
    let parts: Vec<&str> = mac.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
        && mac != "00:00:00:00:00:00"
}

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
