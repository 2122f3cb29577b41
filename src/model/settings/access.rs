//! Devices that bypass the portal or are blocked, and destinations open before login.

use std::collections::BTreeSet;

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use super::SettingsError;
use super::human::{Garden, Mac, Rate};
use crate::model::access::GardenEntry;
use crate::model::names::DomainPattern;

/// A device that bypasses the portal, optionally described and rate-limited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedMac {
    /// Its MAC.
    pub mac: Mac,
    /// What it is (e.g. "lobby printer").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Download rate (unset: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<Rate>,
    /// Upload rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<Rate>,
}

/// The hotspot's access lists (the CLI's `mac` and `garden` commands keep more in the store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Access {
    /// Devices that bypass the portal.
    pub allow_macs: Vec<AllowedMac>,
    /// Devices whose traffic is dropped.
    pub block_macs: Vec<Mac>,
    /// Destinations guests reach before login: addresses, networks, host names, `*.domain`.
    pub garden: Vec<Garden>,
}

/// The most entries of one list (the kernel sets hold more; a document this long is a
/// mistake, and it is re-sent on every change).
const MAX_ENTRIES: usize = 4096;

impl Access {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        for (field, len) in [
            ("access.allow_macs", self.allow_macs.len()),
            ("access.block_macs", self.block_macs.len()),
            ("access.garden", self.garden.len()),
        ] {
            if len > MAX_ENTRIES {
                errors.push(SettingsError::new(
                    field,
                    format!("has {len} entries"),
                    format!("keep at most {MAX_ENTRIES}"),
                ));
            }
        }
        let mut allowed = BTreeSet::new();
        for (i, a) in self.allow_macs.iter().enumerate() {
            if !allowed.insert(&a.mac) {
                errors.push(SettingsError::new(
                    format!("access.allow_macs[{i}].mac"),
                    format!("{} is listed twice", a.mac),
                    "keep one entry per device",
                ));
            }
        }
        let mut blocked = BTreeSet::new();
        for (i, m) in self.block_macs.iter().enumerate() {
            if allowed.contains(m) {
                errors.push(SettingsError::new(
                    format!("access.block_macs[{i}]"),
                    format!("{m} is also in access.allow_macs"),
                    "remove it from one of the two lists",
                ));
            }
            if !blocked.insert(m) {
                errors.push(SettingsError::new(
                    format!("access.block_macs[{i}]"),
                    format!("{m} is listed twice"),
                    "keep one entry per device",
                ));
            }
        }
        for (i, a) in self.allow_macs.iter().enumerate() {
            for (side, rate) in [("down", a.down), ("up", a.up)] {
                if rate.is_some_and(|r| r.0 < 8_000) {
                    errors.push(SettingsError::new(
                        format!("access.allow_macs[{i}].{side}"),
                        "is below 8k bit/s",
                        "use at least 8k, or remove it for no limit",
                    ));
                }
            }
        }
    }

    /// The garden's networks.
    pub fn garden_networks(&self) -> impl Iterator<Item = Ipv4Net> + '_ {
        self.garden.iter().filter_map(|g| match &g.0 {
            GardenEntry::Network(net) => Some(*net),
            GardenEntry::Domain(_) => None,
        })
    }

    /// The garden's domain patterns.
    pub fn garden_domains(&self) -> impl Iterator<Item = &DomainPattern> + '_ {
        self.garden.iter().filter_map(|g| match &g.0 {
            GardenEntry::Domain(d) => Some(d),
            GardenEntry::Network(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(m: &str) -> Mac {
        Mac::parse(m).unwrap()
    }

    #[test]
    fn a_device_on_both_lists_or_twice_is_refused_by_position() {
        let a = Access {
            allow_macs: vec![AllowedMac {
                mac: mac("02:00:00:00:00:01"),
                note: String::new(),
                down: None,
                up: None,
            }],
            block_macs: vec![
                mac("02:00:00:00:00:01"),
                mac("02:00:00:00:00:02"),
                mac("02:00:00:00:00:02"),
            ],
            garden: vec![],
        };
        let mut errors = Vec::new();
        a.validate(&mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["access.block_macs[0]", "access.block_macs[2]"]);
    }
}
