//! What every guest page shares (`base.html`): the language, the venue's colours, font and
//! background as a few CSS custom properties, and the language switcher.

use crate::model::settings::{HotspotSettings, Lang};

use super::i18n::Texts;

/// One link of the language switcher.
pub struct LangLink {
    /// `en`, `it`, …
    pub code: &'static str,
    /// The language's own name.
    pub name: &'static str,
    /// The same page in that language.
    pub href: String,
    /// The language shown now.
    pub current: bool,
}

/// The head and frame of a guest page.
pub struct Page {
    /// `<html lang>`.
    pub lang: &'static str,
    /// The hotspot's name (the page title).
    pub name: String,
    /// CSS custom properties (`--page:#f4f5f7;…`), built only from validated colours, a
    /// font from a fixed list and a well-formed asset id: never from free text.
    pub vars: String,
    /// The switcher's label.
    pub language_label: String,
    /// The switcher.
    pub switcher: Vec<LangLink>,
}

impl Page {
    /// The frame for a page at `path` (with `dst` carried through the switcher's links).
    pub fn new(s: &HotspotSettings, t: &Texts, path: &str, dst: &str) -> Page {
        let c = &s.design.colours;
        let mut vars = format!(
            "--page:{};--card:{};--title:{};--text:{};--button:{};--button-text:{};--font:{};",
            c.page.css(),
            c.card.css(),
            c.title.css(),
            c.text.css(),
            c.button.css(),
            c.button_text.css(),
            s.design.font.css(),
        );
        if let Some(bg) = s
            .design
            .background_image
            .as_ref()
            .filter(|b| b.check().is_ok())
        {
            vars.push_str(&format!("--background:url(/assets/{bg});"));
        }
        let switcher = Lang::ALL
            .into_iter()
            .map(|l| {
                let mut query = vec![("lang", l.code())];
                if !dst.is_empty() {
                    query.push(("dst", dst));
                }
                let query = serde_urlencoded::to_string(query).unwrap_or_default();
                LangLink {
                    code: l.code(),
                    name: l.native_name(),
                    href: format!("{path}?{query}"),
                    current: l == t.lang,
                }
            })
            .collect();
        Page {
            lang: t.lang.code(),
            name: s.name.clone(),
            vars,
            language_label: t.get("language"),
            switcher,
        }
    }
}
