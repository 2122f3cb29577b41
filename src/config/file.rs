//! The TOML file as written by the reseller: strings exactly as typed, unknown keys refused.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};

/// Top level of `hotspotd.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Before the hotspot settings: the name on the splash page (seeds the settings once).
    pub hotspot_name: Option<String>,
    /// Database, secret key and control socket live here.
    pub data_dir: String,
    /// Before the hotspot settings: the terms of use (seeds the settings once).
    pub terms: Option<String>,
    /// The guest-facing side: `[lan]`, or `[[lan]]` once per guest network.
    pub lan: RawLans,
    /// The upstream side.
    pub wan: RawWan,
    /// The guest web portal.
    #[serde(default)]
    pub portal: RawPortal,
    /// Before the hotspot settings: defaults for every session (seed the settings once).
    #[serde(default)]
    pub sessions: RawSessions,
    /// The local control socket.
    #[serde(default)]
    pub control: RawControl,
    /// Before the hotspot settings: access lists (seed the settings once).
    #[serde(default)]
    pub access: RawAccess,
    /// The Prometheus endpoint.
    #[serde(default)]
    pub metrics: RawMetrics,
    /// The SMTP server for email codes.
    pub smtp: Option<super::delivery::RawSmtp>,
    /// The SMS provider for SMS codes.
    pub sms: Option<super::delivery::RawSms>,
    /// The Hotspot Manager served by the daemon on a management address.
    pub manager: Option<super::manager::RawManager>,
    /// Sync with a Hotspot Manager.
    pub sync: Option<super::sync::RawSync>,
}

/// `[metrics]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    /// Address:port for `GET /metrics` on the management side (e.g. 127.0.0.1:9108); unset = off.
    pub listen: Option<String>,
}

/// `[access]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccess {
    /// Devices that bypass the portal.
    pub allow_macs: Option<Vec<RawAllowMac>>,
    /// MACs that are blocked.
    pub block_macs: Option<Vec<String>>,
    /// Destinations (IP or CIDR) open before login.
    pub garden: Option<Vec<String>>,
}

/// The guest networks: a `[lan]` table for one, `[[lan]]` tables for several.
#[derive(Debug)]
pub struct RawLans(pub Vec<RawLan>);

impl<'de> Deserialize<'de> for RawLans {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = RawLans;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [lan] table or [[lan]] tables")
            }
            // Deserialising the table itself (not through an untagged enum) keeps the
            // parser's message about the exact key that is wrong.
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawLans, A::Error> {
                RawLan::deserialize(MapAccessDeserializer::new(map)).map(|lan| RawLans(vec![lan]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawLans, A::Error> {
                let mut lans = Vec::new();
                while let Some(lan) = seq.next_element()? {
                    lans.push(lan);
                }
                Ok(RawLans(lans))
            }
        }
        deserializer.deserialize_any(OneOrMany)
    }
}

/// An `access.allow_macs` entry: a MAC, or a table that describes and polices the device.
#[derive(Debug)]
pub enum RawAllowMac {
    /// `"aa:bb:cc:dd:ee:ff"`: unlimited.
    Mac(String),
    /// `{ mac = "…", note = "lobby printer", down = "10M", up = "2M" }`.
    Device(RawAllowedDevice),
}

/// The table form of an allowlisted device.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAllowedDevice {
    /// Its MAC.
    pub mac: String,
    /// What it is.
    #[serde(default)]
    pub note: String,
    /// Download rate (bits/s, e.g. `10M`); unset = unlimited.
    pub down: Option<String>,
    /// Upload rate.
    pub up: Option<String>,
}

impl<'de> Deserialize<'de> for RawAllowMac {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MacOrTable;
        impl<'de> Visitor<'de> for MacOrTable {
            type Value = RawAllowMac;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a MAC string or a { mac = …, note = …, down = …, up = … } table")
            }
            fn visit_str<E: serde::de::Error>(self, mac: &str) -> Result<RawAllowMac, E> {
                Ok(RawAllowMac::Mac(mac.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAllowMac, A::Error> {
                RawAllowedDevice::deserialize(MapAccessDeserializer::new(map))
                    .map(RawAllowMac::Device)
            }
        }
        deserializer.deserialize_any(MacOrTable)
    }
}

/// `[lan]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLan {
    /// Interface the guests are on.
    pub interface: String,
    /// Guest subnet in CIDR notation.
    pub subnet: String,
    /// The gateway's own address on that subnet (portal and DNS).
    pub address: String,
    /// The guests' IPv6 prefix (announced by the operator's RA/DHCPv6 server), if dual-stack.
    pub subnet6: Option<String>,
}

/// `[wan]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWan {
    /// Interface towards the internet.
    pub interface: String,
}

/// `[portal]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPortal {
    /// TCP port of the portal on the LAN address (default 2050).
    pub port: Option<u16>,
}

/// `[sessions]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSessions {
    /// Longest single session (default `1d`).
    pub session_timeout: Option<String>,
    /// Session ends after this long without traffic from the guest (default `15m`).
    pub idle_timeout: Option<String>,
    /// Download rate for vouchers that set none (bits/s, e.g. `10M`).
    pub rate_down: Option<String>,
    /// Upload rate for vouchers that set none.
    pub rate_up: Option<String>,
    /// A user already online on as many devices as allowed: `refuse-new` or `end-oldest`.
    pub shared_users_policy: Option<String>,
}

/// `[control]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawControl {
    /// Path of the Unix socket (default `<data_dir>/control.sock`).
    pub socket: Option<String>,
}
