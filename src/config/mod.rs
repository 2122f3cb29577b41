//! Gateway configuration: one TOML file, validated completely before anything touches the
//! firewall. Every error names the key and says how to fix it.

mod access;
mod delivery;
mod file;
mod lan;
mod paths;
mod probe;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};

use ipnet::Ipv4Net;
use thiserror::Error;

use crate::model::login::SharedUsersPolicy;
use crate::model::outbound::{SmsProvider, SmtpServer};
use crate::model::units::{parse_duration, parse_rate};
use crate::sniff::names::DomainPattern;
pub use access::{AllowedMac, GardenEntry, parse_destination, parse_garden_entry, parse_mac};
pub use file::RawConfig;
pub use lan::{Lan, guest_lan, in_guest_prefix6, lan_of};
pub use paths::{StatePaths, recover_state_paths};
pub use probe::{PathsOnly, RunningProbe, SystemProbe, SystemState};

/// Default portal port (the one openNDS uses, familiar to operators).
pub const DEFAULT_PORTAL_PORT: u16 = 2050;

/// A configuration the daemon refuses to start with.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown / missing keys.
    #[error("config file {path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, which names the key and the line.
        message: String,
    },
    /// A key holds a value that cannot work.
    #[error("config key `{key}`: {problem}; fix: {fix}")]
    Invalid {
        /// Dotted key, e.g. `lan.subnet`.
        key: &'static str,
        /// What is wrong.
        problem: String,
        /// What to do.
        fix: String,
    },
}

fn invalid(key: &'static str, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Shown on the splash page.
    pub hotspot_name: String,
    /// Terms of use shown on the splash page.
    pub terms: String,
    /// Where state lives.
    pub data_dir: PathBuf,
    /// Guest networks (at least one; the first is the main one, named in logs).
    pub lans: Vec<Lan>,
    /// Upstream interface.
    pub wan_interface: String,
    /// Portal TCP port on every LAN address.
    pub portal_port: u16,
    /// Longest session, seconds.
    pub session_timeout: u64,
    /// Idle timeout, seconds.
    pub idle_timeout: u64,
    /// Default download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Default upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
    /// Control socket path.
    pub control_socket: PathBuf,
    /// What a login beyond a profile's shared users does.
    pub shared_users_policy: SharedUsersPolicy,
    /// Devices that bypass the portal (from the config; the CLI adds more).
    pub allow_macs: Vec<AllowedMac>,
    /// MACs that are blocked.
    pub block_macs: Vec<String>,
    /// Destinations open before login.
    pub garden: Vec<Ipv4Net>,
    /// Where `/metrics` is served, if anywhere.
    pub metrics_listen: Option<SocketAddrV4>,
    /// Walled-garden domains (opened as their names resolve).
    pub garden_domains: Vec<DomainPattern>,
    /// The SMTP server email codes go through, if any.
    pub smtp: Option<SmtpServer>,
    /// The SMS provider SMS codes go through, if any.
    pub sms: Option<SmsProvider>,
}

const DEFAULT_TERMS: &str = "Use this network lawfully and fairly. Access may be logged and \
ended at any time.";

