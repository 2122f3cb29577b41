//! SMS code: the guest gets a code by SMS.

use serde::{Deserialize, Serialize};

use super::codes::CodeGuests;
use crate::model::contact::country_id;
use crate::model::otp::SmsBudget;
use crate::model::settings::SettingsError;

/// Options of the method (off by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsCode {
    /// Shown on the splash page.
    pub enabled: bool,
    /// Profile, validity, auto-login and send limits.
    #[serde(flatten)]
    pub guests: CodeGuests,
    /// Countries whose numbers may receive codes (ISO codes, e.g. ["IT", "CH"]); the first is
    /// assumed for numbers typed without `+`. Required: an open list invites SMS pumping to
    /// expensive destinations.
    pub countries: Vec<String>,
    /// SMS per month and when to warn.
    pub budget: SmsBudget,
}

impl SmsCode {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        self.guests.validate("methods.sms", self.enabled, errors);
        if self.enabled && self.countries.is_empty() {
            errors.push(SettingsError::new(
                "methods.sms.countries",
                "no country is allowed",
                "list the countries your guests' phones come from, e.g. [\"IT\"]",
            ));
        }
        for (i, c) in self.countries.iter().enumerate() {
            if c.trim().len() != 2 || country_id(c).is_none() {
                errors.push(SettingsError::new(
                    format!("methods.sms.countries[{i}]"),
                    format!("{c:?} is not a country code"),
                    "use two-letter ISO 3166 codes, e.g. \"IT\", \"DE\"",
                ));
            }
        }
        if !(1..=100).contains(&self.budget.warn_percent) {
            errors.push(SettingsError::new(
                "methods.sms.budget.warn_percent",
                format!("{} is not between 1 and 100", self.budget.warn_percent),
                "warn when e.g. 80 percent of the month's SMS are used",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::settings::HotspotSettings;

    fn fields(json: &str) -> Vec<String> {
        let s: HotspotSettings = serde_json::from_str(json).unwrap();
        s.validate().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn an_enabled_sms_method_needs_a_profile_and_countries() {
        assert_eq!(
            fields(r#"{"methods":{"sms":{"enabled":true}}}"#),
            ["methods.sms.profile", "methods.sms.countries"]
        );
        assert_eq!(
            fields(
                r#"{"methods":{"sms":{"enabled":true,"profile":"day","countries":["IT","XX"]}}}"#
            ),
            ["methods.sms.countries[1]"]
        );
    }

    #[test]
    fn email_options_are_checked_by_field() {
        assert_eq!(
            fields(
                r#"{"methods":{"email":{"enabled":true,"profile":"day","temporary_secs":5,
                   "allowed_domains":["hotel.example","not a domain"],
                   "limits":{"resend_cooldown_secs":1,"per_device_hour":9,"per_device_day":3}}}}"#
            ),
            [
                "methods.email.limits.resend_cooldown_secs",
                "methods.email.limits.per_device_hour",
                "methods.email.allowed_domains[1]",
                "methods.email.temporary_secs"
            ]
        );
        assert!(fields(r#"{"methods":{"email":{"enabled":true,"profile":"day"}}}"#).is_empty());
    }

    #[test]
    fn an_unknown_option_is_refused_by_name() {
        let e = serde_json::from_str::<HotspotSettings>(r#"{"methods":{"sms":{"budjet":{}}}}"#)
            .unwrap_err();
        assert!(e.to_string().contains("budjet"), "{e}");
        for typo in [
            r#"{"email":{"profle":"x"}}"#,
            r#"{"sms":{"limits":{"per_day":1}}}"#,
        ] {
            let json = format!(r#"{{"methods":{typo}}}"#);
            assert!(
                serde_json::from_str::<HotspotSettings>(&json).is_err(),
                "{typo}"
            );
        }
        let s: HotspotSettings = serde_json::from_str(
            r#"{"methods":{"email":{"profile":"day","mac_auto_login":false}}}"#,
        )
        .unwrap();
        assert_eq!(s.methods.email.guests.profile, "day");
        assert!(!s.methods.email.guests.mac_auto_login);
        let back: HotspotSettings =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let toml_back: HotspotSettings = toml::from_str(&toml::to_string(&s).unwrap()).unwrap();
        assert_eq!(toml_back, s);
    }
}
