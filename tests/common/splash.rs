//! A venue's splash design in the lab: images made here, stored with `hotspotd asset add`, and
//! a design put in force with `hotspotd settings import`.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use serde_json::{Value, json};

use super::lab::Lab;

/// A logo with a transparent background (stored as PNG).
pub fn logo() -> Vec<u8> {
    let img = RgbaImage::from_fn(360, 120, |x, y| {
        let (cx, cy) = (x as i32 - 60, y as i32 - 60);
        if cx * cx + cy * cy < 50 * 50 || (130..340).contains(&x) && (40..80).contains(&y) {
            Rgba([122, 31, 31, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    encode(DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

/// A photo-like banner, larger than stored (scaled to 1024 px wide).
pub fn banner() -> Vec<u8> {
    let img = RgbImage::from_fn(1600, 480, |x, y| {
        let t = x as f32 / 1600.0;
        let s = y as f32 / 480.0;
        Rgb([
            (200.0 - 80.0 * s) as u8,
            (120.0 + 60.0 * t) as u8,
            (60.0 + 40.0 * (t * 6.0).sin().abs()) as u8,
        ])
    });
    encode(DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
}

fn encode(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// Stores an image with the CLI and returns its id.
pub fn add_asset(lab: &Lab, name: &str, bytes: &[u8]) -> String {
    let path = lab.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = lab.ok(&["asset", "add", "--json", path.to_str().unwrap()]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// Puts `design` in force through the settings CLI (applied live by the daemon).
pub fn set_design(lab: &Lab, design: Value) {
    let mut doc: Value = serde_json::from_str(&lab.ok(&["settings", "show", "--json"])).unwrap();
    doc["design"] = design;
    doc["default_language"] = json!("en");
    let path = lab.dir.path().join("settings.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    lab.ok(&["settings", "import", path.to_str().unwrap()]);
}

/// A café's design: logo, one banner with a link, dark red buttons and titles, a serif font,
/// texts in English and Italian.
pub fn cafe_design(logo: &str, banner: &str) -> Value {
    json!({
        "logo": logo,
        "banners": [{"image": banner, "link": "https://barroma.example/menu",
                     "alt": {"en": "Aperitivo from 6 pm", "it": "Aperitivo dalle 18"}}],
        "colours": {"page": "#f3ece2", "card": "#fffdf8", "title": "#7a1f1f", "text": "#2b2118",
                    "button": "#7a1f1f", "button_text": "#ffffff"},
        "font": "serif",
        "title": {"en": "Welcome to Bar Roma", "it": "Benvenuti al Bar Roma"},
        "subtitle": {"en": "Free Wi-Fi for our guests", "it": "Wi-Fi gratuito per i clienti"},
        "description": {"en": "Espresso, cornetti and a fast connection.",
                        "it": "Espresso, cornetti e una connessione veloce."}
    })
}
