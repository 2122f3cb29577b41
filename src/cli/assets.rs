//! `hotspotd asset …`: images for the splash page (logo, background, banners), stored in the
//! data directory by content hash; the design names them by the id printed here.

use std::io::Read;
use std::path::Path;

use clap::Subcommand;
use serde_json::json;

use super::CliError;
use super::error::bad_argument;
use crate::config::StatePaths;
use crate::model::asset::{MAX_INPUT_BYTES, prepare};
use crate::store::AssetDir;

/// `hotspotd asset …`
#[derive(Debug, Subcommand)]
pub enum AssetCommand {
    /// Add an image (PNG, JPEG, WebP or GIF, recognised by content; at most 5 MB and 40
    /// megapixels): it is scaled to at most 1024 px a side, re-encoded, stored, and its id
    /// printed for the design's `logo`, `background_image` or a banner's `image`.
    Add {
        /// The image file.
        file: std::path::PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// The stored images.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an asset command.
pub fn asset(paths: &StatePaths, cmd: &AssetCommand) -> Result<String, CliError> {
    let dir = AssetDir::new(&paths.data_dir);
    let io = |what: &str| {
        let what = what.to_string();
        move |e: std::io::Error| CliError::Refused(format!("{what}: {e}"))
    };
    match cmd {
        AssetCommand::Add { file, json } => {
            let bytes = read_capped(file)?;
            let asset = prepare(&bytes).map_err(|e| bad_argument("<FILE>", e))?;
            let new = dir.put(&asset).map_err(io("cannot store the image"))?;
            if *json {
                return Ok(format!(
                    "{}\n",
                    json!({"id": asset.id, "width": asset.width, "height": asset.height,
                           "bytes": asset.bytes.len(), "new": new})
                ));
            }
            Ok(format!(
                "{}\n{}×{} px, {} bytes{}\n",
                asset.id,
                asset.width,
                asset.height,
                asset.bytes.len(),
                if new { "" } else { " (already stored)" }
            ))
        }
        AssetCommand::List { json } => {
            let list = dir.list().map_err(io("cannot list the images"))?;
            if *json {
                let rows: Vec<_> = (list.iter())
                    .map(|(id, len)| json!({"id": id, "bytes": len}))
                    .collect();
                return Ok(format!("{}\n", serde_json::Value::from(rows)));
            }
            Ok(list
                .iter()
                .map(|(id, len)| format!("{id}  {len} bytes\n"))
                .collect())
        }
    }
}

/// The file's content, refusing one over the size cap without reading it all.
fn read_capped(file: &Path) -> Result<Vec<u8>, CliError> {
    let unreadable = |e: std::io::Error| bad_argument("<FILE>", format!("{}: {e}", file.display()));
    let f = std::fs::File::open(file).map_err(unreadable)?;
    let mut bytes = Vec::new();
    f.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(bad_argument(
            "<FILE>",
            format!(
                "{} is over 5 MB; images up to 5 MB are accepted; fix: save it smaller",
                file.display()
            ),
        ));
    }
    Ok(bytes)
}
