//! Numbered schema migrations in one ordered list, tracked by `PRAGMA user_version`. A fresh
//! database runs the same list as an upgraded one, inside one transaction.

use rusqlite::Connection;

use super::StoreError;

/// Migration N (1-based) is `MIGRATIONS[N - 1]`. Only ever append.
const MIGRATIONS: &[&str] = &[
    // 1: vouchers and sessions.
    "CREATE TABLE vouchers (
        id INTEGER PRIMARY KEY,
        code_hash BLOB NOT NULL UNIQUE,
        note TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        validity_secs INTEGER,
        starts TEXT NOT NULL,
        max_uses INTEGER,
        shared_users INTEGER NOT NULL CHECK (shared_users >= 1),
        rate_down_bps INTEGER,
        rate_up_bps INTEGER,
        quota_bytes INTEGER,
        uses INTEGER NOT NULL DEFAULT 0,
        first_used_at INTEGER,
        expires_at INTEGER,
        revoked_at INTEGER
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        voucher_id INTEGER NOT NULL REFERENCES vouchers(id),
        mac TEXT NOT NULL,
        ip TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        expires_at INTEGER,
        session_timeout INTEGER NOT NULL,
        idle_timeout INTEGER NOT NULL,
        rate_down_bps INTEGER,
        rate_up_bps INTEGER,
        bytes_up INTEGER NOT NULL DEFAULT 0,
        bytes_down INTEGER NOT NULL DEFAULT 0,
        last_activity_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_cause TEXT
    );
    CREATE INDEX sessions_voucher ON sessions(voucher_id);
    CREATE UNIQUE INDEX sessions_one_active_per_mac ON sessions(mac) WHERE ended_at IS NULL;",
];

/// Brings the schema to the latest version.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    let tx = conn.transaction()?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_idempotent_and_versioned() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
