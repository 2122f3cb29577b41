//! The hotspot keys of config files written before the hotspot settings existed (name, terms,
//! `[sessions]`, `[access]`). They seed the settings once, on the first start with an empty
//! store; from then on they are no longer read, and the daemon and `check-config` say so.

use super::file::RawConfig;
use super::{ConfigError, access, invalid};
use crate::model::access::{GARDEN_HINT, parse_garden_entry};
use crate::model::login::SharedUsersPolicy;
use crate::model::settings::{Duration, Garden, HotspotSettings, Lang, Localized, Mac, Rate};
use crate::model::units::{parse_duration, parse_rate};

/// The hotspot keys found in the file and the settings document they describe.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyKeys {
    /// The keys present, dotted (`hotspot_name`, `sessions.idle_timeout`, …).
    pub keys: Vec<&'static str>,
    /// The document they seed (the defaults where a key is absent).
    pub seed: HotspotSettings,
}

impl LegacyKeys {
    /// One line for the operator: which keys are no longer read, and where they went.
    pub fn notice(&self, path: &std::path::Path) -> String {
        format!(
            "{}: the keys {} are no longer read: they moved to the hotspot settings (`hotspotd settings show`, `hotspotd settings set FIELD VALUE`); remove them from the file",
            path.display(),
            self.keys.join(", ")
        )
    }
}

/// The old hotspot keys of `raw`, validated as they were before they moved (so a file that
/// started yesterday still starts, and a broken value is named by its key).
pub fn legacy_keys(raw: &mut RawConfig) -> Result<Option<LegacyKeys>, ConfigError> {
    let mut keys = Vec::new();
    let mut seed = HotspotSettings::default();
    if let Some(name) = raw.hotspot_name.take() {
        keys.push("hotspot_name");
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(invalid(
                "hotspot_name",
                "must be 1 to 64 characters",
                "set the name guests should see, e.g. hotspot_name = \"Café Wi-Fi\" (or remove it and use `hotspotd settings set name …`)",
            ));
        }
        seed.name = name;
    }
    if let Some(terms) = raw.terms.take() {
        keys.push("terms");
        seed.legal.terms = Localized::new(Lang::En, terms);
    }
    let s = std::mem::take(&mut raw.sessions);
    let duration = |key: &'static str, text: &str| {
        parse_duration(text)
            .map(Duration)
            .map_err(|e| invalid(key, e.to_string(), e.hint))
    };
    let rate = |key: &'static str, text: &str| {
        parse_rate(text)
            .map(Rate)
            .map_err(|e| invalid(key, e.to_string(), e.hint))
    };
    if let Some(t) = s.session_timeout {
        keys.push("sessions.session_timeout");
        seed.sessions.session_timeout = duration("sessions.session_timeout", &t)?;
    }
    if let Some(t) = s.idle_timeout {
        keys.push("sessions.idle_timeout");
        seed.sessions.idle_timeout = duration("sessions.idle_timeout", &t)?;
    }
    if let Some(r) = s.rate_down {
        keys.push("sessions.rate_down");
        seed.sessions.rate_down = Some(rate("sessions.rate_down", &r)?);
    }
    if let Some(r) = s.rate_up {
        keys.push("sessions.rate_up");
        seed.sessions.rate_up = Some(rate("sessions.rate_up", &r)?);
    }
    if let Some(policy) = s.shared_users_policy {
        keys.push("sessions.shared_users_policy");
        seed.sessions.shared_users_policy = match policy.as_str() {
            "refuse-new" => SharedUsersPolicy::RefuseNew,
            "end-oldest" => SharedUsersPolicy::EndOldest,
            other => {
                return Err(invalid(
                    "sessions.shared_users_policy",
                    format!("{other:?} is not a policy"),
                    "use \"refuse-new\" (tell the new device it must wait) or \"end-oldest\" (log the oldest device off)",
                ));
            }
        };
    }
    let a = std::mem::take(&mut raw.access);
    if let Some(allow) = a.allow_macs {
        keys.push("access.allow_macs");
        seed.access.allow_macs = access::allowed_macs(allow)?;
    }
    if let Some(block) = a.block_macs {
        keys.push("access.block_macs");
        seed.access.block_macs = (block.iter())
            .map(|m| {
                Mac::parse(m).ok_or_else(|| {
                    invalid(
                        "access.block_macs",
                        format!("{m:?} is not a MAC address"),
                        "write it as aa:bb:cc:dd:ee:ff",
                    )
                })
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(garden) = a.garden {
        keys.push("access.garden");
        seed.access.garden = (garden.iter())
            .map(|g| {
                parse_garden_entry(g)
                    .map(Garden)
                    .map_err(|problem| invalid("access.garden", problem, GARDEN_HINT))
            })
            .collect::<Result<_, _>>()?;
    }
    if keys.is_empty() {
        return Ok(None);
    }
    // What the old file allowed and the document does not (a MAC on both lists, …).
    if let Some(e) = seed.validate().into_iter().next() {
        return Err(ConfigError::Seed(e));
    }
    Ok(Some(LegacyKeys { keys, seed }))
}
