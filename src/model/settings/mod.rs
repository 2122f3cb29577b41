//! The hotspot settings: everything that belongs to the venue rather than to the machine (name,
//! texts per language, splash design, login methods, consent texts, questionnaire, timeouts,
//! default rates, access lists), as one typed document. The store keeps it with a revision;
//! the CLI (and later the manager) edits it; every change is validated here first.

mod access;
pub mod design;
mod document;
mod human;
mod legal;
pub mod methods;
mod offline;
pub mod questionnaire;
mod sessions;
mod text;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use access::{Access, AllowedMac};
pub use design::Design;
pub use document::Format;
pub use human::{Duration, Garden, Mac, Rate};
pub use legal::{Business, Legal};
pub use methods::LoginMethods;
pub use offline::{Offline, OfflinePolicy};
pub use questionnaire::{Answer, AnswerProblem, Choice, Kind, Question, Questionnaire};
pub use sessions::Sessions;
pub use text::{Lang, Localized};

/// A value the settings refuse: the dotted field, what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("settings field `{field}`: {problem}; fix: {fix}")]
pub struct SettingsError {
    /// Dotted path, e.g. `design.colours.button`.
    pub field: String,
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub fix: String,
}

impl SettingsError {
    /// An error at `field`.
    pub fn new(
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> SettingsError {
        SettingsError {
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

/// The venue's settings document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HotspotSettings {
    /// Bumped by the store on every accepted change; never edited by hand.
    pub revision: u64,
    /// The hotspot's name, shown on every guest page.
    pub name: String,
    /// The language shown when the guest's is not available, and the one every text falls
    /// back to.
    pub default_language: Lang,
    /// The venue's business details and its terms and privacy texts.
    pub legal: Legal,
    /// How the splash page looks.
    pub design: Design,
    /// Which login methods guests see, with their options.
    pub methods: LoginMethods,
    /// Questions asked after login.
    pub questionnaire: Questionnaire,
    /// Timeouts, default rates and the shared-users policy.
    pub sessions: Sessions,
    /// MAC allow and block lists, walled garden.
    pub access: Access,
    /// What guests the unit cannot decide get while the manager is unreachable.
    #[serde(skip_serializing_if = "Offline::is_default")]
    pub offline: Offline,
}

impl Default for HotspotSettings {
    fn default() -> Self {
        HotspotSettings {
            revision: 0,
            name: "Guest Wi-Fi".into(),
            default_language: Lang::En,
            legal: Legal::default(),
            design: Design::default(),
            methods: LoginMethods::default(),
            questionnaire: Questionnaire::default(),
            sessions: Sessions::default(),
            access: Access::default(),
            offline: Offline::default(),
        }
    }
}

impl HotspotSettings {
    /// Every problem in the document (empty: it may be saved).
    pub fn validate(&self) -> Vec<SettingsError> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            errors.push(SettingsError::new(
                "name",
                format!("{:?} is not 1–64 characters", self.name),
                "give the hotspot a short name, e.g. \"Café Wi-Fi\"",
            ));
        }
        self.legal.validate(&mut errors);
        self.design.validate(&mut errors);
        self.methods.validate(&mut errors);
        self.questionnaire.validate(&mut errors);
        self.sessions.validate(&mut errors);
        self.access.validate(&mut errors);
        self.offline.validate(&mut errors);
        errors
    }

    /// The terms of use in `lang`, with the venue's business details filled in.
    pub fn terms_text(&self, lang: Lang) -> String {
        self.legal.terms_text(lang, self.default_language)
    }

    /// The privacy notice in `lang`, with the venue's business details filled in.
    pub fn privacy_text(&self, lang: Lang) -> String {
        self.legal.privacy_text(lang, self.default_language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_document_is_valid() {
        assert_eq!(HotspotSettings::default().validate(), vec![]);
    }

    #[test]
    fn the_offline_section_is_stored_only_when_used_and_settable_by_name() {
        // Units built before the section existed read every document that does not use it.
        let default = HotspotSettings::default();
        let text = serde_json::to_string(&default).unwrap();
        assert!(!text.contains("offline"), "{text}");
        assert_eq!(default.to_value()["offline"]["policy"], "decide-locally");
        let pass = default.with_field("offline.policy", "pass").unwrap();
        assert!(pass.offline.offers_pass());
        let text = serde_json::to_string(&pass).unwrap();
        assert!(text.contains(r#""offline":{"policy":"pass""#), "{text}");
        let back: HotspotSettings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, pass);
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let e = serde_json::from_str::<HotspotSettings>(r#"{"nmae":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("nmae"), "{e}");
    }
}
