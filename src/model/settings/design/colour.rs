//! Colours as the venue writes them (`#rrggbb`) and their contrast as WCAG 2.x measures it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A colour `#rrggbb`. Kept as written, so a bad value is reported by field by `validate`
/// rather than refused by the parser without a name; the page only ever gets
/// [`Colour::css`], rebuilt from the parsed bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Colour(String);

impl Colour {
    /// A colour from `#rrggbb` (either case).
    pub fn parse(hex: &str) -> Result<Colour, String> {
        let c = Colour(hex.to_owned());
        c.rgb().map(|_| c)
    }

    /// The red, green and blue bytes, or why the text is not a colour.
    pub fn rgb(&self) -> Result<[u8; 3], String> {
        let digits = self
            .0
            .strip_prefix('#')
            .filter(|d| d.len() == 6 && d.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(d) = digits else {
            return Err(format!(
                "{:?} is not a colour written #rrggbb, e.g. #0b5394",
                self.0
            ));
        };
        let byte = |i: usize| u8::from_str_radix(&d[i..i + 2], 16).unwrap_or(0);
        Ok([byte(0), byte(2), byte(4)])
    }

    /// The colour for a style sheet: `#rrggbb` in lower case, rebuilt from the bytes (black
    /// for a value that does not parse, which validation never lets through).
    pub fn css(&self) -> String {
        let [r, g, b] = self.rgb().unwrap_or([0, 0, 0]);
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// Relative luminance (WCAG 2.x): sRGB channels linearised, weighted 0.2126, 0.7152,
    /// 0.0722.
    pub fn luminance(&self) -> f64 {
        let [r, g, b] = self.rgb().unwrap_or([0, 0, 0]);
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.css())
    }
}

/// The WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white).
pub fn contrast_ratio(a: &Colour, b: &Colour) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}
