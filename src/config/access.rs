//! The access lists of an old config file (`[access]`), read once to seed the hotspot
//! settings.

use super::file::RawAllowMac;
use super::{ConfigError, invalid};
use crate::model::settings::{AllowedMac, Mac, Rate};
use crate::model::units::parse_rate;

/// Validates `access.allow_macs`.
pub fn allowed_macs(raw: Vec<RawAllowMac>) -> Result<Vec<AllowedMac>, ConfigError> {
    const KEY: &str = "access.allow_macs";
    let parse = |m: &str| {
        Mac::parse(m).ok_or_else(|| {
            invalid(
                KEY,
                format!("{m:?} is not a MAC address"),
                "write it as aa:bb:cc:dd:ee:ff",
            )
        })
    };
    let rate = |text: Option<String>, mac: &Mac| {
        text.map(|t| {
            parse_rate(&t)
                .map(Rate)
                .map_err(|e| invalid(KEY, format!("rate of {mac}: {e}"), e.hint))
        })
        .transpose()
    };
    raw.into_iter()
        .map(|entry| match entry {
            RawAllowMac::Mac(m) => Ok(AllowedMac {
                mac: parse(&m)?,
                note: String::new(),
                down: None,
                up: None,
            }),
            RawAllowMac::Device(d) => {
                let mac = parse(&d.mac)?;
                Ok(AllowedMac {
                    down: rate(d.down, &mac)?,
                    up: rate(d.up, &mac)?,
                    note: d.note,
                    mac,
                })
            }
        })
        .collect()
}
