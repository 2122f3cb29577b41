//! Numbered schema migrations in one ordered list, tracked by `PRAGMA user_version`. A fresh
//! database runs the same list as an upgraded one, inside one transaction.

use rusqlite::{Connection, OptionalExtension};

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
    // 4: assignment ids are never reused (AUTOINCREMENT; SQLite can only add it by rebuilding
    // the table: ids removed before this version are unknowable, from now on none comes back);
    // "now" profiles started at their assignment; the profiles each session ran under, from
    // when and from which byte counts (a part's usage runs to the next part or the end).
    "CREATE TABLE user_profiles_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id),
        profile_id INTEGER NOT NULL REFERENCES profiles(id),
        assigned_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        started_at INTEGER,
        ends_at INTEGER
    );
    INSERT INTO user_profiles_new (id, user_id, profile_id, assigned_at, state, started_at, ends_at)
        SELECT id, user_id, profile_id, assigned_at, state, started_at, ends_at FROM user_profiles;
    DROP TABLE user_profiles;
    ALTER TABLE user_profiles_new RENAME TO user_profiles;
    CREATE INDEX user_profiles_user ON user_profiles(user_id);
    UPDATE user_profiles SET started_at = assigned_at
        WHERE profile_id IN (SELECT id FROM profiles WHERE starts = 'now');
    UPDATE user_profiles SET state = 'started' WHERE state = 'waiting' AND started_at IS NOT NULL;
    CREATE TABLE session_profiles (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        profile_id INTEGER NOT NULL REFERENCES profiles(id),
        assignment_id INTEGER,
        started_at INTEGER NOT NULL,
        bytes_up_before INTEGER NOT NULL DEFAULT 0,
        bytes_down_before INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX session_profiles_session ON session_profiles(session_id);
    INSERT INTO session_profiles (session_id, profile_id, started_at)
        SELECT id, profile_id, started_at FROM sessions;",
    // 5: the hotspot settings document, every accepted revision kept (the highest is in
    // force; older ones show what changed and can be restored).
    "CREATE TABLE hotspot_settings (
        revision INTEGER PRIMARY KEY CHECK (revision >= 1),
        document TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );",
    // 6: guests (one per person known to this hotspot, by login method and identifier), their
    // devices, the consent ledger (append-only: the triggers allow no delete, and no update but
    // erasure's, which only clears the device), questionnaire answers, and the guest of each
    // session.
    "CREATE TABLE guests (
        id INTEGER PRIMARY KEY,
        method TEXT NOT NULL CHECK (method IN ('click', 'voucher', 'account', 'email', 'sms')),
        identifier TEXT,
        verified INTEGER NOT NULL DEFAULT 0,
        lang TEXT NOT NULL,
        user_id INTEGER REFERENCES users(id),
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        erased_at INTEGER,
        CHECK ((identifier IS NULL) = (erased_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX guests_identity ON guests(method, identifier) WHERE identifier IS NOT NULL;
    CREATE TABLE guest_devices (
        id INTEGER PRIMARY KEY,
        guest_id INTEGER NOT NULL REFERENCES guests(id),
        mac TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX guest_devices_mac ON guest_devices(guest_id, mac) WHERE mac IS NOT NULL;
    CREATE INDEX guest_devices_by_mac ON guest_devices(mac);
    CREATE TABLE consents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        guest_id INTEGER NOT NULL REFERENCES guests(id),
        mac TEXT,
        session_id INTEGER REFERENCES sessions(id),
        purpose TEXT NOT NULL CHECK (purpose IN ('terms', 'privacy', 'marketing', 'surveys')),
        granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
        text_version TEXT NOT NULL,
        lang TEXT NOT NULL,
        how TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE INDEX consents_guest ON consents(guest_id, purpose);
    CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
        BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;
    CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
        WHEN NOT (NEW.mac IS NULL AND NEW.id = OLD.id AND NEW.guest_id = OLD.guest_id
            AND NEW.session_id IS OLD.session_id AND NEW.purpose = OLD.purpose
            AND NEW.granted = OLD.granted AND NEW.text_version = OLD.text_version
            AND NEW.lang = OLD.lang AND NEW.how = OLD.how AND NEW.at = OLD.at)
        BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        guest_id INTEGER NOT NULL REFERENCES guests(id),
        session_id INTEGER REFERENCES sessions(id),
        question TEXT NOT NULL,
        choices TEXT NOT NULL DEFAULT '',
        text TEXT,
        at INTEGER NOT NULL
    );
    CREATE INDEX answers_guest ON answers(guest_id);
    ALTER TABLE sessions ADD COLUMN guest_id INTEGER REFERENCES guests(id);
    CREATE INDEX sessions_guest ON sessions(guest_id);",
    // 7: codes sent by email and SMS: each pending login (hashed code and link token, target,
    // device, tries, sends, expiry, use, the email's temporary user, the consents and language
    // of its form, recorded with the guest once verified), a log of sends for the limits, and
    // the SMS sent per month for the budget.
    "CREATE TABLE pending_codes (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
        target TEXT NOT NULL,
        mac TEXT NOT NULL,
        code_hash BLOB NOT NULL,
        token_hash BLOB UNIQUE,
        tries INTEGER NOT NULL DEFAULT 0,
        sends INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        sent_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        temporary_user_id INTEGER REFERENCES users(id),
        consents TEXT NOT NULL DEFAULT '[]',
        lang TEXT NOT NULL DEFAULT 'en'
    );
    CREATE INDEX pending_codes_device ON pending_codes(mac, channel, created_at);
    CREATE TABLE code_sends (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        target TEXT NOT NULL,
        mac TEXT NOT NULL,
        sent_at INTEGER NOT NULL
    );
    CREATE INDEX code_sends_time ON code_sends(sent_at);
    CREATE INDEX code_sends_mac ON code_sends(mac, sent_at);
    CREATE INDEX code_sends_target ON code_sends(target, sent_at);
    CREATE TABLE sms_months (
        month TEXT PRIMARY KEY,
        sent INTEGER NOT NULL DEFAULT 0
    );",
    // 8: the users made for guests of click-through, email and SMS logins are marked with
    // their method: they hold the method's profile but are no vouchers (no code is ever
    // typed for them), so the voucher list leaves them out. Those made before are known by
    // their guest's link.
    "ALTER TABLE users ADD COLUMN guest_method TEXT
        CHECK (guest_method IN ('click', 'email', 'sms'));
    UPDATE users SET guest_method = (SELECT g.method FROM guests g WHERE g.user_id = users.id
        AND g.method IN ('click', 'email', 'sms') LIMIT 1)
    WHERE code_hash IS NOT NULL;",
    // 9 to 13: sync, social login, the offline pass, other units' devices (`migrations_sync.rs`).
    super::migrations_sync::V9_SYNC,
    super::migrations_sync::V10_SOCIAL,
    super::migrations_sync::V11_SYNCED_ENTITIES,
    super::migrations_sync::V12_OFFLINE_PASS,
    super::migrations_sync::V13_REMOTE_ONLINE,
];
/// Brings the schema to the latest version. Foreign keys are off meanwhile and on after: a
/// table rebuilt (dropped and replaced) must not cascade deletes to the rows referencing it
/// (the pragma cannot change inside a transaction). The references are checked before commit.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "foreign_keys", false)?;
    migrate_in_transaction(conn)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

