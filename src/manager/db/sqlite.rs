//! SQLite behind a small pool of connections, each used by one blocking thread at a time.
//! WAL lets readers run beside the one writer; writers queue on SQLite's own lock.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::value::{Row, Value};
use super::{Conn, DbError, Mode};

/// Connections kept open for reuse (more may be opened under load; the extra ones are closed).
const KEEP: usize = 8;

/// How long a writer waits for another's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Pool {
    pub fn open(path: PathBuf) -> Result<Pool, DbError> {
        let pool = Pool {
            path,
            idle: Mutex::new(Vec::new()),
        };
        let first = pool.connect()?;
        pool.put(first);
        Ok(pool)
    }

    fn connect(&self) -> Result<Connection, DbError> {
        let c = Connection::open(&self.path)?;
        c.busy_timeout(BUSY_TIMEOUT)?;
        c.pragma_update(None, "journal_mode", "WAL")?;
        c.pragma_update(None, "synchronous", "NORMAL")?;
        // Per connection: deleting a reseller removes its hotspots and accounts.
        c.pragma_update(None, "foreign_keys", true)?;
        Ok(c)
    }

    fn take(&self) -> Result<Connection, DbError> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(c) => Ok(c),
            None => self.connect(),
        }
    }

    fn put(&self, c: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < KEEP {
            idle.push(c);
        }
    }

    pub fn tx<T, E: From<DbError>>(
        &self,
        mode: Mode,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut c = self.take()?;
        let behavior = match mode {
            Mode::Read => TransactionBehavior::Deferred,
            Mode::Write => TransactionBehavior::Immediate,
        };
        let result = (|| {
            let tx = c
                .transaction_with_behavior(behavior)
                .map_err(DbError::from)?;
            // Dropped without commit on an error: rolled back.
            let out = f(&mut SqliteConn(&tx))?;
            tx.commit().map_err(DbError::from)?;
            Ok(out)
        })();
        self.put(c);
        result
    }
}

struct SqliteConn<'a>(&'a rusqlite::Transaction<'a>);

/// `$1` → `?1`: SQLite reads `$1` as a *named* parameter numbered by first appearance, `?1`
/// as positional parameter 1, which is what PostgreSQL means by `$1`.
fn positional(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(ch);
        }
    }
    out
}

fn map_err(e: rusqlite::Error) -> DbError {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            DbError::Unique(msg.clone().unwrap_or_default())
        }
        _ => DbError::Sqlite(e),
    }
}

impl Conn for SqliteConn<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self.0.prepare_cached(&positional(sql)).map_err(map_err)?;
        let n = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(map_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(map_err)? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef as V;
                vals.push(match r.get_ref(i)? {
                    V::Null => Value::Null,
                    V::Integer(v) => Value::Int(v),
                    V::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    V::Blob(b) => Value::Bytes(b.to_vec()),
                    V::Real(_) => return Err(DbError::Type(i)),
                });
            }
            out.push(Row(vals));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self.0.prepare_cached(&positional(sql)).map_err(map_err)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params))
            .map_err(map_err)?;
        Ok(n as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::positional;

    #[test]
    fn dollar_parameters_become_positional() {
        assert_eq!(
            positional("SELECT $2, $1 WHERE a = $10 AND b = '$'"),
            "SELECT ?2, ?1 WHERE a = ?10 AND b = '$'"
        );
    }
}
