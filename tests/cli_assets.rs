//! `hotspotd asset add`: images recognised by content, checked before decoding, re-encoded and
//! stored by hash; anything else refused with a clear message and nothing stored.

mod common;

use std::io::Cursor;

use common::cli::CliSetup;
use image::{DynamicImage, ImageFormat, RgbImage};
use sha2::{Digest, Sha256};

fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn add(cli: &CliSetup, name: &str, bytes: &[u8]) -> std::process::Output {
    let path = cli.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    cli.run(&["asset", "add", path.to_str().unwrap(), "--json"])
}

#[test]
fn an_image_is_scaled_reencoded_and_stored_under_its_hash() {
    let cli = CliSetup::new();
    // A WebP named .gif: the content decides.
    let out = add(&cli, "photo.gif", &picture(3000, 1500, ImageFormat::WebP));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = v["id"].as_str().unwrap();
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1024), Some(512))
    );
    assert_eq!(v["new"], true);
    let stored = std::fs::read(cli.dir.path().join("data/assets").join(id)).unwrap();
    assert_eq!(format!("{}.jpg", hex::encode(Sha256::digest(&stored))), id);
    // Adding it again stores nothing new.
    let again = add(&cli, "photo.gif", &picture(3000, 1500, ImageFormat::WebP));
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (v["id"].as_str(), &v["new"]),
        (Some(id), &serde_json::json!(false))
    );
    let list = String::from_utf8(cli.run(&["asset", "list"]).stdout).unwrap();
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.starts_with(id), "{list}");
}

#[test]
fn fakes_svg_truncations_bombs_and_oversized_files_are_refused_and_nothing_is_stored() {
    let cli = CliSetup::new();
    let png = picture(300, 200, ImageFormat::Png);
    let mut bomb = picture(4, 4, ImageFormat::Png);
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let mut big = picture(64, 64, ImageFormat::Png);
    big.resize(5 * 1024 * 1024 + 1, 0);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>fetch('//x')</script></svg>"#;
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "logo.png",
            b"this is text, not a picture\n",
            "not a PNG, JPEG, WebP or GIF image",
        ),
        ("cut.png", &png[..png.len() / 2], "damaged or cut short"),
        (
            "logo.svg",
            svg,
            "SVG is not accepted (an SVG can carry scripts); fix: export it as PNG",
        ),
        ("bomb.png", &bomb, "60000×60000 pixels"),
        ("huge.png", &big, "over 5 MB"),
    ];
    for (name, bytes, message) in cases {
        let out = add(&cli, name, bytes);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name} accepted");
        assert!(err.starts_with("error: <FILE>: "), "{name}: {err}");
        assert!(err.contains(message), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
    }
    assert!(
        !cli.dir.path().join("data/assets").exists()
            || std::fs::read_dir(cli.dir.path().join("data/assets"))
                .unwrap()
                .next()
                .is_none()
    );
    assert_eq!(cli.run(&["asset", "list"]).stdout, b"");
}
