//! Questions asked after login: the seed's built-ins and the venue's own.

use serde::{Deserialize, Serialize};

use super::SettingsError;

/// The questionnaire (filled in by the questionnaire work).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Questionnaire {}

impl Questionnaire {
    pub(super) fn validate(&self, _errors: &mut Vec<SettingsError>) {}
}
