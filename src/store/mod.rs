//! SQLite storage, the source of truth for vouchers and sessions. Blocking: async callers go
//! through [`SharedStore::run`], which moves the work off the runtime.

mod access;
mod answers;
mod assets;
mod codes;
mod consents;
mod guests;
mod identity;
mod key;
mod migrations;
mod migrations_sync;
mod orders;
mod outbox;
#[cfg(test)]
mod outbox_tests;
mod profiles;
mod session_parts;
mod sessions;
mod settings;
mod social;
mod synced;
mod synced_entities;
mod synced_erasure;
#[cfg(test)]
mod synced_tests;
mod synced_usage;
mod users;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use thiserror::Error;

pub use crate::model::entities::{NewProfile, Profile, User};
pub use access::{GardenEntry, MacRule};
pub use answers::StoredAnswer;
pub use assets::AssetDir;
pub use codes::NewPending;
pub use consents::MarketingContact;
pub use guests::{EraseOutcome, GuestDevice, GuestSummary, GuestVisit};
pub use identity::{ManagerLink, REACHABLE_FOR_SECS, SyncState, Trust, UnitIdentity};
pub use key::{KeyError, load_or_create_key};
pub use orders::{ORDER_LIMITS, Order, OrderLimits, OrderRefusal, OrderState};
pub use outbox::OutboxStats;
pub use session_parts::{ProfileSwitch, SessionPart};
pub use sessions::{NewSession, SessionProgress, SessionRow};
pub use settings::{SaveError, Saved, SettingsRevision};
pub use synced::{Applied, SyncedChanges, SyncedVoucher};
pub use synced_entities::SyncedProfile;
pub use synced_usage::{SyncedUsage, UnitCounters};
pub use users::UsageDelta;

/// A storage failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A row holds a value the code does not understand (edited by hand, or a newer version).
    #[error("database holds an unreadable value in {column}: {value:?}")]
    Corrupt {
        /// Table and column.
        column: &'static str,
        /// The value.
        value: String,
    },
    /// The database was written by a newer hotspotd.
    #[error("database schema version {found} is newer than this hotspotd understands ({known})")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Latest version this binary knows.
        known: i64,
    },
    /// The database file's mode could not be made private.
    #[error("database file {path}: {source}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The blocking task running the query died.
    #[error("database task failed: {0}")]
    Task(String),
}

/// Reads a non-negative count stored as INTEGER.
pub(crate) fn to_u64(v: i64) -> u64 {
    v.max(0) as u64
}

/// Stores a count as INTEGER (saturating).
pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// An optional count as stored.
pub(crate) fn opt_i64(v: Option<u64>) -> Option<i64> {
    v.map(to_i64)
}

/// An optional count as read.
pub(crate) fn opt_u64(v: Option<i64>) -> Option<u64> {
    v.map(to_u64)
}

/// One connection to the database.
pub struct Store {
    conn: Connection,
    /// How often a running session's counters go to the manager, seconds (the daemon sets
    /// the configured cadence).
    interim_secs: i64,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        make_private(path)?;
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Another process (the CLI) may hold the write lock for a moment.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Store::init(conn)
    }

    /// A throwaway in-memory database (tests).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store, StoreError> {
        // Also turns foreign keys on for this connection.
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn,
            interim_secs: 60,
        })
    }
}

/// Creates the database file readable by its owner only, or takes group and other access
/// from an existing one and its WAL files: it holds password hashes and session history,
/// and SQLite gives the WAL and shared-memory files the database file's mode.
fn make_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::File { path, source }
    };
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(failed(path))?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = Path::new(&name);
        let mode = match std::fs::metadata(file) {
            Ok(meta) => meta.permissions().mode(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(failed(file)(e)),
        };
        if mode & 0o077 != 0 {
            let private = std::fs::Permissions::from_mode(mode & 0o700);
            std::fs::set_permissions(file, private).map_err(failed(file))?;
            tracing::warn!(file = %file.display(), "was readable by other users; made private");
        }
    }
    Ok(())
}

/// A store shared by async tasks.
#[derive(Clone)]
pub struct SharedStore(Arc<Mutex<Store>>);

impl SharedStore {
    /// Wraps a store.
    pub fn new(store: Store) -> Self {
        SharedStore(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` on a blocking thread with the store locked.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves SQLite consistent (transactions roll
            // back), so a poisoned lock is still safe to use.
            let mut store = inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut store)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

#[cfg(test)]
mod file_mode_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// Without the daemon's umask (the test process has its own, usually 022), in a directory
    /// others can read: the database and its WAL files are private, and an existing
    /// database left readable is tightened.
    #[test]
    fn database_files_are_private_whatever_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = dir.path().join("hotspotd.db");
        let store = Store::open(&db).unwrap();
        store
            .conn
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        for name in ["hotspotd.db", "hotspotd.db-wal", "hotspotd.db-shm"] {
            assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
        }
        drop(store);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _store = Store::open(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
    }
}
