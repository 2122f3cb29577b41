//! How the splash page looks: logo, background, banners, colours, font, texts per language.

use serde::{Deserialize, Serialize};

use super::SettingsError;

/// The splash design (filled in by the splash-design work).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Design {}

impl Design {
    pub(super) fn validate(&self, _errors: &mut Vec<SettingsError>) {}
}
