//! Migration 7 of both lists: sync with units (README, "Sync"): the manager's own Ed25519
//! signing key (one row; shared by every manager instance on the same database) that signs
//! social-login assertions for units; each unit's public key, removal and last reported
//! health; the nonces of signed requests seen within the clock window (in the database, so
//! two manager instances refuse the same replay); each hotspot's change feed; each unit's
//! cumulative usage per user and profile (merged hotspot-wide by summing); what units report
//! beside sessions: guests' social profile fields, consents, questionnaire answers, SMS sent. Kept beside
//! `migrations.rs` so each file holds one concern.

/// SQLite.
pub const SQLITE: &[&str] = &[
    "CREATE TABLE signing_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pkcs8_hex TEXT NOT NULL,
        public_hex TEXT NOT NULL,
        created_at INTEGER NOT NULL)",
    "ALTER TABLE units ADD COLUMN public_key TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE units ADD COLUMN removed_at INTEGER",
    "ALTER TABLE units ADD COLUMN removed_reason TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE units ADD COLUMN protocol INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE units ADD COLUMN version TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE units ADD COLUMN uptime_secs INTEGER",
    "ALTER TABLE units ADD COLUMN clients INTEGER",
    "ALTER TABLE units ADD COLUMN load_milli INTEGER",
    "ALTER TABLE units ADD COLUMN outbox_depth INTEGER",
    "ALTER TABLE units ADD COLUMN outbox_oldest_secs INTEGER",
    "ALTER TABLE units ADD COLUMN settings_revision INTEGER",
    "ALTER TABLE units ADD COLUMN feed_cursor INTEGER",
    "ALTER TABLE units ADD COLUMN acked_seq INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE units ADD COLUMN events_ingested INTEGER NOT NULL DEFAULT 0",
    "CREATE TABLE sync_nonces (
        unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
        nonce TEXT NOT NULL,
        signed_at INTEGER NOT NULL,
        PRIMARY KEY (unit_id, nonce))",
    "CREATE TABLE sync_changes (
        id INTEGER PRIMARY KEY,
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        created_at INTEGER NOT NULL)",
    "CREATE INDEX sync_changes_by_hotspot ON sync_changes (hotspot_id, id)",
    "CREATE TABLE unit_usage (
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        username TEXT NOT NULL,
        profile TEXT NOT NULL,
        unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
        first_start INTEGER NOT NULL,
        bytes_down INTEGER NOT NULL,
        bytes_up INTEGER NOT NULL,
        uptime_secs INTEGER NOT NULL,
        logins INTEGER NOT NULL,
        PRIMARY KEY (hotspot_id, username, profile, unit_id))",
    "ALTER TABLE guests ADD COLUMN social_provider TEXT",
    "ALTER TABLE guests ADD COLUMN social_subject TEXT",
    "ALTER TABLE guests ADD COLUMN display_name TEXT",
    "ALTER TABLE guests ADD COLUMN email TEXT",
    "ALTER TABLE guests ADD COLUMN gender TEXT",
    "ALTER TABLE guests ADD COLUMN birth_date TEXT",
    "ALTER TABLE guests ADD COLUMN locale TEXT",
    "ALTER TABLE guests ADD COLUMN interests TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE guest_sessions ADD COLUMN unit_id INTEGER",
    "ALTER TABLE guest_sessions ADD COLUMN end_cause TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX guest_sessions_open_by_unit ON guest_sessions (unit_id, ended_at)",
    "CREATE TABLE guest_consents (
        id INTEGER PRIMARY KEY,
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        uid TEXT NOT NULL,
        guest_id INTEGER NOT NULL REFERENCES guests(id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        granted INTEGER NOT NULL,
        text_sha256 TEXT NOT NULL,
        language TEXT NOT NULL,
        how TEXT NOT NULL,
        at INTEGER NOT NULL,
        UNIQUE (hotspot_id, uid))",
    "CREATE TABLE guest_answers (
        id INTEGER PRIMARY KEY,
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        uid TEXT NOT NULL,
        guest_id INTEGER NOT NULL REFERENCES guests(id) ON DELETE CASCADE,
        answers TEXT NOT NULL,
        at INTEGER NOT NULL,
        UNIQUE (hotspot_id, uid))",
    "CREATE TABLE sms_counts (
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        sent INTEGER NOT NULL,
        PRIMARY KEY (hotspot_id, unit_id, day))",
];

