//! What the email and SMS methods share: the profile verified guests get, how long they stay
//! known, MAC auto-login, and the send limits.

use serde::{Deserialize, Serialize};

use crate::model::otp::SendLimits;
use crate::model::settings::SettingsError;

/// Options every code method has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodeGuests {
    /// The profile (by name) a verified guest gets: its limits and validity.
    pub profile: String,
    /// How long a verified guest stays verified, seconds: within it, a new code is not needed
    /// and the guest's profile is reused.
    pub guest_validity_secs: u64,
    /// A device that logged in with a code is logged in again when it comes back within the
    /// guest's validity.
    pub mac_auto_login: bool,
    /// How many codes may be sent, to whom, how often.
    pub limits: SendLimits,
}

impl Default for CodeGuests {
    fn default() -> Self {
        CodeGuests {
            profile: String::new(),
            guest_validity_secs: 86_400,
            mac_auto_login: true,
            limits: SendLimits::default(),
        }
    }
}

impl CodeGuests {
    pub(super) fn validate(&self, at: &str, enabled: bool, errors: &mut Vec<SettingsError>) {
        if enabled && self.profile.trim().is_empty() {
            errors.push(SettingsError::new(
                format!("{at}.profile"),
                "no profile is named for verified guests",
                "name an existing profile, e.g. \"day\" (see `hotspotd profiles list`)",
            ));
        }
        if !(300..=366 * 86_400).contains(&self.guest_validity_secs) {
            errors.push(SettingsError::new(
                format!("{at}.guest_validity_secs"),
                format!(
                    "{} is not between 300 (5 minutes) and 31622400 (a year)",
                    self.guest_validity_secs
                ),
                "give the seconds a verified guest stays verified, e.g. 86400 for a day",
            ));
        }
        let l = &self.limits;
        if !(10..=3600).contains(&l.resend_cooldown_secs) {
            errors.push(SettingsError::new(
                format!("{at}.limits.resend_cooldown_secs"),
                format!("{} is not between 10 and 3600", l.resend_cooldown_secs),
                "30 to 60 seconds lets a slow message arrive before a second one is sent",
            ));
        }
        for (name, hour, day) in [
            ("per_device", l.per_device_hour, l.per_device_day),
            ("per_target", l.per_target_hour, l.per_target_day),
        ] {
            if day != 0 && hour > day {
                errors.push(SettingsError::new(
                    format!("{at}.limits.{name}_hour"),
                    format!("{hour} an hour is more than the {day} allowed a day"),
                    format!("lower {name}_hour or raise {name}_day (0 means no limit)"),
                ));
            }
        }
    }
}
