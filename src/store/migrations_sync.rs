//! Migrations 9 and up of the gateway's store (sync with the Hotspot Manager and social
//! login), kept beside `migrations.rs` so each file holds one concern; that file's list
//! names them in order.

/// 9: sync with the Hotspot Manager: the unit's identity (one row while registered, with
/// its private key: the database file is the owner's only), where the change feed stands,
/// the outbox of records for the manager (seq never reused: the manager acknowledges by
/// it), and the UUIDs that name sessions and guests on the wire (filled on first use for
/// rows made before).
pub const V9_SYNC: &str = "CREATE TABLE sync_unit (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        unit_id INTEGER NOT NULL,
        hotspot_id INTEGER NOT NULL,
        manager_url TEXT NOT NULL,
        manager_key TEXT NOT NULL,
        voucher_key TEXT NOT NULL,
        ca_pem TEXT,
        pin TEXT,
        private_key BLOB NOT NULL,
        registered_at INTEGER NOT NULL,
        removed TEXT,
        cursor INTEGER NOT NULL DEFAULT 0,
        applied_revision INTEGER NOT NULL DEFAULT 0,
        last_success INTEGER,
        last_error TEXT,
        last_error_at INTEGER
    );
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        session_uid TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX outbox_session ON outbox(session_uid, kind);
    ALTER TABLE sessions ADD COLUMN uid TEXT;
    ALTER TABLE sessions ADD COLUMN interim_at INTEGER;
    ALTER TABLE guests ADD COLUMN uid TEXT;";