impl Config {
    /// Reads and validates `path` against the live system.
    pub fn load(path: &Path, system: &dyn SystemProbe) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path, system)
    }

    /// The state of the gateway configured by the file at `path`, and, when the file no
    /// longer validates (a running daemon keeps its previous configuration), why not: the
    /// paths are then read from the keys that can still be found.
    pub fn state_paths_of(path: &Path) -> Result<(StatePaths, Option<ConfigError>), ConfigError> {
        let problem = match Config::load(path, &PathsOnly) {
            Ok(config) => return Ok((config.state_paths(), None)),
            Err(e @ ConfigError::Read { .. }) => return Err(e),
            Err(e) => e,
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        match recover_state_paths(&text) {
            Some(paths) => Ok((paths, Some(problem))),
            None => Err(problem),
        }
    }

    /// Validates TOML text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path, system: &dyn SystemProbe) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        validate(raw, system)
    }

    /// The settings of `self` that only a restart can change, named, where `other` differs.
    pub fn restart_only_changes(&self, other: &Config) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut check = |key, differs: bool| {
            if differs {
                changed.push(key);
            }
        };
        check("lan", self.lans != other.lans);
        check("wan.interface", self.wan_interface != other.wan_interface);
        check("portal.port", self.portal_port != other.portal_port);
        check("data_dir", self.data_dir != other.data_dir);
        check(
            "control.socket",
            self.control_socket != other.control_socket,
        );
        check(
            "metrics.listen",
            self.metrics_listen != other.metrics_listen,
        );
        changed
    }

    /// `other`'s live settings on top of `self`'s restart-only ones.
    pub fn with_live_settings_of(&self, other: Config) -> Config {
        Config {
            lans: self.lans.clone(),
            wan_interface: self.wan_interface.clone(),
            portal_port: self.portal_port,
            data_dir: self.data_dir.clone(),
            control_socket: self.control_socket.clone(),
            metrics_listen: self.metrics_listen,
            ..other
        }
    }

    /// The portal's base URL as guests of the main network reach it.
    pub fn portal_url(&self) -> String {
        self.portal_url_on(&self.lans[0])
    }

    /// The portal's base URL as guests of `lan` reach it.
    pub fn portal_url_on(&self, lan: &Lan) -> String {
        format!("http://{}:{}", lan.address, self.portal_port)
    }

    /// The guest network `ip` belongs to.
    pub fn lan_of(&self, ip: Ipv4Addr) -> Option<&Lan> {
        lan_of(&self.lans, ip)
    }

    /// The guest network where `ip` is a guest's address (in the subnet, not the gateway's).
    pub fn guest_lan(&self, ip: Ipv4Addr) -> Option<&Lan> {
        guest_lan(&self.lans, ip)
    }

    /// Where the portal listens: the gateway's address on every guest network.
    pub fn portal_addrs(&self) -> Vec<(Ipv4Addr, u16)> {
        (self.lans.iter())
            .map(|lan| (lan.address, self.portal_port))
            .collect()
    }

    /// Every address and port the daemon listens on: the portal's and the metrics endpoint.
    pub fn listen_addrs(&self) -> Vec<(Ipv4Addr, u16)> {
        let mut own = self.portal_addrs();
        own.extend(self.metrics_listen.map(|a| (*a.ip(), a.port())));
        own
    }

    /// Where the state lives.
    pub fn state_paths(&self) -> StatePaths {
        StatePaths {
            data_dir: self.data_dir.clone(),
            control_socket: self.control_socket.clone(),
        }
    }
}

