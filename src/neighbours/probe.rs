//! Asking the LAN who has an address; the capture sees the answers like any other frame.
//! IPv4: a broadcast ARP request from the gateway. Broadcast, not unicast to the MAC in
//! question: a frame forged with a guest's MAC teaches the switch that the MAC is on the
//! forger's port, and a unicast question would go to the forger. IPv6: a neighbour
//! solicitation to the address's holder.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const ETH_P_ARP: u16 = 0x0806;
const NEIGHBOUR_SOLICITATION: u8 = 135;

/// An ARP request for `target` from `mac`/`ip`, broadcast.
pub fn arp_request(mac: [u8; 6], ip: Ipv4Addr, target: Ipv4Addr) -> [u8; 42] {
    let mut f = [0u8; 42];
    f[..6].copy_from_slice(&[0xff; 6]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
    // Ethernet/IPv4, hlen 6, plen 4, request.
    f[14..22].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&ip.octets());
    // Target hardware address unknown (zero).
    f[38..42].copy_from_slice(&target.octets());
    f
}

/// A raw socket that sends ARP requests on one interface (it receives nothing).
#[derive(Debug)]
pub struct Prober {
    fd: OwnedFd,
    ifindex: i32,
    mac: [u8; 6],
    ip: Ipv4Addr,
}

impl Prober {
    /// Opens the socket for `interface`, whose address is `ip` (needs CAP_NET_RAW, like the
    /// capture).
    pub fn open(interface: &str, ip: Ipv4Addr) -> io::Result<Self> {
        let mac = pnet_datalink::interfaces()
            .into_iter()
            .find(|i| i.name == interface)
            .and_then(|i| i.mac)
            .map(|m| m.octets())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such interface"))?;
        let ifindex = super::interface_index(interface)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such interface"))?;
        // Protocol 0: the socket only sends.
        // SAFETY: plain socket(2); the fd is owned from here on.
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(Prober {
            fd,
            ifindex,
            mac,
            ip,
        })
    }

    /// Asks who has `target`.
    pub fn ask(&self, target: Ipv4Addr) -> io::Result<()> {
        let frame = arp_request(self.mac, self.ip, target);
        // SAFETY: sockaddr_ll is plain data; the fields that matter are set below.
        let mut to: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        to.sll_family = libc::AF_PACKET as u16;
        to.sll_protocol = ETH_P_ARP.to_be();
        to.sll_ifindex = self.ifindex;
        to.sll_halen = 6;
        to.sll_addr[..6].copy_from_slice(&[0xff; 6]);
        // SAFETY: the frame and address outlive the call; lengths are theirs.
        let sent = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&to as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Asks the device the kernel delivers `target` to (the session's own, its entry being
/// pinned) whether it still uses the address: a unicast neighbour solicitation from the
/// gateway's stack. A device using the address answers with an advertisement from it, which
/// the capture sees; others never receive the question.
pub fn solicit(target: Ipv6Addr) -> io::Result<()> {
    // SAFETY: plain socket(2); the fd is owned from here on.
    let raw = unsafe {
        libc::socket(
            libc::AF_INET6,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::IPPROTO_ICMPV6,
        )
    };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // Neighbour discovery is only believed with the hop limit at 255 (RFC 4861 §7.1.1).
    let hops: libc::c_int = 255;
    // SAFETY: `hops` lives across the call and its size is passed with it.
    let set = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_UNICAST_HOPS,
            (&hops as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if set < 0 {
        return Err(io::Error::last_os_error());
    }
    // Type 135, code 0, checksum (the kernel fills it in for ICMPv6), reserved, target.
    let mut message = [0u8; 24];
    message[0] = NEIGHBOUR_SOLICITATION;
    message[8..].copy_from_slice(&target.octets());
    // SAFETY: sockaddr_in6 is plain data; family and address are set below.
    let mut to: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    to.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    to.sin6_addr.s6_addr = target.octets();
    // SAFETY: the message and address outlive the call; lengths are theirs.
    let sent = unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            message.as_ptr().cast(),
            message.len(),
            0,
            (&to as *const libc::sockaddr_in6).cast(),
            std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
        )
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_asks_for_the_target_from_the_gateway() {
        let mac = [2, 0, 0, 0, 0, 1];
        let f = arp_request(
            mac,
            Ipv4Addr::new(10, 77, 0, 1),
            Ipv4Addr::new(10, 77, 0, 11),
        );
        // What the capture's own parser makes of it: the gateway telling its own address.
        let parsed = crate::sniff::devices::parse_frame(&f);
        assert_eq!(
            parsed,
            Some(crate::sniff::devices::Sighting::Arp {
                mac: "02:00:00:00:00:01".into(),
                ip: Ipv4Addr::new(10, 77, 0, 1),
            })
        );
        assert_eq!(&f[38..42], &[10, 77, 0, 11]);
        assert_eq!(&f[..6], &[0xff; 6]);
    }
}
