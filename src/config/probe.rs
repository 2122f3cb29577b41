//! The facts about the machine that validation needs, behind a trait so the rules can be
//! unit-tested; the daemon uses [`SystemState`], which asks the kernel.

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;

/// Questions validation asks about the machine.
pub trait SystemProbe {
    /// Does a network interface of this name exist?
    fn interface_exists(&self, name: &str) -> bool;
    /// Can we listen on this address and port? The error says why not.
    fn port_free(&self, address: Ipv4Addr, port: u16) -> Result<(), String>;
}

/// The real machine.
pub struct SystemState;

impl SystemProbe for SystemState {
    fn interface_exists(&self, name: &str) -> bool {
        !name.is_empty() && !name.contains('/') && Path::new("/sys/class/net").join(name).exists()
    }

    fn port_free(&self, address: Ipv4Addr, port: u16) -> Result<(), String> {
        TcpListener::bind((address, port))
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// For commands that only need paths from the config (voucher management, control client):
/// they must work while the daemon holds the portal port, and from any namespace.
pub struct PathsOnly;

impl SystemProbe for PathsOnly {
    fn interface_exists(&self, _name: &str) -> bool {
        true
    }

    fn port_free(&self, _address: Ipv4Addr, _port: u16) -> Result<(), String> {
        Ok(())
    }
}

/// For re-reading the config while the daemon runs: the ports it already listens on count as
/// free, everything else is checked for real.
pub struct RunningProbe {
    /// Addresses and ports the daemon holds.
    pub own: Vec<(Ipv4Addr, u16)>,
}

impl SystemProbe for RunningProbe {
    fn interface_exists(&self, name: &str) -> bool {
        SystemState.interface_exists(name)
    }

    fn port_free(&self, address: Ipv4Addr, port: u16) -> Result<(), String> {
        if self.own.contains(&(address, port)) {
            return Ok(());
        }
        SystemState.port_free(address, port)
    }
}
