//! Email code: the guest gets a code and a link by email.

use serde::{Deserialize, Serialize};

use crate::model::settings::SettingsError;

/// Options of the method (off by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailCode {
    /// Shown on the splash page.
    pub enabled: bool,
}

impl EmailCode {
    pub(super) fn validate(&self, _errors: &mut Vec<SettingsError>) {}
}
