//! The gateway's secret key for voucher hashes: 32 bytes from the OS CSPRNG, created once,
//! readable by root only.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rand::TryRngCore;
use rand::rngs::OsRng;
use thiserror::Error;

const KEY_LEN: usize = 32;

/// The key file could not be read or created.
#[derive(Debug, Error)]
pub enum KeyError {
    /// File system error.
    #[error("voucher key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file exists with the wrong size (truncated or not ours).
    #[error(
        "voucher key {path} has {len} bytes, expected {KEY_LEN}; restore it from backup (without it no existing voucher can log in)"
    )]
    BadLength {
        /// The key file.
        path: PathBuf,
        /// Its size.
        len: usize,
    },
    /// The random source failed.
    #[error("system random number generator failed: {0}")]
    Random(String),
}

/// Reads the key at `path`, creating it (mode 0600) on first use.
pub fn load_or_create_key(path: &Path) -> Result<Vec<u8>, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::File::open(path) {
        Ok(mut file) => {
            let mut key = Vec::new();
            file.read_to_end(&mut key).map_err(io)?;
            if key.len() != KEY_LEN {
                return Err(KeyError::BadLength {
                    path: path.to_path_buf(),
                    len: key.len(),
                });
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = vec![0u8; KEY_LEN];
            OsRng
                .try_fill_bytes(&mut key)
                .map_err(|e| KeyError::Random(e.to_string()))?;
            // create_new: two processes racing cannot both write a different key.
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
            file.write_all(&key).map_err(io)?;
            file.sync_all().map_err(io)?;
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("voucher.key");
        let a = load_or_create_key(&path).unwrap();
        let b = load_or_create_key(&path).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), KEY_LEN);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(
            load_or_create_key(&path),
            Err(KeyError::BadLength { len: 5, .. })
        ));
    }
}
