//! The venue's business details and the terms and privacy texts they are filled into.

use serde::{Deserialize, Serialize};

use super::{Lang, Localized, SettingsError};

/// Who runs the hotspot, as the terms and the privacy notice name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Business {
    /// Company name (`{company}` in the texts).
    pub company: String,
    /// VAT number (`{vat_number}`).
    pub vat_number: String,
    /// Postal address (`{address}`).
    pub address: String,
    /// Data-protection contact, e.g. an email address (`{privacy_contact}`).
    pub privacy_contact: String,
}

/// Terms of use and privacy notice per language, with the business fields as placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Legal {
    /// The venue's details.
    pub business: Business,
    /// Terms of use; `{company}`, `{vat_number}`, `{address}`, `{privacy_contact}` are filled
    /// in.
    pub terms: Localized,
    /// Privacy notice, with the same placeholders.
    pub privacy: Localized,
}

const DEFAULT_TERMS: &str = "Use this network lawfully and fairly. Access may be logged and \
ended at any time.";

const DEFAULT_PRIVACY: &str = "{company} keeps your device's address, the times you were \
online and the data you used, to run this network and as the law requires. Contact: \
{privacy_contact}.";

impl Default for Legal {
    fn default() -> Self {
        Legal {
            business: Business::default(),
            terms: Localized::new(Lang::En, DEFAULT_TERMS),
            privacy: Localized::new(Lang::En, DEFAULT_PRIVACY),
        }
    }
}

/// The longest terms or privacy text in one language, in characters.
const MAX_TEXT_CHARS: usize = 20_000;

impl Legal {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        for (field, text) in [
            ("legal.terms", &self.terms),
            ("legal.privacy", &self.privacy),
        ] {
            if text.is_blank() {
                errors.push(SettingsError::new(
                    field,
                    "is empty",
                    "write the text in at least the default language",
                ));
            }
            for (lang, t) in &text.0 {
                if t.chars().count() > MAX_TEXT_CHARS {
                    errors.push(SettingsError::new(
                        format!("{field}.{lang}"),
                        format!("is {} characters long", t.chars().count()),
                        format!("shorten it to at most {MAX_TEXT_CHARS} characters"),
                    ));
                }
            }
        }
    }

    /// The terms in `lang` (or `default`) with the business fields filled in.
    pub fn terms_text(&self, lang: Lang, default: Lang) -> String {
        self.fill(self.terms.get(lang, default))
    }

    /// The privacy notice in `lang` (or `default`) with the business fields filled in.
    pub fn privacy_text(&self, lang: Lang, default: Lang) -> String {
        self.fill(self.privacy.get(lang, default))
    }

    fn fill(&self, text: &str) -> String {
        let b = &self.business;
        text.replace("{company}", &b.company)
            .replace("{vat_number}", &b.vat_number)
            .replace("{address}", &b.address)
            .replace("{privacy_contact}", &b.privacy_contact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_fields_are_filled_into_the_texts() {
        let legal = Legal {
            business: Business {
                company: "Bar Roma srl".into(),
                privacy_contact: "privacy@barroma.it".into(),
                ..Business::default()
            },
            ..Legal::default()
        };
        let text = legal.privacy_text(Lang::It, Lang::En);
        assert!(text.starts_with("Bar Roma srl keeps"), "{text}");
        assert!(text.contains("privacy@barroma.it"), "{text}");
    }
}
