//! Guest networks: one `[lan]` table, or one `[[lan]]` table per network when the daemon
//! serves several (VLANs, separate SSIDs on their own bridges). Each has its own interface,
//! subnet and gateway address; the portal listens on every gateway address.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use super::file::RawLan;
use super::probe::SystemProbe;
use super::{ConfigError, invalid};

/// One validated guest network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lan {
    /// Interface the guests are on.
    pub interface: String,
    /// Guest subnet: only these sources can be authorised here.
    pub subnet: Ipv4Net,
    /// The gateway's address on it (portal, DNS).
    pub address: Ipv4Addr,
    /// Guests' IPv6 prefix, if dual-stack: their global addresses in it are authorised with
    /// their MAC. Without it guests' IPv6 never passes.
    pub subnet6: Option<Ipv6Net>,
}

impl Lan {
    /// Is `ip` a guest address here (inside the subnet, not the gateway itself)?
    pub fn has_guest(&self, ip: Ipv4Addr) -> bool {
        self.subnet.contains(&ip) && ip != self.address
    }
}

/// The guest network `ip` belongs to.
pub fn lan_of(lans: &[Lan], ip: Ipv4Addr) -> Option<&Lan> {
    lans.iter().find(|lan| lan.subnet.contains(&ip))
}

/// The guest network where `ip` is a guest's address (in the subnet, not the gateway's).
pub fn guest_lan(lans: &[Lan], ip: Ipv4Addr) -> Option<&Lan> {
    lan_of(lans, ip).filter(|lan| lan.has_guest(ip))
}

/// Is `ip` inside one of the guests' IPv6 prefixes?
pub fn in_guest_prefix6(lans: &[Lan], ip: Ipv6Addr) -> bool {
    lans.iter()
        .any(|lan| lan.subnet6.is_some_and(|net| net.contains(&ip)))
}

/// Validates every guest network against the machine and against each other.
pub fn validate_lans(
    raw: Vec<RawLan>,
    wan_interface: &str,
    portal_port: u16,
    system: &dyn SystemProbe,
) -> Result<Vec<Lan>, ConfigError> {
    if raw.is_empty() {
        return Err(invalid(
            "lan",
            "no guest network is configured",
            "add a [lan] table with interface, subnet and address",
        ));
    }
    let several = raw.len() > 1;
    let mut lans: Vec<Lan> = Vec::with_capacity(raw.len());
    for raw_lan in raw {
        let lan = validate_lan(raw_lan, wan_interface, several, system)?;
        if let Some(other) = lans.iter().find(|o| o.interface == lan.interface) {
            return Err(invalid(
                "lan.interface",
                format!("{} is configured twice", other.interface),
                "give each guest network its own interface (e.g. one VLAN interface each)",
            ));
        }
        if let Some(other) = lans.iter().find(|o| overlaps(o.subnet, lan.subnet)) {
            return Err(invalid(
                "lan.subnet",
                format!(
                    "{} on {} overlaps {} on {}",
                    lan.subnet, lan.interface, other.subnet, other.interface
                ),
                "give each guest network its own subnet",
            ));
        }
        if let Some(other) = lans.iter().find(|o| match (o.subnet6, lan.subnet6) {
            (Some(a), Some(b)) => a.contains(&b.network()) || b.contains(&a.network()),
            _ => false,
        }) {
            return Err(invalid(
                "lan.subnet6",
                format!(
                    "the IPv6 prefix of {} overlaps the one of {}",
                    lan.interface, other.interface
                ),
                "give each guest network its own prefix",
            ));
        }
        if let Err(problem) = system.port_free(lan.address.into(), portal_port) {
            return Err(invalid(
                "portal.port",
                format!("cannot listen on {}:{portal_port}: {problem}", lan.address),
                "stop the program using that port (see `ss -ltnp`), pick another port, or check that lan.address is assigned to this machine",
            ));
        }
        lans.push(lan);
    }
    Ok(lans)
}

fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

fn validate_lan(
    raw: RawLan,
    wan_interface: &str,
    several: bool,
    system: &dyn SystemProbe,
) -> Result<Lan, ConfigError> {
    // With several networks every message says which one it is about.
    let on = if several {
        format!(" (on {})", raw.interface)
    } else {
        String::new()
    };
    if !system.interface_exists(&raw.interface) {
        return Err(invalid(
            "lan.interface",
            format!(
                "there is no network interface {:?} on this machine",
                raw.interface
            ),
            "use a name listed by `ip -br link`",
        ));
    }
    if raw.interface == wan_interface {
        return Err(invalid(
            "wan.interface",
            "is the same interface as lan.interface",
            "guests and the internet must be on different interfaces",
        ));
    }
    let subnet: Ipv4Net = raw.subnet.parse().map_err(|_| {
        invalid(
            "lan.subnet",
            format!("{:?} is not an IPv4 CIDR{on}", raw.subnet),
            "write network/prefix, e.g. 10.77.0.0/24",
        )
    })?;
    let address: Ipv4Addr = raw.address.parse().map_err(|_| {
        invalid(
            "lan.address",
            format!("{:?} is not an IPv4 address{on}", raw.address),
            "write the gateway's address on the guest network, e.g. 10.77.0.1",
        )
    })?;
    if !subnet.contains(&address) {
        return Err(invalid(
            "lan.address",
            format!("{address} is outside lan.subnet {subnet}{on}"),
            "use the gateway's own address inside the guest subnet",
        ));
    }
    let subnet6 = (raw.subnet6.as_deref())
        .map(|text| parse_subnet6(text, &on))
        .transpose()?;
    Ok(Lan {
        interface: raw.interface,
        subnet: subnet.trunc(),
        address,
        subnet6,
    })
}

/// The guests' IPv6 prefix: a global one (link-local addresses are never forwarded).
/// `on` names the network when there are several.
fn parse_subnet6(text: &str, on: &str) -> Result<Ipv6Net, ConfigError> {
    let net: Ipv6Net = text.parse().map_err(|_| {
        invalid(
            "lan.subnet6",
            format!("{text:?} is not an IPv6 prefix{on}"),
            "write prefix/length, e.g. 2001:db8:77::/64, or leave it out for IPv4 only",
        )
    })?;
    let first = net.network().segments()[0];
    if net.prefix_len() < 16 || (first & 0xffc0) == 0xfe80 || (first & 0xff00) == 0xff00 {
        return Err(invalid(
            "lan.subnet6",
            format!("{net} is not a guest prefix{on}"),
            "use the global (or ULA) prefix your router advertises on the guest network, usually a /64",
        ));
    }
    Ok(net.trunc())
}
