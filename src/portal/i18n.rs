//! Guest-facing texts in every supported language (Fluent files in
//! `portal-templates/locales/<lang>/*.ftl`, embedded at build time), and which language a
//! request gets.

use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use unic_langid::LanguageIdentifier;

use crate::model::settings::Lang;

static_loader! {
    static LOCALES = {
        locales: "./portal-templates/locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

fn langid(lang: Lang) -> LanguageIdentifier {
    // The codes are constants that always parse; English is the fallback regardless.
    lang.code()
        .parse()
        .unwrap_or_else(|_| unic_langid::langid!("en"))
}

/// The texts of one language, as templates use them: `{{ t.get("key") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    /// The language shown.
    pub lang: Lang,
}

impl Texts {
    /// Texts in `lang`.
    pub fn new(lang: Lang) -> Texts {
        Texts { lang }
    }

    /// The message `key`; a key missing in this language shows the English text, a key missing
    /// everywhere shows the key itself (a test checks that every key exists in every language).
    pub fn get(&self, key: &str) -> String {
        LOCALES
            .try_lookup(&langid(self.lang), key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` with one argument `{ $name }`.
    pub fn with(&self, key: &str, name: &str, value: impl ToString) -> String {
        self.args(key, &[(name, value.to_string())])
    }

    /// The message `key` with several arguments.
    pub fn args(&self, key: &str, args: &[(&str, String)]) -> String {
        let args: HashMap<_, _> = args
            .iter()
            .map(|(name, value)| {
                // Whole numbers as numbers, so messages can choose plural forms.
                let value = match value.parse::<i64>() {
                    Ok(n) => FluentValue::from(n),
                    Err(_) => FluentValue::from(value.clone()),
                };
                (std::borrow::Cow::Owned((*name).to_owned()), value)
            })
            .collect();
        LOCALES
            .try_lookup_with_args(&langid(self.lang), key, &args)
            .unwrap_or_else(|| key.to_owned())
    }
}

/// The cookie that keeps a guest's chosen language for the following pages (a captive
/// popup keeps cookies while it is open).
pub const LANG_COOKIE: &str = "hotspotd_lang";

/// The language for a request: `?lang=` (the switcher), else the language cookie, else
/// Accept-Language, else the hotspot's default. With `?lang=` also the `Set-Cookie` value
/// that keeps it.
pub fn request_lang(
    query: Option<&str>,
    headers: &axum::http::HeaderMap,
    default: Lang,
) -> (Lang, Option<String>) {
    use axum::http::header;
    let chosen = query.and_then(|q| q.parse::<Lang>().ok());
    let cookie = (headers.get_all(header::COOKIE).iter())
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .map(|(_, v)| v);
    let accept = (headers.get(header::ACCEPT_LANGUAGE)).and_then(|v| v.to_str().ok());
    let choice = chosen.map(Lang::code).or(cookie);
    let lang = negotiate(choice, accept, default);
    let set = chosen
        .map(|l| format!("{LANG_COOKIE}={l}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"));
    (lang, set)
}

/// The language for a request: the guest's explicit choice (`?lang=` / the switcher), else the
/// first language of `Accept-Language` we have, else the hotspot's default.
pub fn negotiate(choice: Option<&str>, accept_language: Option<&str>, default: Lang) -> Lang {
    if let Some(lang) = choice.and_then(|c| c.parse::<Lang>().ok()) {
        return lang;
    }
    let Some(header) = accept_language else {
        return default;
    };
    let requested = fluent_langneg::parse_accepted_languages(header);
    let available: Vec<LanguageIdentifier> = Lang::ALL.into_iter().map(langid).collect();
    let default_id = langid(default);
    let chosen = fluent_langneg::negotiate_languages(
        &requested,
        &available,
        Some(&default_id),
        fluent_langneg::NegotiationStrategy::Filtering,
    );
    chosen
        .first()
        .and_then(|id| id.language.as_str().parse::<Lang>().ok())
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guest_choice_beats_the_header_which_beats_the_default() {
        assert_eq!(
            negotiate(Some("de"), Some("it-IT,it;q=0.9"), Lang::En),
            Lang::De
        );
        assert_eq!(
            negotiate(None, Some("it-IT,it;q=0.9,en;q=0.5"), Lang::En),
            Lang::It
        );
        assert_eq!(negotiate(None, Some("pt-BR"), Lang::En), Lang::Pt);
        assert_eq!(negotiate(None, Some("ja,zh"), Lang::Fr), Lang::Fr);
        assert_eq!(negotiate(Some("xx"), None, Lang::Es), Lang::Es);
    }

    #[test]
    fn every_language_has_its_own_welcome_text() {
        let texts: Vec<String> = Lang::ALL
            .into_iter()
            .map(|l| Texts::new(l).with("welcome", "name", "Bar"))
            .collect();
        assert!(texts.iter().all(|t| t.contains("Bar")), "{texts:?}");
        let distinct: std::collections::BTreeSet<_> = texts.iter().collect();
        assert_eq!(distinct.len(), Lang::ALL.len(), "{texts:?}");
    }
}

#[cfg(test)]
mod keys;
