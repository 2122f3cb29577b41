//! SQLite storage, the source of truth for vouchers and sessions. Blocking: async callers go
//! through [`SharedStore::run`], which moves the work off the runtime.

mod access;
mod key;
mod migrations;
mod orders;
mod profiles;
mod session_parts;
mod sessions;
mod users;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use thiserror::Error;

pub use access::{GardenEntry, MacRule};
pub use key::{KeyError, load_or_create_key};
pub use orders::{Order, OrderState};
pub use profiles::{NewProfile, Profile};
pub use session_parts::{ProfileSwitch, SessionPart};
pub use sessions::{NewSession, SessionProgress, SessionRow};
pub use users::{UsageDelta, User};

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
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
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
        Ok(Store { conn })
    }
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
