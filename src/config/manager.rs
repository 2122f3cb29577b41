//! `[manager]`: the Hotspot Manager served by `hotspotd run` itself, on a management address.
//! Never on a guest network: an address of a guest subnet or prefix, one assigned to a guest
//! interface, or a wildcard (which includes the guest side) is refused. The firewall drops
//! guests' packets to the manager whatever the address (see `firewall::render`).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::lan::{Lan, in_guest_prefix6, lan_of};
use super::probe::SystemProbe;
use super::{ConfigError, invalid};

/// `[manager]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManager {
    /// Management address and port, e.g. `10.66.0.1:8443` or `127.0.0.1:8443`.
    pub listen: String,
    /// TLS certificate chain (PEM); without it and `tls_key`, plain HTTP for a proxy.
    pub tls_cert: Option<String>,
    /// TLS private key (PEM).
    pub tls_key: Option<String>,
    /// `sqlite://PATH` or `postgres://…` (default `sqlite://<data_dir>/manager.db`).
    pub database: Option<String>,
    /// The URL users open (default from `listen`).
    pub public_url: Option<String>,
}

/// The validated `[manager]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerListen {
    /// Where it listens: a management address, never a guest network's.
    pub listen: SocketAddr,
    /// PEM certificate chain and key; plain HTTP without.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Its database URL.
    pub database: String,
    /// The URL users open, if not the one `listen` makes.
    pub public_url: Option<String>,
}

const LISTEN_FIX: &str = "listen on the management network's address of this machine, or on \
    127.0.0.1 and reach it through an SSH tunnel or a proxy (e.g. listen = \"127.0.0.1:8443\")";

/// Validates `[manager]` against the guest networks and the machine.
pub fn validate(
    raw: RawManager,
    (lans, portal_port): (&[Lan], u16),
    data_dir: &Path,
    system: &dyn SystemProbe,
) -> Result<ManagerListen, ConfigError> {
    let listen: SocketAddr = raw.listen.parse().map_err(|_| {
        invalid(
            "manager.listen",
            format!("{:?} is not an address:port", raw.listen),
            "write e.g. 10.66.0.1:8443 or [fd00:66::1]:8443",
        )
    })?;
    check_not_guest_side(listen.ip(), lans, system)?;
    if listen.port() == 0 {
        return Err(invalid("manager.listen", "port 0", "use e.g. 8443"));
    }
    // Guests' packets to the manager's port are dropped on every address of the gateway:
    // the port of a service guests need would cut them off from it.
    if listen.port() == portal_port || listen.port() == 53 {
        return Err(invalid(
            "manager.listen",
            format!(
                "port {} is a port guests need (the portal's or DNS), and guests' packets to \
                 the manager's port are dropped on every address",
                listen.port()
            ),
            "pick another port, e.g. 8443",
        ));
    }
    if let Err(problem) = system.port_free(listen.ip(), listen.port()) {
        return Err(invalid(
            "manager.listen",
            format!("cannot listen on {listen}: {problem}"),
            "pick a free port, or check that the address is assigned to this machine",
        ));
    }
    let tls = match (raw.tls_cert, raw.tls_key) {
        (None, None) => None,
        (Some(cert), Some(key)) => Some((
            readable("manager.tls_cert", &cert)?,
            readable("manager.tls_key", &key)?,
        )),
        (Some(_), None) | (None, Some(_)) => {
            return Err(invalid(
                "manager.tls_cert",
                "only one of tls_cert and tls_key is set",
                "set both (PEM files) for HTTPS, or neither for plain HTTP behind a proxy",
            ));
        }
    };
    let database = raw
        .database
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("manager.db").display()));
    if !(database.starts_with("sqlite://") || database.starts_with("postgres://")) {
        return Err(invalid(
            "manager.database",
            format!("{database:?} is neither sqlite:// nor postgres://"),
            "write sqlite:///var/lib/hotspotd/manager.db or postgres://USER@HOST/NAME",
        ));
    }
    if let Some(url) = &raw.public_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(invalid(
            "manager.public_url",
            format!("{url:?} is not an http:// or https:// URL"),
            "write the URL users open, e.g. https://manager.example.com",
        ));
    }
    Ok(ManagerListen {
        listen,
        tls,
        database,
        public_url: raw.public_url,
    })
}

/// Refuses an address guests could reach: a wildcard, one inside a guest subnet or prefix,
/// or one assigned to a guest interface.
fn check_not_guest_side(
    ip: IpAddr,
    lans: &[Lan],
    system: &dyn SystemProbe,
) -> Result<(), ConfigError> {
    let refuse = |problem: String| Err(invalid("manager.listen", problem, LISTEN_FIX));
    let ip = ip.to_canonical();
    if ip.is_unspecified() {
        return refuse(format!(
            "{ip} listens on every address of this machine, the guest networks' too"
        ));
    }
    let guest_net = match ip {
        IpAddr::V4(v4) => lan_of(lans, v4).map(|lan| lan.interface.clone()),
        IpAddr::V6(v6) => (lans.iter())
            .find(|lan| in_guest_prefix6(std::slice::from_ref(lan), v6))
            .map(|lan| lan.interface.clone()),
    };
    if let Some(interface) = guest_net {
        return refuse(format!("{ip} is on the guest network of {interface}"));
    }
    if let Some(interface) = system.interface_with(ip)
        && lans.iter().any(|lan| lan.interface == interface)
    {
        return refuse(format!(
            "{ip} is assigned to the guest interface {interface}"
        ));
    }
    Ok(())
}

fn readable(key: &'static str, path: &str) -> Result<PathBuf, ConfigError> {
    match std::fs::File::open(path) {
        Ok(_) => Ok(PathBuf::from(path)),
        Err(e) => Err(invalid(
            key,
            format!("cannot read {path}: {e}"),
            "give the path of a PEM file readable by hotspotd",
        )),
    }
}