fn migrate_in_transaction(conn: &mut Connection) -> Result<(), StoreError> {
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
    if found < known {
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(StoreError::Corrupt {
                column: "foreign key after migration",
                value: table,
            });
        }
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
    fn version_4_keeps_assignments_and_their_usage_and_never_reuses_an_id() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        let tx = conn.transaction().unwrap();
        for sql in &MIGRATIONS[..3] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 3).unwrap();
        tx.execute_batch(
            "INSERT INTO profiles (id, name, name_for_users, validity_secs, starts, shared_users, created_at)
                 VALUES (1, 'day', 'Day', 86400, 'first-logon', 1, 0), (2, 'now', 'Now', 3600, 'now', 1, 0);
             INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'ann', 'x', 0);
             INSERT INTO user_profiles (id, user_id, profile_id, assigned_at, state, started_at, ends_at)
                 VALUES (1, 1, 1, 10, 'active', 20, 86420), (2, 1, 2, 30, 'waiting', NULL, 3630);
             INSERT INTO usage (assignment_id, limitation_id, period_start, bytes_down) VALUES (1, 1, 0, 99);
             INSERT INTO sessions (id, user_id, profile_id, mac, ip, started_at, session_timeout,
                 idle_timeout, bytes_down, last_activity_at) VALUES (5, 1, 1, 'm', 'i', 20, 60, 60, 7, 20);
",
        )
        .unwrap();
        tx.commit().unwrap();
        migrate(&mut conn).unwrap();
        let usage: i64 = conn
            .query_row(
                "SELECT bytes_down FROM usage WHERE assignment_id = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(usage, 99, "the rebuild did not cascade to the usage");
        let now_profile: (String, Option<i64>) = conn
            .query_row(
                "SELECT state, started_at FROM user_profiles WHERE id = 2",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(now_profile, ("started".to_string(), Some(30)));
        let part: (i64, i64) = conn
            .query_row(
                "SELECT profile_id, started_at FROM session_profiles WHERE session_id = 5",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(part, (1, 20));
        // The highest id is removed and a new row comes: it gets a new id.
        conn.execute("DELETE FROM user_profiles WHERE id = 2", [])
            .unwrap();
        conn.execute(
            "INSERT INTO user_profiles (user_id, profile_id, assigned_at, state) VALUES (1, 1, 50, 'waiting')",
            [],
        )
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), 3);
        let fk: bool = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(fk, "foreign keys are on again");
    }

    #[test]
    fn guest_users_made_before_their_mark_are_marked_by_their_guest() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        for sql in &MIGRATIONS[..7] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 7).unwrap();
        tx.commit().unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, code_hash, note, created_at) VALUES
                 (1, x'01', 'click guest', 1), (2, x'02', '', 1), (3, x'03', 'sms guest', 1);
             INSERT INTO guests (method, identifier, lang, user_id, first_seen, last_seen) VALUES
                 ('click', '02:00:00:00:00:01', 'en', 1, 1, 1), ('voucher', '2', 'en', 2, 1, 1),
                 ('sms', '+393331234567', 'en', 3, 1, 1);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let mut stmt = conn
            .prepare("SELECT id, guest_method FROM users ORDER BY id")
            .unwrap();
        let marks: Vec<(i64, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let (click, sms) = (Some("click".to_string()), Some("sms".to_string()));
        assert_eq!(marks, [(1, click), (2, None), (3, sms)]);
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