/// PostgreSQL.
pub const POSTGRES: &[&str] = &[
    "CREATE TABLE signing_key (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        pkcs8_hex TEXT NOT NULL,
        public_hex TEXT NOT NULL,
        created_at BIGINT NOT NULL)",
    "ALTER TABLE units ADD COLUMN public_key TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE units ADD COLUMN removed_at BIGINT",
    "ALTER TABLE units ADD COLUMN removed_reason TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE units ADD COLUMN protocol BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE units ADD COLUMN version TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE units ADD COLUMN uptime_secs BIGINT",
    "ALTER TABLE units ADD COLUMN clients BIGINT",
    "ALTER TABLE units ADD COLUMN load_milli BIGINT",
    "ALTER TABLE units ADD COLUMN outbox_depth BIGINT",
    "ALTER TABLE units ADD COLUMN outbox_oldest_secs BIGINT",
    "ALTER TABLE units ADD COLUMN settings_revision BIGINT",
    "ALTER TABLE units ADD COLUMN feed_cursor BIGINT",
    "ALTER TABLE units ADD COLUMN acked_seq BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE units ADD COLUMN events_ingested BIGINT NOT NULL DEFAULT 0",
    "CREATE TABLE sync_nonces (
        unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
        nonce TEXT NOT NULL,
        signed_at BIGINT NOT NULL,
        PRIMARY KEY (unit_id, nonce))",
    "CREATE TABLE sync_changes (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        created_at BIGINT NOT NULL)",
    "CREATE INDEX sync_changes_by_hotspot ON sync_changes (hotspot_id, id)",
    "CREATE TABLE unit_usage (
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        username TEXT NOT NULL,
        profile TEXT NOT NULL,
        unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
        first_start BIGINT NOT NULL,
        bytes_down BIGINT NOT NULL,
        bytes_up BIGINT NOT NULL,
        uptime_secs BIGINT NOT NULL,
        logins BIGINT NOT NULL,
        PRIMARY KEY (hotspot_id, username, profile, unit_id))",
    "ALTER TABLE guests ADD COLUMN social_provider TEXT",
    "ALTER TABLE guests ADD COLUMN social_subject TEXT",
    "ALTER TABLE guests ADD COLUMN display_name TEXT",
    "ALTER TABLE guests ADD COLUMN email TEXT",
    "ALTER TABLE guests ADD COLUMN gender TEXT",
    "ALTER TABLE guests ADD COLUMN birth_date TEXT",
    "ALTER TABLE guests ADD COLUMN locale TEXT",
    "ALTER TABLE guests ADD COLUMN interests TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE guest_sessions ADD COLUMN unit_id BIGINT",
    "ALTER TABLE guest_sessions ADD COLUMN end_cause TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX guest_sessions_open_by_unit ON guest_sessions (unit_id, ended_at)",
    "CREATE TABLE guest_consents (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        uid TEXT NOT NULL,
        guest_id BIGINT NOT NULL REFERENCES guests(id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        granted BOOLEAN NOT NULL,
        text_sha256 TEXT NOT NULL,
        language TEXT NOT NULL,
        how TEXT NOT NULL,
        at BIGINT NOT NULL,
        UNIQUE (hotspot_id, uid))",
    "CREATE TABLE guest_answers (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        uid TEXT NOT NULL,
        guest_id BIGINT NOT NULL REFERENCES guests(id) ON DELETE CASCADE,
        answers TEXT NOT NULL,
        at BIGINT NOT NULL,
        UNIQUE (hotspot_id, uid))",
    "CREATE TABLE sms_counts (
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        sent BIGINT NOT NULL,
        PRIMARY KEY (hotspot_id, unit_id, day))",
];

/// 9 (both databases): a feed row names an entity whose state is read when the feed is, so
/// a newer row of the same entity makes the older ones redundant: they are deleted as the
/// newer one is appended (`sync::feed::append`), through this index, and once here for the
/// rows written before. The feed then holds one row per entity changed, not one per change.
pub const FEED_PRUNED: &[&str] = &[
    "CREATE INDEX sync_changes_by_subject ON sync_changes (hotspot_id, kind, subject, id)",
    "DELETE FROM sync_changes WHERE id < (SELECT MAX(newer.id) FROM sync_changes newer
        WHERE newer.hotspot_id = sync_changes.hotspot_id AND newer.kind = sync_changes.kind
        AND newer.subject = sync_changes.subject)",
];

/// Migration 10 of both lists (the same statements in both dialects): shared users count
/// hotspot-wide, so each session keeps the user and profile it counts against (what its
/// unit's `session_start` names; sessions reported before stay without), and the open ones
/// are counted per user, profile and unit from a partial index.
pub const ONLINE: &[&str] = &[
    "ALTER TABLE guest_sessions ADD COLUMN usage_user TEXT",
    "ALTER TABLE guest_sessions ADD COLUMN usage_profile TEXT",
    "CREATE INDEX guest_sessions_open_by_user ON guest_sessions
        (hotspot_id, usage_user, usage_profile, unit_id) WHERE ended_at IS NULL",
];
