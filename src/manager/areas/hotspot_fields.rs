//! A hotspot's own fields (name, description, the venue's business details, time zone) and
//! their validation: the same for the form and the API.

use serde::{Deserialize, Serialize};

use super::text;
use crate::manager::error::Error;

/// The fields a reseller fills in (form and JSON alike).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fields {
    /// Shown to staff and on the splash.
    pub name: String,
    /// Free text for staff.
    #[serde(default)]
    pub description: String,
    /// The company running the venue (in the terms and privacy notice).
    #[serde(default)]
    pub business_name: String,
    /// Its VAT number.
    #[serde(default)]
    pub vat_number: String,
    /// Its postal address.
    #[serde(default)]
    pub address: String,
    /// Data-protection contact (e.g. an email address).
    #[serde(default)]
    pub privacy_contact: String,
    /// IANA time zone, e.g. `Europe/Rome` (reports' days, profile windows).
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn utc() -> String {
    "UTC".into()
}

/// The new-hotspot form's starting values.
pub fn blank() -> Fields {
    Fields {
        time_zone: utc(),
        ..Fields::default()
    }
}

impl Fields {
    pub(super) fn validated(self) -> Result<Fields, Error> {
        Ok(Fields {
            name: text("name", &self.name, 120, true)?,
            description: text("description", &self.description, 2000, false)?,
            business_name: text("business_name", &self.business_name, 200, false)?,
            vat_number: text("vat_number", &self.vat_number, 40, false)?,
            address: text("address", &self.address, 400, false)?,
            privacy_contact: text("privacy_contact", &self.privacy_contact, 200, false)?,
            time_zone: time_zone(&self.time_zone)?,
        })
    }

    pub(super) fn params(&self) -> Vec<crate::manager::db::Value> {
        vec![
            (&self.name).into(),
            (&self.description).into(),
            (&self.business_name).into(),
            (&self.vat_number).into(),
            (&self.address).into(),
            (&self.privacy_contact).into(),
            (&self.time_zone).into(),
        ]
    }
}

/// An IANA zone name in shape (`Area/City`, `UTC`); which names exist is the units' tz
/// database's business, not the manager's.
fn time_zone(v: &str) -> Result<String, Error> {
    let v = v.trim();
    let ok = (1..=64).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_alphabetic())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
    if ok {
        Ok(v.to_string())
    } else {
        Err(Error::invalid(
            "time_zone",
            "is not a time zone name; write e.g. Europe/Rome or UTC",
        ))
    }
}
