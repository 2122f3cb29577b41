use image::{ImageBuffer, Rgb, Rgba};

use super::*;

/// A picture with detail (a photo-like gradient with noise) in `format`.
pub fn photo(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 32;
        Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, (128 + n) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// A logo with a transparent background.
fn transparent_logo() -> Vec<u8> {
    let img = ImageBuffer::from_fn(300, 100, |x, _| {
        if x < 150 {
            Rgba([200, 30, 30, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(img)
        .write_to(&mut out, ImageFormat::Png)
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

/// A valid small PNG whose header claims `w`×`h` (a decompression bomb's header).
pub fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut png = photo(4, 4, ImageFormat::Png);
    // Signature (8), IHDR length (4), "IHDR" (4), width and height (8).
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[test]
fn a_big_photo_is_scaled_to_1024_and_stored_as_jpeg_named_by_its_hash() {
    let a = prepare(&photo(2000, 1000, ImageFormat::Jpeg)).unwrap();
    assert_eq!((a.width, a.height), (1024, 512));
    assert!(a.id.as_str().ends_with(".jpg"), "{}", a.id);
    assert_eq!(a.id.hash(), hex::encode(Sha256::digest(&a.bytes)));
    assert_eq!(image::guess_format(&a.bytes).unwrap(), ImageFormat::Jpeg);
    assert_eq!(a.id.content_type(), "image/jpeg");
    // Preparing is deterministic: the same file gets the same id.
    assert_eq!(
        prepare(&photo(2000, 1000, ImageFormat::Jpeg)).unwrap().id,
        a.id
    );
}

#[test]
fn transparency_is_kept_as_png() {
    let a = prepare(&transparent_logo()).unwrap();
    assert!(a.id.as_str().ends_with(".png"), "{}", a.id);
    assert_eq!((a.width, a.height), (300, 100));
    let back = image::load_from_memory(&a.bytes).unwrap().to_rgba8();
    assert_eq!(back.get_pixel(299, 0).0[3], 0);
}

#[test]
fn webp_and_gif_are_read_by_content_whatever_their_name() {
    for format in [ImageFormat::WebP, ImageFormat::Gif, ImageFormat::Png] {
        let a = prepare(&photo(64, 48, format)).unwrap();
        assert_eq!((a.width, a.height), (64, 48), "{format:?}");
        assert!(AssetId::parse(a.id.as_str()).is_ok());
    }
}

#[test]
fn fakes_svg_bombs_truncations_and_oversized_files_are_refused() {
    assert_eq!(
        prepare(b"just some text, named logo.png").unwrap_err(),
        AssetError::NotAnImage
    );
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    assert_eq!(prepare(svg).unwrap_err(), AssetError::Svg);
    assert_eq!(
        prepare(b"  <svg onload=\"x()\"/>").unwrap_err(),
        AssetError::Svg
    );
    assert!(AssetError::Svg.to_string().contains("export it as PNG"));
    assert_eq!(
        prepare(&png_claiming(100_000, 100_000)).unwrap_err(),
        AssetError::TooManyPixels(100_000, 100_000)
    );
    assert_eq!(
        prepare(&png_claiming(8_000, 6_000)).unwrap_err(),
        AssetError::TooManyPixels(8_000, 6_000)
    );
    let png = photo(200, 200, ImageFormat::Png);
    assert!(matches!(
        prepare(&png[..png.len() / 2]),
        Err(AssetError::Damaged(_))
    ));
    let big = vec![0u8; MAX_INPUT_BYTES as usize + 1];
    assert_eq!(
        prepare(&big).unwrap_err(),
        AssetError::TooLarge(MAX_INPUT_BYTES + 1)
    );
}

#[test]
fn asset_ids_are_checked_strictly() {
    let hash = "a".repeat(64);
    assert!(AssetId::parse(&format!("{hash}.png")).is_ok());
    for bad in [
        format!("{hash}.svg"),
        format!("{}.png", "A".repeat(64)),
        format!("{}.png", "a".repeat(63)),
        format!("../{hash}.png"),
        "x.png".to_string(),
        String::new(),
    ] {
        assert!(AssetId::parse(&bad).is_err(), "{bad}");
    }
}
