//! The consent part of every login form (`portal-templates/methods/consent.html`): the texts
//! it shows and the choices a submitted form makes, each naming the exact text shown by its
//! SHA-256. Email and SMS forms include the same partial and flatten [`ConsentForm`] into
//! their own form.

use serde::Deserialize;

use super::i18n::Texts;
use crate::model::consent::{ConsentChoice, ConsentError, How, Purpose, require_terms};
use crate::model::settings::{HotspotSettings, Lang};

/// The words of each purpose in one language, as the partial shows them and as their versions
/// are computed: the same function serves both.
#[derive(Debug, Clone)]
pub struct ConsentTexts {
    /// The terms of use, business fields filled in.
    pub terms: String,
    /// The privacy notice, business fields filled in.
    pub privacy: String,
    /// The marketing checkbox's label.
    pub marketing: String,
    /// The surveys checkbox's label.
    pub surveys: String,
}

impl ConsentTexts {
    /// The texts in `t`'s language.
    pub fn new(s: &HotspotSettings, t: &Texts) -> ConsentTexts {
        let venue = venue_name(s);
        ConsentTexts {
            terms: s.terms_text(t.lang),
            privacy: s.privacy_text(t.lang),
            marketing: t.with("consent-marketing", "venue", venue),
            surveys: t.with("consent-surveys", "venue", venue),
        }
    }

    /// The text of a purpose.
    pub fn of(&self, purpose: Purpose) -> &str {
        match purpose {
            Purpose::Terms => &self.terms,
            Purpose::Privacy => &self.privacy,
            Purpose::Marketing => &self.marketing,
            Purpose::Surveys => &self.surveys,
        }
    }
}

/// Who asks for the consents: the company of the business details, else the hotspot's name.
pub fn venue_name(s: &HotspotSettings) -> &str {
    let company = s.legal.business.company.trim();
    if company.is_empty() { &s.name } else { company }
}

/// The partial's fields. A checkbox is sent only when ticked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConsentForm {
    /// "I accept the terms of use and the privacy notice" (required).
    pub accept_terms: Option<String>,
    /// Offers and news (optional).
    pub consent_marketing: Option<String>,
    /// Questionnaires (optional).
    pub consent_surveys: Option<String>,
    /// The language the page was shown in.
    pub lang: Option<String>,
}

impl ConsentForm {
    /// The language the form was shown in (`default` if it does not say).
    pub fn lang(&self, default: Lang) -> Lang {
        (self.lang.as_deref())
            .and_then(|l| l.parse().ok())
            .unwrap_or(default)
    }

    /// The choices the form makes, from the splash: the terms and the privacy notice (both
    /// required, else nothing is recorded), and each optional purpose that was ticked. An
    /// unticked optional box records nothing: a consent given earlier is withdrawn only
    /// explicitly, on the status page.
    pub fn choices(
        &self,
        s: &HotspotSettings,
        lang: Lang,
    ) -> Result<Vec<ConsentChoice>, ConsentError> {
        let texts = ConsentTexts::new(s, &Texts::new(lang));
        let ticked = [
            (Purpose::Terms, &self.accept_terms),
            (Purpose::Privacy, &self.accept_terms),
            (Purpose::Marketing, &self.consent_marketing),
            (Purpose::Surveys, &self.consent_surveys),
        ];
        let choices: Vec<ConsentChoice> = ticked
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(p, _)| ConsentChoice::new(p, true, texts.of(p), lang, How::SplashCheckbox))
            .collect();
        require_terms(&choices)?;
        Ok(choices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::consent::text_version;

    #[test]
    fn each_choice_names_the_text_shown_in_its_language() {
        let s = HotspotSettings::default();
        let form = ConsentForm {
            accept_terms: Some("yes".into()),
            consent_surveys: Some("yes".into()),
            ..ConsentForm::default()
        };
        let choices = form.choices(&s, Lang::De).unwrap();
        let purposes: Vec<_> = choices.iter().map(|c| c.purpose).collect();
        assert_eq!(
            purposes,
            [Purpose::Terms, Purpose::Privacy, Purpose::Surveys]
        );
        let de = ConsentTexts::new(&s, &Texts::new(Lang::De));
        assert_eq!(choices[2].text_version, text_version(&de.surveys));
        assert!(de.surveys.contains("Guest Wi-Fi"), "{}", de.surveys);
        assert_eq!(
            choices[0].text_version,
            text_version(&s.terms_text(Lang::De))
        );
        assert!(choices.iter().all(|c| c.lang == Lang::De && c.granted));
    }

    #[test]
    fn without_the_terms_nothing_is_chosen() {
        let form = ConsentForm {
            consent_marketing: Some("yes".into()),
            ..ConsentForm::default()
        };
        assert_eq!(
            form.choices(&HotspotSettings::default(), Lang::En),
            Err(ConsentError::TermsNotAccepted)
        );
    }
}
