//! How the splash page looks: logo, background, banners, colours, font, texts per language,
//! and where guests go after login. The design is data, never HTML or CSS: every value that
//! reaches the page's `<style>` is validated here (hex colours, a font from a fixed list, asset
//! ids of a fixed shape), and texts are escaped by the templates.

mod colour;

use serde::{Deserialize, Serialize};

use super::{Lang, Localized, SettingsError};
use crate::model::asset::AssetId;
pub use colour::{Colour, contrast_ratio};

/// The contrast WCAG 2.x level AA asks of normal text.
pub const MIN_CONTRAST: f64 = 4.5;

/// The most banners a page rotates through.
pub const MAX_BANNERS: usize = 8;

/// The splash design.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Design {
    /// The venue's logo, shown above the title (an asset id from `hotspotd asset add`).
    pub logo: Option<AssetId>,
    /// An image behind the page (the page colour shows while it loads, and around it).
    pub background_image: Option<AssetId>,
    /// Ads or announcements; the page shows one at a time, a different one per view.
    pub banners: Vec<Banner>,
    /// The page's colours.
    pub colours: Colours,
    /// The typeface, from a list of system fonts (nothing is loaded from outside).
    pub font: Font,
    /// The heading; empty: "Welcome to {name}" in the guest's language.
    pub title: Localized,
    /// A line under the heading.
    pub subtitle: Localized,
    /// A paragraph about the venue or the offer.
    pub description: Localized,
    /// Where guests go after logging in, instead of the page they first asked for.
    pub after_login_url: Option<String>,
}

/// One banner: an image, an optional link, an optional date range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Banner {
    /// The image (an asset id).
    pub image: AssetId,
    /// What the image shows, for screen readers and when images are off.
    pub alt: Localized,
    /// Opened when the banner is tapped (after login, the guest is online to follow it).
    pub link: Option<String>,
    /// First day shown, `YYYY-MM-DD` (the gateway's local date).
    pub from: Option<Day>,
    /// Last day shown, `YYYY-MM-DD`.
    pub until: Option<Day>,
}

impl Banner {
    /// Whether the banner is shown on `today`.
    pub fn shown_on(&self, today: Day) -> bool {
        self.from.is_none_or(|f| f <= today) && self.until.is_none_or(|u| today <= u)
    }
}

/// A calendar day, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub chrono::NaiveDate);

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%Y-%m-%d").to_string())
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        let s = String::deserialize(d)?;
        chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Day)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a date like 2026-12-24")))
    }
}

/// The page's colours; each text colour must stand out from the colour it is written on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Colours {
    /// Behind everything.
    pub page: Colour,
    /// The cards holding the texts and forms.
    pub card: Colour,
    /// The heading, on the card.
    pub title: Colour,
    /// Body text and links, on the card.
    pub text: Colour,
    /// Buttons.
    pub button: Colour,
    /// The label on buttons.
    pub button_text: Colour,
}

impl Default for Colours {
    fn default() -> Self {
        let c = |hex: &str| Colour::parse(hex).unwrap_or_default();
        Colours {
            page: c("#f4f5f7"),
            card: c("#ffffff"),
            title: c("#1a1a1a"),
            text: c("#1a1a1a"),
            button: c("#0b5394"),
            button_text: c("#ffffff"),
        }
    }
}

/// Typefaces from a fixed list: each is a stack of fonts phones and computers already have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Font {
    /// The system's interface font.
    #[default]
    System,
    /// A humanist sans-serif (Seravek, Segoe, Gill Sans, …).
    Humanist,
    /// A serif (Charter, Georgia, Cambria, …).
    Serif,
    /// A rounded sans-serif where the system has one.
    Rounded,
    /// A monospaced font.
    Mono,
}

impl Font {
    /// The CSS `font-family` value: constants, never operator text.
    pub fn css(self) -> &'static str {
        match self {
            Font::System => r#"system-ui,-apple-system,"Segoe UI",Roboto,sans-serif"#,
            Font::Humanist => {
                r#"Seravek,"Gill Sans Nova",Ubuntu,Calibri,"DejaVu Sans",source-sans-pro,sans-serif"#
            }
            Font::Serif => r#"Charter,"Bitstream Charter","Sitka Text",Cambria,Georgia,serif"#,
            Font::Rounded => {
                r#"ui-rounded,"Hiragino Maru Gothic ProN",Quicksand,Comfortaa,Manjari,"Arial Rounded MT",sans-serif"#
            }
            Font::Mono => {
                r#"ui-monospace,"Cascadia Code","Source Code Pro",Menlo,Consolas,monospace"#
            }
        }
    }
}

/// Longest title, subtitle, description and banner text, in characters.
const MAX_TITLE: usize = 80;
const MAX_SUBTITLE: usize = 160;
const MAX_DESCRIPTION: usize = 1_000;
const MAX_ALT: usize = 160;
const MAX_URL: usize = 2_048;

impl Design {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        if let Some(logo) = &self.logo {
            check_asset("design.logo", logo, errors);
        }
        if let Some(bg) = &self.background_image {
            check_asset("design.background_image", bg, errors);
        }
        if self.banners.len() > MAX_BANNERS {
            errors.push(SettingsError::new(
                "design.banners",
                format!("has {} banners", self.banners.len()),
                format!("keep at most {MAX_BANNERS}"),
            ));
        }
        for (i, b) in self.banners.iter().enumerate() {
            b.validate(&format!("design.banners[{i}]"), errors);
        }
        self.colours.validate(errors);
        for (field, text, max) in [
            ("design.title", &self.title, MAX_TITLE),
            ("design.subtitle", &self.subtitle, MAX_SUBTITLE),
            ("design.description", &self.description, MAX_DESCRIPTION),
        ] {
            check_lengths(field, text, max, errors);
        }
        if let Some(url) = &self.after_login_url {
            check_url("design.after_login_url", url, errors);
        }
    }
}

