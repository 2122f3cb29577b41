//! The design editor's form: which inputs it has (named by the document's dotted fields, so
//! the model's errors land at their input), their values, and the design a posted form makes
//! of the draft. Images are not form text: they are uploaded, or removed by a checkbox.

use crate::model::settings::design::{Banner, Day, Design, Font};
use crate::model::settings::{HotspotSettings, Lang, Localized, SettingsError};

/// How an input is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text.
    Text,
    /// A paragraph.
    Area,
    /// `#rrggbb`.
    Colour,
    /// A day, `YYYY-MM-DD`.
    Date,
    /// A web address.
    Url,
    /// The font list.
    Font,
}

/// One input of the form.
pub struct Input {
    /// Its dotted field, also its `name`.
    pub name: String,
    /// Its label.
    pub label: String,
    /// How to fill it in (may be empty).
    pub hint: &'static str,
    /// How it is shown.
    pub kind: Kind,
    /// The value shown.
    pub value: String,
    /// What the model said about it.
    pub errors: Vec<SettingsError>,
}

impl Input {
    /// The element id.
    pub fn id(&self) -> String {
        self.name.replace(['.', '[', ']'], "-")
    }
    /// Whether it is shown as `kind` (`text`, `area`, `colour`, `date`, `url`, `font`).
    pub fn is(&self, kind: &str) -> bool {
        matches!(
            (self.kind, kind),
            (Kind::Text, "text")
                | (Kind::Area, "area")
                | (Kind::Colour, "colour")
                | (Kind::Date, "date")
                | (Kind::Url, "url")
                | (Kind::Font, "font")
        )
    }
}

/// A titled group of inputs.
pub struct Group {
    /// Its heading.
    pub title: String,
    /// Its inputs.
    pub inputs: Vec<Input>,
}

/// The fonts offered, with their labels.
pub const FONTS: [(&str, &str); 5] = [
    ("system", "The device's own font"),
    ("humanist", "Humanist sans-serif"),
    ("serif", "Serif"),
    ("rounded", "Rounded"),
    ("mono", "Monospaced"),
];

const COLOURS: [(&str, &str); 6] = [
    ("page", "Page background"),
    ("card", "Card background"),
    ("title", "Title"),
    ("text", "Text and links"),
    ("button", "Buttons"),
    ("button_text", "Button labels"),
];

fn localized(l: &Localized, lang: Lang) -> String {
    l.0.get(&lang).cloned().unwrap_or_default()
}

fn font_name(f: Font) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn input(name: String, label: String, hint: &'static str, kind: Kind, value: String) -> Input {
    Input {
        name,
        label,
        hint,
        kind,
        value,
        errors: Vec::new(),
    }
}

/// The form's groups for `d`; with `posted`, the values as sent (a refused form keeps them),
/// and every error at the input it names.
pub fn groups(
    d: &Design,
    posted: Option<&[(String, String)]>,
    errors: &[SettingsError],
) -> Vec<Group> {
    let mut out = vec![look(d)];
    out.extend(Lang::ALL.into_iter().map(|lang| texts(d, lang)));
    out.extend(d.banners.iter().enumerate().map(|(i, b)| banner(i, b)));
    for g in &mut out {
        for i in &mut g.inputs {
            if let Some(v) = posted.and_then(|p| value(p, &i.name)) {
                i.value = v.to_string();
            }
            i.errors = (errors.iter())
                .filter(|e| e.field == i.name || e.field.starts_with(&format!("{}.", i.name)))
                .cloned()
                .collect();
        }
    }
    out
}

/// Colours, font and the after-login address.
fn look(d: &Design) -> Group {
    let c = &d.colours;
    let values = [
        &c.page,
        &c.card,
        &c.title,
        &c.text,
        &c.button,
        &c.button_text,
    ];
    let mut inputs: Vec<Input> = (COLOURS.iter().zip(values))
        .map(|((key, label), value)| {
            let hint = "# and six hex digits, e.g. #0b5394";
            let name = format!("design.colours.{key}");
            input(name, (*label).into(), hint, Kind::Colour, value.to_string())
        })
        .collect();
    let font = font_name(d.font);
    inputs.push(input(
        "design.font".into(),
        "Font".into(),
        "",
        Kind::Font,
        font,
    ));
    let url = d.after_login_url.clone().unwrap_or_default();
    let hint = "where guests go after logging in; empty: the page they asked for";
    let name = "design.after_login_url".into();
    inputs.push(input(name, "After login".into(), hint, Kind::Url, url));
    Group {
        title: "Colours and font".into(),
        inputs,
    }
}

