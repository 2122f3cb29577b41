//! Values written the way people write them ("15m", "20M", "02:ab:…", "*.example.com"),
//! typed in memory. A value that does not read fails deserialisation with a message of the
//! form `problem; fix: hint`, which `document` turns into a [`super::SettingsError`] naming
//! the field.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::model::access::{GARDEN_HINT, GardenEntry, parse_garden_entry, parse_mac};
use crate::model::units::{UnitError, format_duration, format_rate, parse_duration, parse_rate};

/// Separates a value's problem from its fix in a deserialisation message.
pub(super) const FIX: &str = "; fix: ";

fn unit_error<E: de::Error>(e: UnitError) -> E {
    E::custom(format!(
        "{:?} is not a valid {}{FIX}{}",
        e.value, e.kind, e.hint
    ))
}

/// A duration in seconds, written `90s`, `15m`, `1h30m`, `3d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub u64);

impl Duration {
    /// The seconds.
    pub fn secs(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text).map(Duration).map_err(unit_error)
    }
}

/// A rate in bits per second, written `512k`, `20M`, `1G`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(pub u64);

impl Rate {
    /// Bits per second.
    pub fn bps(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_rate(self.0))
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_rate(&text).map(Rate).map_err(unit_error)
    }
}

/// A MAC address, stored lower-case (`aa:bb:cc:dd:ee:ff`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Mac(String);

impl Mac {
    /// Reads a MAC in any case.
    pub fn parse(text: &str) -> Option<Mac> {
        parse_mac(text).map(Mac)
    }

    /// `aa:bb:cc:dd:ee:ff`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Mac {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Mac::parse(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "{text:?} is not a MAC address{FIX}write it as aa:bb:cc:dd:ee:ff"
            ))
        })
    }
}

/// A walled-garden entry written as text: `203.0.113.0/24`, `pay.example.com`, `*.example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Garden(pub GardenEntry);

impl Serialize for Garden {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Garden {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_garden_entry(&text)
            .map(Garden)
            .map_err(|problem| de::Error::custom(format!("{problem}{FIX}{GARDEN_HINT}")))
    }
}
