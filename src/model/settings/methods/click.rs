//! Click-through: accept the terms and go online.

use serde::{Deserialize, Serialize};

use crate::model::settings::SettingsError;

/// Options of the method (off by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClickThrough {
    /// Shown on the splash page.
    pub enabled: bool,
}

impl ClickThrough {
    pub(super) fn validate(&self, _errors: &mut Vec<SettingsError>) {}
}
