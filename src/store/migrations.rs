//! Numbered schema migrations in one ordered list, tracked by `PRAGMA user_version`. A fresh
//! database runs the same list as an upgraded one, inside one transaction.

use rusqlite::Connection;

use super::StoreError;

/// Migration N (1-based) is `MIGRATIONS[N - 1]`. Only ever append.
const MIGRATIONS: &[&str] = &[
    // 1: profiles and limitations (User Manager semantics), users (accounts and vouchers)
    // with their queue of profiles, usage per limitation period, sessions, paid orders.
    "CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        name_for_users TEXT NOT NULL,
        owner TEXT NOT NULL DEFAULT 'admin',
        validity_secs INTEGER,
        starts TEXT NOT NULL,
        price_cents INTEGER,
        shared_users INTEGER NOT NULL CHECK (shared_users >= 1),
        outside_windows TEXT NOT NULL DEFAULT 'deny',
        created_at INTEGER NOT NULL
    );
    CREATE TABLE limitations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        uptime_limit INTEGER,
        download_limit INTEGER,
        upload_limit INTEGER,
        transfer_limit INTEGER,
        rate_down_bps INTEGER,
        rate_up_bps INTEGER,
        reset_interval TEXT NOT NULL DEFAULT 'never'
    );
    CREATE TABLE profile_limitations (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        limitation_id INTEGER NOT NULL REFERENCES limitations(id),
        from_secs INTEGER NOT NULL DEFAULT 0,
        till_secs INTEGER NOT NULL DEFAULT 86400,
        weekdays INTEGER NOT NULL DEFAULT 127,
        PRIMARY KEY (profile_id, limitation_id)
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT UNIQUE,
        password_hash TEXT,
        code_hash BLOB UNIQUE,
        note TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        max_logins INTEGER,
        logins INTEGER NOT NULL DEFAULT 0,
        disabled_at INTEGER,
        CHECK ((username IS NOT NULL AND password_hash IS NOT NULL) <> (code_hash IS NOT NULL))
    );
    CREATE TABLE user_profiles (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        profile_id INTEGER NOT NULL REFERENCES profiles(id),
        assigned_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        started_at INTEGER,
        ends_at INTEGER
    );
    CREATE INDEX user_profiles_user ON user_profiles(user_id);
    CREATE TABLE usage (
        assignment_id INTEGER NOT NULL REFERENCES user_profiles(id) ON DELETE CASCADE,
        limitation_id INTEGER NOT NULL,
        period_start INTEGER NOT NULL,
        uptime INTEGER NOT NULL DEFAULT 0,
        bytes_up INTEGER NOT NULL DEFAULT 0,
        bytes_down INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (assignment_id, limitation_id, period_start)
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        profile_id INTEGER NOT NULL REFERENCES profiles(id),
        mac TEXT NOT NULL,
        ip TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        session_timeout INTEGER NOT NULL,
        idle_timeout INTEGER NOT NULL,
        bytes_up INTEGER NOT NULL DEFAULT 0,
        bytes_down INTEGER NOT NULL DEFAULT 0,
        last_activity_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_cause TEXT
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE UNIQUE INDEX sessions_one_active_per_mac ON sessions(mac) WHERE ended_at IS NULL;
    CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        reference TEXT NOT NULL UNIQUE,
        profile_id INTEGER NOT NULL REFERENCES profiles(id),
        provider TEXT NOT NULL,
        state TEXT NOT NULL,
        mac TEXT NOT NULL,
        ip TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        settled_at INTEGER,
        user_id INTEGER REFERENCES users(id)
    );",
    // 2: access lists managed by the CLI (the config file may add more).
    "CREATE TABLE mac_rules (
        mac TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('allow', 'block')),
        description TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    );
    CREATE TABLE garden (
        cidr TEXT PRIMARY KEY,
        description TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    );",
    // 3: an allowlisted device's optional rates (bits/s; NULL is unlimited).
    "ALTER TABLE mac_rules ADD COLUMN rate_down_bps INTEGER CHECK (rate_down_bps > 0);
    ALTER TABLE mac_rules ADD COLUMN rate_up_bps INTEGER CHECK (rate_up_bps > 0);",
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
