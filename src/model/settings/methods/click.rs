//! Click-through: accept the terms and go online, under a profile the venue names (e.g. "30
//! minutes at 2 Mbit/s a day", built with `hotspotd profile` and `limitation`).

use serde::{Deserialize, Serialize};

use crate::model::settings::SettingsError;

/// Options of the method (off by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClickThrough {
    /// Shown on the splash page.
    pub enabled: bool,
    /// The profile (its `profile list` NAME) each click-through guest holds. A returning
    /// device keeps its guest and user, so logging in again does not renew the allowance.
    pub profile: String,
    /// A device that logged in before and whose profile still runs is logged in again as soon
    /// as it opens any page, without the splash.
    pub mac_auto_login: bool,
}

impl Default for ClickThrough {
    fn default() -> Self {
        ClickThrough {
            enabled: false,
            profile: "click-through".into(),
            mac_auto_login: false,
        }
    }
}

impl ClickThrough {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        let name = self.profile.trim();
        if self.enabled && name.is_empty() {
            errors.push(SettingsError::new(
                "methods.click.profile",
                "is empty while click-through is enabled",
                "name a profile from `hotspotd profile list`, e.g. \"click-through\"",
            ));
        }
        if name.len() > 64 || name != self.profile {
            errors.push(SettingsError::new(
                "methods.click.profile",
                format!("{:?} is not a profile name", self.profile),
                "use the NAME column of `hotspotd profile list` (no surrounding spaces)",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enabled_click_through_needs_a_profile() {
        let mut errors = Vec::new();
        ClickThrough {
            enabled: true,
            profile: String::new(),
            mac_auto_login: false,
        }
        .validate(&mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "methods.click.profile");
        let mut errors = Vec::new();
        ClickThrough::default().validate(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(serde_json::from_str::<ClickThrough>(r#"{"enabld":true}"#).is_err());
        let c: ClickThrough =
            serde_json::from_str(r#"{"enabled":true,"mac_auto_login":true}"#).unwrap();
        assert_eq!(c.profile, "click-through");
    }
}