/// 10: social login (brokered by the manager): `social` joins the guest methods (SQLite
/// can only change a CHECK by rebuilding the table; columns and rows kept as they are);
/// what the provider told about each social guest, one row per guest, erased with it;
/// the ids of the manager's assertions already used, kept until they expire; and the
/// short grants that let a device finish signing in in its browser.
pub const V10_SOCIAL: &str = "CREATE TABLE users_new (
        id INTEGER PRIMARY KEY,
        username TEXT UNIQUE,
        password_hash TEXT,
        code_hash BLOB UNIQUE,
        note TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        max_logins INTEGER,
        logins INTEGER NOT NULL DEFAULT 0,
        disabled_at INTEGER,
        guest_method TEXT CHECK (guest_method IN ('click', 'email', 'sms', 'social')),
        CHECK ((username IS NOT NULL AND password_hash IS NOT NULL) <> (code_hash IS NOT NULL))
    );
    INSERT INTO users_new SELECT id, username, password_hash, code_hash, note, created_at,
        max_logins, logins, disabled_at, guest_method FROM users;
    DROP TABLE users;
    ALTER TABLE users_new RENAME TO users;
    CREATE TABLE guests_new (
        id INTEGER PRIMARY KEY,
        method TEXT NOT NULL
            CHECK (method IN ('click', 'voucher', 'account', 'email', 'sms', 'social')),
        identifier TEXT,
        verified INTEGER NOT NULL DEFAULT 0,
        lang TEXT NOT NULL,
        user_id INTEGER REFERENCES users(id),
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        erased_at INTEGER,
        uid TEXT,
        CHECK ((identifier IS NULL) = (erased_at IS NOT NULL))
    );
    INSERT INTO guests_new SELECT id, method, identifier, verified, lang, user_id, first_seen,
        last_seen, erased_at, uid FROM guests;
    DROP TABLE guests;
    ALTER TABLE guests_new RENAME TO guests;
    CREATE UNIQUE INDEX guests_identity ON guests(method, identifier) WHERE identifier IS NOT NULL;
    CREATE TABLE guest_profiles (
        guest_id INTEGER PRIMARY KEY REFERENCES guests(id),
        provider TEXT NOT NULL,
        name TEXT,
        email TEXT,
        gender TEXT,
        birth_date TEXT,
        locale TEXT,
        interests TEXT NOT NULL DEFAULT '[]',
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE used_assertions (
        id TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE social_grants (
        id INTEGER PRIMARY KEY,
        mac TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users(id),
        granted_at INTEGER NOT NULL
    );
    CREATE INDEX social_grants_device ON social_grants(mac, granted_at);";

/// 11: what the manager's change feed made is marked as the manager's (a reset snapshot
/// prunes only those; manager vouchers made before are known by their note); a profile or
/// limitation the manager removed that users here still hold is kept with when, and the
/// removal retried; a settings revision this build cannot read is noted (the feed goes on).
/// Other units' cumulative counters per user and profile, as the manager merged them.
pub const V11_SYNCED_ENTITIES: &str = "CREATE TABLE remote_usage (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        unit_id INTEGER NOT NULL,
        bytes_down INTEGER NOT NULL,
        bytes_up INTEGER NOT NULL,
        uptime_secs INTEGER NOT NULL,
        logins INTEGER NOT NULL,
        PRIMARY KEY (user_id, profile_id, unit_id)
    );
    ALTER TABLE profiles ADD COLUMN from_manager INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE profiles ADD COLUMN sync_removed_at INTEGER;
    ALTER TABLE limitations ADD COLUMN from_manager INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE limitations ADD COLUMN sync_removed_at INTEGER;
    ALTER TABLE users ADD COLUMN from_manager INTEGER NOT NULL DEFAULT 0;
    UPDATE users SET from_manager = 1 WHERE note = 'manager' AND code_hash IS NOT NULL;
    ALTER TABLE sync_unit ADD COLUMN settings_skipped TEXT;";

/// 12: the offline pass (a capped login offered while the manager is unreachable, when the
/// reseller chose it) joins the guest methods; the tables are rebuilt as in 10 (columns and
/// rows kept as they are). A session whose counters changed since its last interim owes one
/// (sent when its interval is up, also if the guest has gone quiet meanwhile).
pub const V12_OFFLINE_PASS: &str = "ALTER TABLE sessions ADD COLUMN interim_owed INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE users_new (
        id INTEGER PRIMARY KEY,
        username TEXT UNIQUE,
        password_hash TEXT,
        code_hash BLOB UNIQUE,
        note TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        max_logins INTEGER,
        logins INTEGER NOT NULL DEFAULT 0,
        disabled_at INTEGER,
        guest_method TEXT
            CHECK (guest_method IN ('click', 'email', 'sms', 'social', 'offline')),
        from_manager INTEGER NOT NULL DEFAULT 0,
        CHECK ((username IS NOT NULL AND password_hash IS NOT NULL) <> (code_hash IS NOT NULL))
    );
    INSERT INTO users_new SELECT id, username, password_hash, code_hash, note, created_at,
        max_logins, logins, disabled_at, guest_method, from_manager FROM users;
    DROP TABLE users;
    ALTER TABLE users_new RENAME TO users;
    CREATE TABLE guests_new (
        id INTEGER PRIMARY KEY,
        method TEXT NOT NULL CHECK (method IN
            ('click', 'voucher', 'account', 'email', 'sms', 'social', 'offline')),
        identifier TEXT,
        verified INTEGER NOT NULL DEFAULT 0,
        lang TEXT NOT NULL,
        user_id INTEGER REFERENCES users(id),
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        erased_at INTEGER,
        uid TEXT,
        CHECK ((identifier IS NULL) = (erased_at IS NOT NULL))
    );
    INSERT INTO guests_new SELECT id, method, identifier, verified, lang, user_id, first_seen,
        last_seen, erased_at, uid FROM guests;
    DROP TABLE guests;
    ALTER TABLE guests_new RENAME TO guests;
    CREATE UNIQUE INDEX guests_identity ON guests(method, identifier) WHERE identifier IS NOT NULL;";

/// 13: the user's devices online at each other unit, as the manager merged them (shared
/// users count hotspot-wide while the manager is reachable).
pub const V13_REMOTE_ONLINE: &str =
    "ALTER TABLE remote_usage ADD COLUMN online INTEGER NOT NULL DEFAULT 0;";