impl Banner {
    fn validate(&self, field: &str, errors: &mut Vec<SettingsError>) {
        check_asset(&format!("{field}.image"), &self.image, errors);
        check_lengths(&format!("{field}.alt"), &self.alt, MAX_ALT, errors);
        if let Some(link) = &self.link {
            check_url(&format!("{field}.link"), link, errors);
        }
        if let (Some(from), Some(until)) = (self.from, self.until)
            && until < from
        {
            errors.push(SettingsError::new(
                format!("{field}.until"),
                format!(
                    "{} is before `from` {}",
                    until.0.format("%Y-%m-%d"),
                    from.0.format("%Y-%m-%d")
                ),
                "give a last day on or after the first day",
            ));
        }
    }
}

impl Colours {
    /// Every colour with its field name.
    fn named(&self) -> [(&'static str, &Colour); 6] {
        [
            ("page", &self.page),
            ("card", &self.card),
            ("title", &self.title),
            ("text", &self.text),
            ("button", &self.button),
            ("button_text", &self.button_text),
        ]
    }

    /// The text/background pairs guests read, with the fields' names.
    pub fn pairs(&self) -> [(&'static str, &Colour, &'static str, &Colour); 3] {
        [
            ("text", &self.text, "card", &self.card),
            ("title", &self.title, "card", &self.card),
            ("button_text", &self.button_text, "button", &self.button),
        ]
    }

    fn validate(&self, errors: &mut Vec<SettingsError>) {
        let mut all_parse = true;
        for (name, colour) in self.named() {
            if let Err(problem) = colour.rgb() {
                all_parse = false;
                errors.push(SettingsError::new(
                    format!("design.colours.{name}"),
                    problem,
                    "write it as # and six hex digits, e.g. #0b5394",
                ));
            }
        }
        if !all_parse {
            return;
        }
        for (fg_name, fg, bg_name, bg) in self.pairs() {
            let ratio = contrast_ratio(fg, bg);
            if ratio < MIN_CONTRAST {
                let (darker, lighter) = if fg.luminance() <= bg.luminance() {
                    (fg_name, bg_name)
                } else {
                    (bg_name, fg_name)
                };
                errors.push(SettingsError::new(
                    format!("design.colours.{fg_name}"),
                    format!(
                        "contrast {} between {fg_name} {fg} and {bg_name} {bg} is below {MIN_CONTRAST}:1",
                        shown_ratio(ratio)
                    ),
                    format!("darken the {darker} or lighten the {lighter}"),
                ));
            }
        }
    }
}

/// A ratio below 4.5 as a guest-readable figure: one decimal, or two where one would round
/// up to 4.5 (never "4.5:1 is below 4.5:1").
fn shown_ratio(ratio: f64) -> String {
    let one = (ratio * 10.0).round() / 10.0;
    if one >= MIN_CONTRAST {
        format!("{:.2}:1", (ratio * 100.0).floor() / 100.0)
    } else {
        format!("{one:.1}:1")
    }
}

fn check_asset(field: &str, id: &AssetId, errors: &mut Vec<SettingsError>) {
    if let Err(problem) = id.check() {
        errors.push(SettingsError::new(
            field,
            problem,
            "use the id `hotspotd asset add FILE` printed, e.g. \"<64 hex digits>.png\"",
        ));
    }
}

fn check_lengths(field: &str, text: &Localized, max: usize, errors: &mut Vec<SettingsError>) {
    for (lang, t) in &text.0 {
        let n = t.chars().count();
        if n > max {
            errors.push(SettingsError::new(
                format!("{field}.{lang}"),
                format!("is {n} characters long"),
                format!("shorten it to at most {max} characters"),
            ));
        }
        if t.chars().any(|c| c.is_control() && c != '\n') {
            errors.push(SettingsError::new(
                format!("{field}.{lang}"),
                "contains control characters",
                "remove them (line breaks are kept)",
            ));
        }
    }
}

/// Links guests follow: absolute http(s) URLs of printable ASCII (no `javascript:`, no
/// spaces or line breaks).
pub fn check_url(field: &str, url: &str, errors: &mut Vec<SettingsError>) {
    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
    let host = url.split("://").nth(1).unwrap_or("");
    if !scheme_ok
        || host.is_empty()
        || host.starts_with('/')
        || url.len() > MAX_URL
        || !url.bytes().all(|b| b.is_ascii_graphic())
    {
        errors.push(SettingsError::new(
            field,
            format!("{url:?} is not an http:// or https:// address"),
            format!(
                "give a full web address such as https://example.com/offers (at most {MAX_URL} characters, no spaces)"
            ),
        ));
    }
}

impl Design {
    /// Every image the design names, with its field.
    pub fn images(&self) -> Vec<(String, &AssetId)> {
        let mut out = Vec::new();
        if let Some(logo) = &self.logo {
            out.push(("design.logo".to_owned(), logo));
        }
        if let Some(bg) = &self.background_image {
            out.push(("design.background_image".to_owned(), bg));
        }
        for (i, b) in self.banners.iter().enumerate() {
            out.push((format!("design.banners[{i}].image"), &b.image));
        }
        out
    }

    /// The heading in `lang`; `None` when the venue wrote none (the page then greets with the
    /// hotspot's name).
    pub fn title_in(&self, lang: Lang, default: Lang) -> Option<&str> {
        Some(self.title.get(lang, default)).filter(|t| !t.trim().is_empty())
    }
}

#[cfg(test)]
mod tests;
