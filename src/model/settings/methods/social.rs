//! Social login, brokered by the Hotspot Manager: the guest signs in with a provider the
//! reseller configured there (by its short name), and holds the profile the venue names.

use serde::{Deserialize, Serialize};

use crate::model::settings::SettingsError;

/// Options of the method (off by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SocialLogin {
    /// Shown on the splash page.
    pub enabled: bool,
    /// The providers the splash shows, by their short name in the manager (`google`), in
    /// this order.
    pub providers: Vec<String>,
    /// The profile (its `profile list` NAME) each social guest holds.
    pub profile: String,
}

impl Default for SocialLogin {
    fn default() -> Self {
        SocialLogin {
            enabled: false,
            providers: Vec::new(),
            profile: "social".into(),
        }
    }
}

/// Whether `name` can be a provider's short name: 1–32 of `a-z 0-9 -` (as the manager
/// allows).
fn provider_name_ok(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl SocialLogin {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        if self.enabled && self.providers.is_empty() {
            errors.push(SettingsError::new(
                "methods.social.providers",
                "is empty while social login is enabled",
                "name the providers configured for this hotspot in the manager, e.g. google",
            ));
        }
        if let Some(bad) = self.providers.iter().find(|p| !provider_name_ok(p)) {
            errors.push(SettingsError::new(
                "methods.social.providers",
                format!("{bad:?} is not a provider name"),
                "use the provider's short name in the manager: lower-case letters, digits, '-'",
            ));
        }
        if self.providers.len() > 10 {
            errors.push(SettingsError::new(
                "methods.social.providers",
                "lists more than 10 providers",
                "keep the ones guests use most",
            ));
        }
        let name = self.profile.trim();
        if self.enabled && name.is_empty() {
            errors.push(SettingsError::new(
                "methods.social.profile",
                "is empty while social login is enabled",
                "name a profile from `hotspotd profile list`, e.g. \"social\"",
            ));
        }
        if name.len() > 64 || name != self.profile {
            errors.push(SettingsError::new(
                "methods.social.profile",
                format!("{:?} is not a profile name", self.profile),
                "use the NAME column of `hotspotd profile list` (no surrounding spaces)",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(s: SocialLogin) -> Vec<String> {
        let mut errors = Vec::new();
        s.validate(&mut errors);
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn an_enabled_social_login_needs_providers_and_a_profile() {
        assert!(
            errors_of(SocialLogin::default()).is_empty(),
            "off by default"
        );
        let on = SocialLogin {
            enabled: true,
            ..SocialLogin::default()
        };
        assert_eq!(errors_of(on.clone()), ["methods.social.providers"]);
        let bad = SocialLogin {
            providers: vec!["Google".into()],
            profile: String::new(),
            ..on
        };
        assert_eq!(
            errors_of(bad),
            ["methods.social.providers", "methods.social.profile"]
        );
        assert!(serde_json::from_str::<SocialLogin>(r#"{"provider":[]}"#).is_err());
    }
}
