//! Splash images as files `data_dir/assets/<sha256>.<ext>`: written once by `hotspotd asset
//! add` (already checked and re-encoded by `model::asset`), read by the portal. A file's name
//! is the hash of its content, so a file never changes once written.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::model::asset::{AssetId, PreparedAsset};

impl super::Store {
    /// The images beside this database (none for an in-memory one).
    pub fn assets(&self) -> Option<AssetDir> {
        let db = Path::new(self.conn.path().filter(|p| !p.is_empty())?);
        Some(AssetDir::new(db.parent()?))
    }
}

/// The directory of stored images.
#[derive(Debug, Clone)]
pub struct AssetDir(PathBuf);

impl AssetDir {
    /// The images of the data directory `data_dir`.
    pub fn new(data_dir: &Path) -> AssetDir {
        AssetDir(data_dir.join("assets"))
    }

    /// The file of `id`, if the id is well formed (so no id can name a path elsewhere).
    fn path(&self, id: &AssetId) -> Option<PathBuf> {
        id.check().ok().map(|()| self.0.join(id.as_str()))
    }

    /// Stores an image; `false` if it was stored already. Written to a temporary file and
    /// renamed, so a reader never sees half an image; readable by owner and group (0640).
    pub fn put(&self, asset: &PreparedAsset) -> std::io::Result<bool> {
        self.put_bytes(&asset.id, &asset.bytes)
    }

    /// Stores the bytes of image `id` as they are (the caller checked that they hash to it,
    /// e.g. an image the manager prepared); `false` if it was stored already.
    pub fn put_bytes(&self, id: &AssetId, bytes: &[u8]) -> std::io::Result<bool> {
        let Some(path) = self.path(id) else {
            return Err(std::io::Error::other(format!("bad asset id {id}")));
        };
        if path.exists() {
            return Ok(false);
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o750)
            .create(&self.0)?;
        let tmp = self.0.join(format!(".{id}.tmp{}", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o640)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(true)
    }

    /// Whether the image `id` is stored.
    pub fn contains(&self, id: &AssetId) -> bool {
        self.path(id).is_some_and(|p| p.is_file())
    }

    /// An image's bytes, or `None` if no such image is stored.
    pub fn get(&self, id: &AssetId) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path(id) else {
            return Ok(None);
        };
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every stored image's id and size in bytes, sorted by id.
    pub fn list(&self) -> std::io::Result<Vec<(AssetId, u64)>> {
        let entries = match std::fs::read_dir(&self.0) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if let Some(id) = name.to_str().and_then(|n| AssetId::parse(n).ok()) {
                out.push((id, entry.metadata()?.len()));
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::model::asset::prepare;

    #[test]
    fn an_image_is_stored_once_readable_by_owner_and_group_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let assets = AssetDir::new(dir.path());
        let png = {
            let img = image::RgbImage::from_pixel(8, 8, image::Rgb([9, 99, 199]));
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png).unwrap();
            out.into_inner()
        };
        let asset = prepare(&png).unwrap();
        assert!(assets.put(&asset).unwrap());
        assert!(!assets.put(&asset).unwrap(), "already stored");
        assert_eq!(assets.get(&asset.id).unwrap(), Some(asset.bytes.clone()));
        let mode = std::fs::metadata(dir.path().join("assets").join(asset.id.as_str()))
            .unwrap()
            .permissions()
            .mode();
        // 0640 under the test's umask; the CLI's umask (077) makes it 0600.
        assert_eq!(mode & 0o137, 0, "{mode:o}");
        assert_eq!(
            assets.list().unwrap(),
            vec![(asset.id.clone(), asset.bytes.len() as u64)]
        );
        let other = AssetId::parse(&format!("{}.png", "0".repeat(64))).unwrap();
        assert_eq!(assets.get(&other).unwrap(), None);
    }
}