/// Title, subtitle and description in `lang`.
fn texts(d: &Design, lang: Lang) -> Group {
    let name = lang.native_name();
    let texts = [
        ("title", "Title", Kind::Text, &d.title),
        ("subtitle", "Subtitle", Kind::Text, &d.subtitle),
        ("description", "Description", Kind::Area, &d.description),
    ];
    let inputs = (texts.into_iter())
        .map(|(key, label, kind, l)| {
            let hint = if key == "title" {
                "empty: \"Welcome to\" and the hotspot's name"
            } else {
                ""
            };
            let field = format!("design.{key}.{lang}");
            let label = format!("{label} ({name})");
            input(field, label, hint, kind, localized(l, lang))
        })
        .collect();
    Group {
        title: format!("Texts in {name}"),
        inputs,
    }
}

/// Banner `i`: its link, days and text per language (its image is uploaded).
fn banner(i: usize, b: &Banner) -> Group {
    let n = i + 1;
    let day = |d: Option<Day>| {
        d.map(|d| d.0.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let field = |f: &str| format!("design.banners[{i}].{f}");
    let link = b.link.clone().unwrap_or_default();
    let mut inputs = vec![
        input(
            field("link"),
            format!("Banner {n}: link"),
            "empty: no link",
            Kind::Url,
            link,
        ),
        input(
            field("from"),
            format!("Banner {n}: first day"),
            "YYYY-MM-DD; empty: from now",
            Kind::Date,
            day(b.from),
        ),
        input(
            field("until"),
            format!("Banner {n}: last day"),
            "YYYY-MM-DD; empty: no end",
            Kind::Date,
            day(b.until),
        ),
    ];
    for lang in Lang::ALL {
        let label = format!("Banner {n}: what it shows ({})", lang.native_name());
        let text = localized(&b.alt, lang);
        inputs.push(input(
            field(&format!("alt.{lang}")),
            label,
            "",
            Kind::Text,
            text,
        ));
    }
    Group {
        title: format!("Banner {n}"),
        inputs,
    }
}

fn value<'a>(posted: &'a [(String, String)], name: &str) -> Option<&'a str> {
    posted
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The design a posted form makes of `base`: every input of the form applied through the
/// model's `with_field` (so a refusal names its field), removed images taken out, empty
/// texts dropped (the page then falls back to the default language). `doc` is the document
/// in force, for the other sections.
pub fn apply(
    doc: &HotspotSettings,
    base: &Design,
    posted: &[(String, String)],
) -> Result<Design, Vec<SettingsError>> {
    let mut work = HotspotSettings {
        design: base.clone(),
        ..doc.clone()
    };
    let mut errors = Vec::new();
    for g in groups(base, None, &[]) {
        for i in g.inputs {
            let Some(v) = value(posted, &i.name) else {
                continue;
            };
            let v = v.trim();
            let v = match i.kind {
                Kind::Url | Kind::Date if v.is_empty() => "null",
                _ => v,
            };
            match work.with_field(&i.name, v) {
                Ok(w) => work = w,
                Err(e) => errors.push(e),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut d = work.design;
    let removed: Vec<&str> = (posted.iter())
        .filter(|(k, _)| k == "remove")
        .map(|(_, v)| v.as_str())
        .collect();
    if removed.contains(&"design.logo") {
        d.logo = None;
    }
    if removed.contains(&"design.background_image") {
        d.background_image = None;
    }
    let mut i = 0;
    d.banners.retain(|_| {
        i += 1;
        !removed.contains(&format!("design.banners[{}]", i - 1).as_str())
    });
    for l in [&mut d.title, &mut d.subtitle, &mut d.description] {
        l.0.retain(|_, t| !t.trim().is_empty());
    }
    for b in &mut d.banners {
        b.alt.0.retain(|_, t| !t.trim().is_empty());
    }
    Ok(d)
}
