//! Languages guests can read the portal in, and texts the venue writes once per language.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language every guest-facing text exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    En,
    /// Italian.
    It,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Portuguese.
    Pt,
}

impl Lang {
    /// Every language, in the order the switcher shows them.
    pub const ALL: [Lang; 6] = [Lang::En, Lang::It, Lang::De, Lang::Fr, Lang::Es, Lang::Pt];

    /// The ISO 639-1 code, as in `lang="…"` and `?lang=…`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::It => "it",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Pt => "pt",
        }
    }

    /// The language's own name, as the switcher shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::It => "Italiano",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Pt => "Português",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Lang, String> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("{s:?} is not a supported language (en, it, de, fr, es, pt)"))
    }
}

/// A text the venue writes per language; a language left out shows the hotspot's default
/// language's text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<Lang, String>);

impl Localized {
    /// One text for the default language.
    pub fn new(lang: Lang, text: impl Into<String>) -> Localized {
        Localized(BTreeMap::from([(lang, text.into())]))
    }

    /// The text in `lang`, else in `default`, else in any language, else empty.
    pub fn get(&self, lang: Lang, default: Lang) -> &str {
        self.0
            .get(&lang)
            .or_else(|| self.0.get(&default))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    /// Whether no language has a non-blank text.
    pub fn is_blank(&self) -> bool {
        self.0.values().all(|t| t.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_language_falls_back_to_the_default_then_to_any() {
        let mut t = Localized::new(Lang::It, "Benvenuti");
        t.0.insert(Lang::De, "Willkommen".into());
        assert_eq!(t.get(Lang::De, Lang::It), "Willkommen");
        assert_eq!(t.get(Lang::Fr, Lang::It), "Benvenuti");
        assert_eq!(t.get(Lang::Fr, Lang::En), "Benvenuti");
        assert_eq!(Localized::default().get(Lang::En, Lang::En), "");
    }

    #[test]
    fn languages_parse_from_their_codes_only() {
        assert_eq!("PT".parse::<Lang>(), Ok(Lang::Pt));
        assert!("xx".parse::<Lang>().is_err());
    }
}
