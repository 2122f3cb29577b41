//! What a registered unit does for guests while its Hotspot Manager is unreachable, chosen by
//! the reseller per hotspot. Either way the unit keeps admitting everything it can decide
//! from what it holds (vouchers, accounts, click-through, email and SMS codes); the policy is
//! about the guests it cannot decide (a voucher made at the desk since the link broke, a
//! social login, which needs the manager): tell them to wait, or let them through on a capped
//! profile, like the UniFi and Meraki "open while the controller is down" switch but with a
//! cap.

use serde::{Deserialize, Serialize};

use super::SettingsError;

/// The reseller's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OfflinePolicy {
    /// Only what the unit can decide from what it holds.
    #[default]
    DecideLocally,
    /// Also offer every guest a one-tap pass on the capped profile while the manager is
    /// unreachable.
    Pass,
}

impl OfflinePolicy {
    /// The name in the document and the forms.
    pub fn as_str(self) -> &'static str {
        match self {
            OfflinePolicy::DecideLocally => "decide-locally",
            OfflinePolicy::Pass => "pass",
        }
    }
}

/// The offline policy and the profile whose limits cap a pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Offline {
    /// Decide locally (default), or offer a capped pass.
    pub policy: OfflinePolicy,
    /// The profile (its NAME) a pass gives: its limitations are the cap, e.g. "30 minutes and
    /// 200 MB a day at 2 Mbit/s". Each device keeps its pass's user, so taking the pass again
    /// does not renew the cap until the profile has ended.
    pub profile: String,
}

impl Default for Offline {
    fn default() -> Self {
        Offline {
            policy: OfflinePolicy::DecideLocally,
            profile: "offline-pass".into(),
        }
    }
}

impl Offline {
    /// Left out of the stored document while it is the default, so units built before the
    /// policy existed still read every document that does not use it.
    pub fn is_default(&self) -> bool {
        *self == Offline::default()
    }

    /// Whether the pass is offered (while the manager is unreachable).
    pub fn offers_pass(&self) -> bool {
        self.policy == OfflinePolicy::Pass
    }

    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        let name = self.profile.trim();
        if self.offers_pass() && name.is_empty() {
            errors.push(SettingsError::new(
                "offline.profile",
                "is empty while the offline policy is `pass`",
                "name the profile whose limits cap a pass, e.g. \"offline-pass\"",
            ));
        }
        if name.len() > 64 || name != self.profile {
            errors.push(SettingsError::new(
                "offline.profile",
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
    fn a_pass_needs_a_profile_and_names_are_checked() {
        let mut errors = Vec::new();
        Offline {
            policy: OfflinePolicy::Pass,
            profile: String::new(),
        }
        .validate(&mut errors);
        Offline {
            policy: OfflinePolicy::DecideLocally,
            profile: " padded".into(),
        }
        .validate(&mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["offline.profile", "offline.profile"]);
        assert!(errors[0].problem.contains("empty"), "{:?}", errors[0]);
    }

    #[test]
    fn the_policy_reads_by_its_kebab_name_and_refuses_others() {
        let o: Offline = serde_json::from_str(r#"{"policy":"pass"}"#).unwrap();
        assert!(o.offers_pass());
        assert_eq!(o.profile, "offline-pass");
        let e = serde_json::from_str::<Offline>(r#"{"policy":"open"}"#).unwrap_err();
        assert!(e.to_string().contains("decide-locally"), "{e}");
    }
}
