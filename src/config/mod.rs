//! Gateway configuration: one TOML file, validated completely before anything touches the
//! firewall. Every error names the key and says how to fix it.

mod access;
mod delivery;
mod file;
mod lan;
mod legacy;
mod manager;
mod paths;
mod probe;
mod sync;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::model::outbound::{SmsProvider, SmtpServer};
use crate::model::settings::SettingsError;
pub use file::RawConfig;
pub use lan::{Lan, guest_lan, in_guest_prefix6, lan_of};
pub use legacy::LegacyKeys;
pub use manager::{ManagerListen, RawManager};
pub use paths::{StatePaths, recover_state_paths};
pub use probe::{PathsOnly, RunningProbe, SystemProbe, SystemState};
pub use sync::{AutoRegister, DEFAULT_INTERIM_SECS, RawSync, SyncSection};

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
    /// The old hotspot keys make a settings document that cannot be saved.
    #[error("config file's hotspot keys: {0}")]
    Seed(SettingsError),
}

fn invalid(key: &'static str, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// A validated machine configuration (what belongs to this box; the venue's settings are
/// the hotspot settings in the store).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where state lives.
    pub data_dir: PathBuf,
    /// Guest networks (at least one; the first is the main one, named in logs).
    pub lans: Vec<Lan>,
    /// Upstream interface.
    pub wan_interface: String,
    /// Portal TCP port on every LAN address.
    pub portal_port: u16,
    /// Control socket path.
    pub control_socket: PathBuf,
    /// Where `/metrics` is served, if anywhere.
    pub metrics_listen: Option<SocketAddrV4>,
    /// Hotspot keys of a file written before the hotspot settings existed: they seed the
    /// settings once and are no longer read after.
    pub legacy: Option<LegacyKeys>,
    /// The SMTP server email codes go through, if any.
    pub smtp: Option<SmtpServer>,
    /// The SMS provider SMS codes go through, if any.
    pub sms: Option<SmsProvider>,
    /// The Hotspot Manager served beside the gateway, on a management address, if any.
    pub manager: Option<ManagerListen>,
    /// Sync with a Hotspot Manager.
    pub sync: SyncSection,
}

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
        let mut raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let legacy = legacy::legacy_keys(&mut raw)?;
        Ok(Config {
            legacy,
            ..validate(raw, system)?
        })
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
        check("manager", self.manager != other.manager);
        check("sync", self.sync != other.sync);
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
            manager: self.manager.clone(),
            sync: self.sync.clone(),
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

    /// Every address and port the daemon listens on: the portal's, the metrics endpoint and
    /// the manager.
    pub fn listen_addrs(&self) -> Vec<SocketAddr> {
        let mut own: Vec<SocketAddr> = (self.portal_addrs().into_iter())
            .map(SocketAddr::from)
            .collect();
        own.extend(self.metrics_listen.map(SocketAddr::V4));
        own.extend(self.manager.as_ref().map(|m| m.listen));
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
            if let Err(problem) = system.port_free((*addr.ip()).into(), addr.port()) {
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
    let manager = (raw.manager)
        .map(|m| manager::validate(m, (&lans, portal_port), &data_dir, system))
        .transpose()?;
    let sync = sync::validate(raw.sync)?;
    let control_socket = raw
        .control
        .socket
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("control.sock"));
    Ok(Config {
        data_dir,
        lans,
        wan_interface: raw.wan.interface,
        portal_port,
        control_socket,
        metrics_listen,
        smtp,
        sms,
        manager,
        sync,
        legacy: None,
    })
}

#[cfg(test)]
mod tests;
