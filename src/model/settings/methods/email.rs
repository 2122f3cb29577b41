//! Email code: the guest gets a code and a link by email, and a short temporary session to
//! read it.

use serde::{Deserialize, Serialize};

use super::codes::CodeGuests;
use crate::model::contact::parse_email;
use crate::model::settings::SettingsError;

/// Options of the method (off by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailCode {
    /// Shown on the splash page.
    pub enabled: bool,
    /// Profile, validity, auto-login and send limits.
    #[serde(flatten)]
    pub guests: CodeGuests,
    /// Only addresses of these domains (and their subdomains); empty: any.
    pub allowed_domains: Vec<String>,
    /// Seconds of internet access to read the mail (ended unless the code is confirmed).
    pub temporary_secs: u32,
}

impl Default for EmailCode {
    fn default() -> Self {
        EmailCode {
            enabled: false,
            guests: CodeGuests::default(),
            allowed_domains: Vec::new(),
            temporary_secs: 300,
        }
    }
}

impl EmailCode {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        self.guests.validate("methods.email", self.enabled, errors);
        for (i, domain) in self.allowed_domains.iter().enumerate() {
            if parse_email(&format!("x@{domain}"), &[]).is_err() {
                errors.push(SettingsError::new(
                    format!("methods.email.allowed_domains[{i}]"),
                    format!("{domain:?} is not a domain name"),
                    "write the part after the @, e.g. \"hotel.example\"",
                ));
            }
        }
        if !(30..=1800).contains(&self.temporary_secs) {
            errors.push(SettingsError::new(
                "methods.email.temporary_secs",
                format!("{} is not between 30 and 1800", self.temporary_secs),
                "give the guest a few minutes to read the mail, e.g. 300",
            ));
        }
    }
}
