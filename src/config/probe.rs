//! The facts about the machine that validation needs, behind a trait so the rules can be
//! unit-tested; the daemon uses [`SystemState`], which asks the kernel.

use std::ffi::CStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::Path;

/// Questions validation asks about the machine.
pub trait SystemProbe {
    /// Does a network interface of this name exist?
    fn interface_exists(&self, name: &str) -> bool;
    /// Can we listen on this address and port? The error says why not.
    fn port_free(&self, address: IpAddr, port: u16) -> Result<(), String>;
    /// The interface this address is assigned to, if any.
    fn interface_with(&self, _address: IpAddr) -> Option<String> {
        None
    }
}

/// The real machine.
pub struct SystemState;

impl SystemProbe for SystemState {
    fn interface_exists(&self, name: &str) -> bool {
        !name.is_empty() && !name.contains('/') && Path::new("/sys/class/net").join(name).exists()
    }

    fn port_free(&self, address: IpAddr, port: u16) -> Result<(), String> {
        TcpListener::bind((address, port))
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn interface_with(&self, address: IpAddr) -> Option<String> {
        interface_addresses()
            .into_iter()
            .find(|(_, ip)| *ip == address)
            .map(|(name, _)| name)
    }
}

/// Every (interface, address) of this machine's network namespace.
fn interface_addresses() -> Vec<(String, IpAddr)> {
    let mut found = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list` with a linked list we only read and free once below;
    // each `ifa_addr` is read as the sockaddr type its family says.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return found;
        }
        let mut entry = list;
        while let Some(ifa) = entry.as_ref() {
            entry = ifa.ifa_next;
            let Some(addr) = ifa.ifa_addr.as_ref() else {
                continue;
            };
            let ip = match i32::from(addr.sa_family) {
                libc::AF_INET => {
                    let sin = &*ifa.ifa_addr.cast::<libc::sockaddr_in>();
                    IpAddr::V4(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)))
                }
                libc::AF_INET6 => {
                    let sin6 = &*ifa.ifa_addr.cast::<libc::sockaddr_in6>();
                    IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr))
                }
                _ => continue,
            };
            let name = CStr::from_ptr(ifa.ifa_name).to_string_lossy().into_owned();
            found.push((name, ip));
        }
        libc::freeifaddrs(list);
    }
    found
}

/// For commands that only need paths from the config (voucher management, control client):
/// they must work while the daemon holds the portal port, and from any namespace.
pub struct PathsOnly;

impl SystemProbe for PathsOnly {
    fn interface_exists(&self, _name: &str) -> bool {
        true
    }

    fn port_free(&self, _address: IpAddr, _port: u16) -> Result<(), String> {
        Ok(())
    }
}

/// For re-reading the config while the daemon runs: the ports it already listens on count as
/// free, everything else is checked for real.
pub struct RunningProbe {
    /// Addresses and ports the daemon holds.
    pub own: Vec<SocketAddr>,
}

impl SystemProbe for RunningProbe {
    fn interface_exists(&self, name: &str) -> bool {
        SystemState.interface_exists(name)
    }

    fn port_free(&self, address: IpAddr, port: u16) -> Result<(), String> {
        if self.own.contains(&SocketAddr::new(address, port)) {
            return Ok(());
        }
        SystemState.port_free(address, port)
    }

    fn interface_with(&self, address: IpAddr) -> Option<String> {
        SystemState.interface_with(address)
    }
}