fn validate(raw: RawConfig, system: &dyn SystemProbe) -> Result<Config, ConfigError> {
    let hotspot_name = raw.hotspot_name.trim().to_string();
    if hotspot_name.is_empty() || hotspot_name.len() > 64 {
        return Err(invalid(
            "hotspot_name",
            "must be 1 to 64 characters",
            "set the name guests should see, e.g. hotspot_name = \"Café Wi-Fi\"",
        ));
    }
    if !system.interface_exists(&raw.wan.interface) {
        return Err(invalid(
            "wan.interface",
            format!(
                "there is no network interface {:?} on this machine",
                raw.wan.interface
            ),
            "use a name listed by `ip -br link`",
        ));
    }
    let portal_port = raw.portal.port.unwrap_or(DEFAULT_PORTAL_PORT);
    if portal_port == 0 {
        return Err(invalid("portal.port", "0 is not a port", "use e.g. 2050"));
    }
    let lans = lan::validate_lans(raw.lan.0, &raw.wan.interface, portal_port, system)?;
    let duration = |key: &'static str, value: Option<String>, default: u64| match value {
        None => Ok(default),
        Some(text) => parse_duration(&text).map_err(|e| invalid(key, e.to_string(), e.hint)),
    };
    let rate = |key: &'static str, value: Option<String>| match value {
        None => Ok(None),
        Some(text) => parse_rate(&text)
            .map(Some)
            .map_err(|e| invalid(key, e.to_string(), e.hint)),
    };
    let session_timeout = duration(
        "sessions.session_timeout",
        raw.sessions.session_timeout,
        86_400,
    )?;
    let idle_timeout = duration("sessions.idle_timeout", raw.sessions.idle_timeout, 900)?;
    let rate_down_bps = rate("sessions.rate_down", raw.sessions.rate_down)?;
    let rate_up_bps = rate("sessions.rate_up", raw.sessions.rate_up)?;
    let shared_users_policy = match raw.sessions.shared_users_policy.as_deref() {
        None | Some("refuse-new") => SharedUsersPolicy::RefuseNew,
        Some("end-oldest") => SharedUsersPolicy::EndOldest,
        Some(other) => {
            return Err(invalid(
                "sessions.shared_users_policy",
                format!("{other:?} is not a policy"),
                "use \"refuse-new\" (tell the new device it must wait) or \"end-oldest\" (log the oldest device off)",
            ));
        }
    };
    let macs = |key: &'static str, list: &[String]| {
        list.iter()
            .map(|m| {
                parse_mac(m).ok_or_else(|| {
                    invalid(
                        key,
                        format!("{m:?} is not a MAC address"),
                        "write it as aa:bb:cc:dd:ee:ff",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let allow_macs = access::allowed_macs(raw.access.allow_macs)?;
    let block_macs = macs("access.block_macs", &raw.access.block_macs)?;
    let mut garden = Vec::new();
    let mut garden_domains = Vec::new();
    for entry in &raw.access.garden {
        match parse_garden_entry(entry) {
            Ok(GardenEntry::Network(net)) => garden.push(net),
            Ok(GardenEntry::Domain(pattern)) => garden_domains.push(pattern),
            Err(problem) => {
                return Err(invalid(
                    "access.garden",
                    problem,
                    "write an IPv4 address or network (203.0.113.0/24), a host name (pay.example.com) or *.domain",
                ));
            }
        }
    }
    let metrics_listen = match raw.metrics.listen {
        None => None,
        Some(text) => {
            let addr: SocketAddrV4 = text.parse().map_err(|_| {
                invalid(
                    "metrics.listen",
                    format!("{text:?} is not an IPv4 address:port"),
                    "write e.g. 127.0.0.1:9108 (keep it off the guest network)",
                )
            })?;
            if lan_of(&lans, *addr.ip()).is_some() {
                return Err(invalid(
                    "metrics.listen",
                    format!("{addr} is on the guest network"),
                    "serve metrics on loopback or the management network",
                ));
            }
            if let Err(problem) = system.port_free(*addr.ip(), addr.port()) {
                return Err(invalid(
                    "metrics.listen",
                    format!("cannot listen on {addr}: {problem}"),
                    "pick a free port",
                ));
            }
            Some(addr)
        }
    };
    let smtp = delivery::smtp(raw.smtp)?;
    let sms = delivery::sms(raw.sms)?;
    let data_dir = PathBuf::from(&raw.data_dir);
    if !data_dir.is_absolute() {
        return Err(invalid(
            "data_dir",
            format!("{:?} is a relative path", raw.data_dir),
            "use an absolute path, e.g. /var/lib/hotspotd",
        ));
    }
    let control_socket = raw
        .control
        .socket
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("control.sock"));
    Ok(Config {
        hotspot_name,
        terms: raw.terms.unwrap_or_else(|| DEFAULT_TERMS.to_string()),
        data_dir,
        lans,
        wan_interface: raw.wan.interface,
        portal_port,
        session_timeout,
        idle_timeout,
        rate_down_bps,
        rate_up_bps,
        control_socket,
        shared_users_policy,
        allow_macs,
        block_macs,
        garden,
        metrics_listen,
        garden_domains,
        smtp,
        sms,
    })
}

#[cfg(test)]
mod tests;
