//! The manager's own database, chosen at run time by URL: SQLite (`sqlite://PATH`, the
//! default, through the gateway's rusqlite: one SQLite library in the binary) or PostgreSQL
//! (`postgres://…`, through tokio-postgres). Queries are written once with `$1`-style
//! parameters and run inside one blocking closure per transaction, so every area's code is
//! the same on both backends; the dialects differ only in the migration lists.

mod listen;
mod migrations;
mod migrations_design;
mod migrations_indexes;
mod migrations_profiles;
mod migrations_rights;
mod migrations_rollups;
mod migrations_social;
mod migrations_sso;
mod migrations_sync;
mod postgres;
mod sqlite;
mod value;

use std::sync::Arc;

use thiserror::Error;

pub use migrations::{Migration, POSTGRES, SQLITE};
pub use value::{Row, Value};

use crate::manager::sync::notify::Wakers;

/// A database failure. Its text is for logs only; users see a generic message.
#[derive(Debug, Error)]
pub enum DbError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("postgres pool: {0}")]
    Pool(String),
    /// A unique constraint refused the write (a name already taken).
    #[error("unique constraint: {0}")]
    Unique(String),
    /// A value read back is not what the column should hold.
    #[error("unexpected value in column {0}")]
    Type(usize),
    /// The URL names no backend we have.
    #[error("database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/NAME")]
    Url(String),
    /// The database was migrated by a newer hotspotd.
    #[error("database schema version {found} is newer than this hotspotd knows ({known})")]
    TooNew {
        /// Version found.
        found: i64,
        /// Latest version known.
        known: i64,
    },
    /// The blocking task running the transaction died.
    #[error("database task failed: {0}")]
    Task(String),
}

/// One open connection inside a transaction: the only thing area code sees.
pub trait Conn {
    /// Rows of a query.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Rows changed by a statement.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;

    /// Marks that this transaction appended to `hotspot`'s sync change feed
    /// (`manager::sync::feed::append`): once it commits, the long-polls waiting on the hotspot
    /// wake. [`Db::tx`] hands every transaction a connection that records it.
    fn feed_touched(&mut self, _hotspot: i64) -> Result<(), DbError> {
        Ok(())
    }

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// A handle on the manager's database (cheap to clone), with the in-process wakers of the
/// sync change feed that its commits wake.
#[derive(Clone)]
pub struct Db(Arc<Backend>, Arc<Wakers>);

/// A transaction's connection that records the hotspots whose feed it appended to.
struct Tracking<'a> {
    inner: &'a mut dyn Conn,
    touched: Vec<i64>,
    postgres: bool,
}

impl Conn for Tracking<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        self.inner.query(sql, params)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        self.inner.execute(sql, params)
    }

    fn feed_touched(&mut self, hotspot: i64) -> Result<(), DbError> {
        self.touched.push(hotspot);
        if self.postgres {
            // Delivered at commit to every manager instance listening (`listen`), this one too.
            self.inner.execute(
                "SELECT pg_notify($1, $2)",
                &[listen::CHANNEL.into(), hotspot.to_string().into()],
            )?;
        }
        Ok(())
    }
}

enum Backend {
    Sqlite(sqlite::Pool),
    Postgres(postgres::Pool),
}

/// Whether a transaction writes: SQLite takes its write lock at the start of one that does
/// (so two writers never deadlock upgrading a read lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads only.
    Read,
    /// Reads and writes.
    Write,
}

impl Db {
    /// Opens (creating if needed) and migrates the database named by `url`.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        let backend = if let Some(path) = url.strip_prefix("sqlite://") {
            Backend::Sqlite(sqlite::Pool::open(path.into())?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(postgres::Pool::open(url)?)
        } else {
            return Err(DbError::Url(url.to_string()));
        };
        let db = Db(Arc::new(backend), Arc::new(Wakers::default()));
        let list = db.migrations();
        db.tx(Mode::Write, move |c| migrations::run(c, list))
            .await?;
        Ok(db)
    }

    /// The backend's name, for logs and tests.
    pub fn backend(&self) -> &'static str {
        match &*self.0 {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    fn migrations(&self) -> &'static [migrations::Migration] {
        match &*self.0 {
            Backend::Sqlite(_) => SQLITE,
            Backend::Postgres(_) => POSTGRES,
        }
    }

    /// Wakes this instance's long-polls on changes other manager instances commit: on
    /// PostgreSQL a task LISTENs on its own connection (reconnecting when it drops); SQLite is
    /// one process's file, whose commits wake in-process already. Called by servers only.
    pub fn listen_feed(&self) {
        if let Backend::Postgres(pool) = &*self.0 {
            listen::spawn(pool.url().to_string(), self.1.clone());
        }
    }

    /// The wakers of the sync change feed (long-polls wait on them).
    pub fn feed(&self) -> &Wakers {
        &self.1
    }

    /// Runs `f` in one transaction, off the async runtime: committed if it returns `Ok`,
    /// rolled back otherwise. After a commit that appended to hotspots' change feeds, their
    /// waiting long-polls wake.
    pub async fn tx<T, E, F>(&self, mode: Mode, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, E> + Send + 'static,
    {
        let db = self.0.clone();
        let handle = tokio::runtime::Handle::current();
        let postgres = matches!(&*db, Backend::Postgres(_));
        let run = move |c: &mut dyn Conn| {
            let mut t = Tracking {
                inner: c,
                touched: Vec::new(),
                postgres,
            };
            let out = f(&mut t)?;
            Ok::<_, E>((out, t.touched))
        };
        let (out, touched) = tokio::task::spawn_blocking(move || match &*db {
            Backend::Sqlite(pool) => pool.tx(mode, run),
            Backend::Postgres(pool) => pool.tx(&handle, run),
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))??;
        for hotspot in touched {
            self.1.wake(hotspot);
        }
        Ok(out)
    }

    /// Every table's columns, `table.column` sorted: the schema as both backends must agree
    /// on it.
    pub async fn columns(&self) -> Result<Vec<String>, DbError> {
        let sql = match &*self.0 {
            Backend::Sqlite(_) => {
                "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
            }
            Backend::Postgres(_) => {
                "SELECT table_name || '.' || column_name FROM information_schema.columns \
                 WHERE table_schema = current_schema()"
            }
        };
        let mut cols = self
            .tx(Mode::Read, move |c| {
                c.query(sql, &[])?
                    .iter()
                    .map(|r| r.text(0))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        cols.sort();
        Ok(cols)
    }
}
