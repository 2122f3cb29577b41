//! Images the venue adds to its splash page (logo, background, banners). A file is recognised
//! by its content, never its name; checked for size and pixel count before it is decoded (a
//! small file can claim a huge picture); decoded, scaled down, and re-encoded, so what guests
//! get is a plain image we wrote ourselves; and named by the SHA-256 of those bytes.

use std::fmt;
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The largest file accepted.
pub const MAX_INPUT_BYTES: u64 = 5 * 1024 * 1024;
/// The most pixels a picture may claim (decoding takes 4 bytes a pixel).
pub const MAX_PIXELS: u64 = 40_000_000;
/// The longest side a picture may claim.
pub const MAX_SIDE: u32 = 16_384;
/// The longest side of a stored image: larger ones are scaled down.
pub const STORED_SIDE: u32 = 1_024;
/// JPEG quality of stored photos.
const JPEG_QUALITY: u8 = 82;

/// Why a file is refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AssetError {
    /// Bigger than [`MAX_INPUT_BYTES`].
    #[error(
        "the file is {0} bytes; images up to 5 MB are accepted; fix: save it smaller (e.g. at most 2000 px wide)"
    )]
    TooLarge(u64),
    /// An SVG (it can carry scripts).
    #[error("SVG is not accepted (an SVG can carry scripts); fix: export it as PNG")]
    Svg,
    /// Not one of the formats we read.
    #[error(
        "the file is not a PNG, JPEG, WebP or GIF image (recognised by its content, not its name); fix: export it as PNG or JPEG"
    )]
    NotAnImage,
    /// Claims too many pixels.
    #[error(
        "the image is {0}×{1} pixels; at most 40 megapixels and {MAX_SIDE} px a side are accepted; fix: scale it down first"
    )]
    TooManyPixels(u32, u32),
    /// The content does not decode.
    #[error("the image could not be read (damaged or cut short): {0}; fix: export it again")]
    Damaged(String),
    /// Our encoder failed.
    #[error("the image could not be re-encoded: {0}")]
    Encode(String),
}

/// An image ready to store: its id and the bytes guests get.
#[derive(Debug, Clone)]
pub struct PreparedAsset {
    /// `<sha256 of bytes>.<ext>`.
    pub id: AssetId,
    /// The re-encoded image.
    pub bytes: Vec<u8>,
    /// Stored size in pixels.
    pub width: u32,
    /// Stored size in pixels.
    pub height: u32,
}

/// A stored image's name: the SHA-256 of its bytes in lower-case hex, a dot, and `png` or
/// `jpg`. Kept as written, so a bad id in the settings is reported by field by `check`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetId(String);

/// The kinds of stored image, by extension.
const KINDS: [(&str, &str); 2] = [("png", "image/png"), ("jpg", "image/jpeg")];

impl AssetId {
    /// An id from its text, if well formed.
    pub fn parse(text: &str) -> Result<AssetId, String> {
        let id = AssetId(text.to_owned());
        id.check().map(|()| id)
    }

    /// Whether the id is well formed: 64 lower-case hex digits, `.png` or `.jpg`.
    pub fn check(&self) -> Result<(), String> {
        let ok = self.0.split_once('.').is_some_and(|(hash, ext)| {
            hash.len() == 64
                && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && KINDS.iter().any(|(e, _)| *e == ext)
        });
        if ok {
            Ok(())
        } else {
            Err(format!("{:?} is not an asset id", self.0))
        }
    }

    /// The MIME type guests get it with.
    pub fn content_type(&self) -> &'static str {
        let ext = self.0.rsplit('.').next().unwrap_or("");
        (KINDS.iter())
            .find(|(e, _)| *e == ext)
            .map_or("application/octet-stream", |(_, t)| t)
    }

    /// The SHA-256 part (the entity tag).
    pub fn hash(&self) -> &str {
        self.0.split('.').next().unwrap_or("")
    }

    /// The id as text (also the file name and the URL's last segment).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether the bytes are SVG (XML text with an `<svg` element near the start, or a gzipped
/// SVGZ is caught as "not an image").
fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with("<?xml") || text.starts_with("<svg") || text.contains("<svg")
}

/// Checks, decodes, scales and re-encodes an image file's content.
pub fn prepare(bytes: &[u8]) -> Result<PreparedAsset, AssetError> {
    let len = bytes.len() as u64;
    if len > MAX_INPUT_BYTES {
        return Err(AssetError::TooLarge(len));
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif)) => f,
        _ if looks_like_svg(bytes) => return Err(AssetError::Svg),
        _ => return Err(AssetError::NotAnImage),
    };
    let reader = |limits: Limits| {
        let mut r = ImageReader::with_format(Cursor::new(bytes), format);
        r.limits(limits);
        r
    };
    // The header alone first: a few hundred bytes can claim gigapixels.
    let (w, h) = reader(Limits::default())
        .into_dimensions()
        .map_err(|e| AssetError::Damaged(e.to_string()))?;
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(AssetError::TooManyPixels(w, h));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
    let image = reader(limits)
        .decode()
        .map_err(|e| AssetError::Damaged(e.to_string()))?;
    let image = if w.max(h) > STORED_SIDE {
        image.resize(STORED_SIDE, STORED_SIDE, FilterType::CatmullRom)
    } else {
        image
    };
    let bytes_and_ext = encode(
        &image,
        matches!(format, ImageFormat::Png | ImageFormat::Gif),
    )?;
    let (bytes, ext) = bytes_and_ext;
    let id = AssetId(format!("{}.{ext}", hex::encode(Sha256::digest(&bytes))));
    Ok(PreparedAsset {
        id,
        bytes,
        width: image.width(),
        height: image.height(),
    })
}

/// PNG for images with transparency; otherwise JPEG for photos, and for drawings (a lossless
/// source) whichever of PNG and JPEG is smaller.
fn encode(
    image: &DynamicImage,
    lossless_source: bool,
) -> Result<(Vec<u8>, &'static str), AssetError> {
    let transparent = image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p.0[3] < 255);
    if transparent {
        return Ok((png(&DynamicImage::ImageRgba8(image.to_rgba8()))?, "png"));
    }
    let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| AssetError::Encode(e.to_string()))?;
    if lossless_source {
        let png = png(&rgb)?;
        if png.len() <= jpeg.len() {
            return Ok((png, "png"));
        }
    }
    Ok((jpeg, "jpg"))
}

fn png(image: &DynamicImage) -> Result<Vec<u8>, AssetError> {
    let mut out = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, PngFilter::Adaptive);
    image
        .write_with_encoder(encoder)
        .map_err(|e| AssetError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
