//! Migration 7 of both lists: sync with units (README, "Sync"): the manager's own Ed25519
//! signing key (one row; shared by every manager instance on the same database) that signs
//! social-login assertions for units; each unit's public key, removal and last reported
//! health; the nonces of signed requests seen within the clock window (in the database, so
//! two manager instances refuse the same replay); each hotspot's change feed. Kept beside
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
];
