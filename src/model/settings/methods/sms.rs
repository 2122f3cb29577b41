//! SMS code: the guest gets a code by SMS.

use serde::{Deserialize, Serialize};

use crate::model::settings::SettingsError;

/// Options of the method (off by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsCode {
    /// Shown on the splash page.
    pub enabled: bool,
}

impl SmsCode {
    pub(super) fn validate(&self, _errors: &mut Vec<SettingsError>) {}
}
