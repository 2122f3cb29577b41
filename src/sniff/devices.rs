//! Who is who on the LAN, from ARP and DHCP: pure parsers over Ethernet frames (nothing
//! panics on any input) and the table of devices they feed.

use std::net::{Ipv4Addr, Ipv6Addr};

mod table;
pub use table::{DeviceInfo, DeviceTable};

/// What one frame tells about a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sighting {
    /// An ARP packet: this MAC uses this IP.
    Arp {
        /// Sender MAC.
        mac: String,
        /// Sender IP.
        ip: Ipv4Addr,
    },
    /// A DHCP message from a client.
    DhcpClient {
        /// Client MAC (chaddr).
        mac: String,
        /// Host name (option 12).
        hostname: Option<String>,
        /// Vendor class (option 60).
        vendor: Option<String>,
    },
    /// A DHCP ACK from a server: this address is leased to this MAC.
    DhcpLease {
        /// Client MAC.
        mac: String,
        /// Leased address (yiaddr).
        ip: Ipv4Addr,
    },
    /// An IPv6 packet: this MAC uses this routable IPv6 address.
    Ipv6 {
        /// Sender MAC (Ethernet source).
        mac: String,
        /// Its address.
        ip: Ipv6Addr,
    },
}

impl Sighting {
    /// The device this is about.
    pub fn mac(&self) -> &str {
        match self {
            Sighting::Arp { mac, .. }
            | Sighting::DhcpClient { mac, .. }
            | Sighting::DhcpLease { mac, .. }
            | Sighting::Ipv6 { mac, .. } => mac,
        }
    }
}

fn mac_at(b: &[u8], at: usize) -> Option<String> {
    let m = b.get(at..at + 6)?;
    Some(format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    ))
}

fn ip_at(b: &[u8], at: usize) -> Option<Ipv4Addr> {
    let a = b.get(at..at + 4)?;
    Some(Ipv4Addr::new(a[0], a[1], a[2], a[3]))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Printable text of an option, or `None` if it is not.
fn text(bytes: &[u8]) -> Option<String> {
    let t: String = String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .to_string();
    (!t.is_empty() && t.len() <= 64 && t.chars().all(|c| !c.is_control())).then_some(t)
}

/// Reads one frame (untagged: the kernel strips a VLAN tag before the capture sees the frame,
/// and the capture's filter drops frames that carried one).
pub fn parse_frame(frame: &[u8]) -> Option<Sighting> {
    let payload = frame.get(14..)?;
    // What a device says of itself counts only when it sent the frame: a guest naming another
    // device's MAC in ARP must not move that device's session, nor in a DHCP request set its
    // name. (A lease names the client but comes from the server.)
    let from_itself = |s: &Sighting| Some(s.mac()) == mac_at(frame, 6).as_deref();
    match u16_at(frame, 12)? {
        0x0806 => parse_arp(payload).filter(from_itself),
        0x0800 => parse_dhcp(payload)
            .filter(|s| matches!(s, Sighting::DhcpLease { .. }) || from_itself(s)),
        0x86dd => Some(Sighting::Ipv6 {
            ip: super::ipv6::sender_address(payload)?,
            mac: mac_at(frame, 6)?,
        }),
        _ => None,
    }
}

fn parse_arp(p: &[u8]) -> Option<Sighting> {
    // Ethernet/IPv4 ARP only: htype 1, ptype 0x0800, hlen 6, plen 4.
    if u16_at(p, 0)? != 1 || u16_at(p, 2)? != 0x0800 || *p.get(4)? != 6 || *p.get(5)? != 4 {
        return None;
    }
    let (mac, ip) = (mac_at(p, 8)?, ip_at(p, 14)?);
    (!ip.is_unspecified() && mac != "00:00:00:00:00:00").then_some(Sighting::Arp { mac, ip })
}

fn parse_dhcp(ip: &[u8]) -> Option<Sighting> {
    let ihl = usize::from(*ip.first()? & 0x0f) * 4;
    if *ip.first()? >> 4 != 4 || ihl < 20 || *ip.get(9)? != 17 {
        return None;
    }
    let udp = ip.get(ihl..)?;
    let (sport, dport) = (u16_at(udp, 0)?, u16_at(udp, 2)?);
    let bootp = udp.get(8..)?;
    // BOOTP: op, htype 1, hlen 6; magic cookie at 236.
    if *bootp.get(1)? != 1 || *bootp.get(2)? != 6 || bootp.get(236..240)? != [99, 130, 83, 99] {
        return None;
    }
    let mac = mac_at(bootp, 28)?;
    let (mut msg_type, mut hostname, mut vendor) = (None, None, None);
    let mut at = 240;
    while let Some(&code) = bootp.get(at) {
        match code {
            0 => at += 1,
            255 => break,
            _ => {
                let len = usize::from(*bootp.get(at + 1)?);
                let value = bootp.get(at + 2..at + 2 + len)?;
                match code {
                    53 => msg_type = value.first().copied(),
                    12 => hostname = text(value),
                    60 => vendor = text(value),
                    _ => {}
                }
                at += 2 + len;
            }
        }
    }
    match (sport, dport, msg_type) {
        (68, 67, Some(_)) => Some(Sighting::DhcpClient {
            mac,
            hostname,
            vendor,
        }),
        // DHCPACK (5) from the server.
        (67, 68, Some(5)) => Some(Sighting::DhcpLease {
            mac,
            ip: ip_at(bootp, 16)?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
