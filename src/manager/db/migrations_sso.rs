//! Migration 5 of both lists: single sign-on (README, "Single sign-on"): the platform's ids
//! for hotspots (those of resellers and accounts exist since 1), the master key's SHA-256 (one
//! row) and one-time login links (their SHA-256; used once, short-lived). Kept beside
//! `migrations.rs` so each file holds one concern.

/// SQLite.
pub const SQLITE: &[&str] = &[
    "ALTER TABLE hotspots ADD COLUMN external_id TEXT",
    "CREATE UNIQUE INDEX hotspots_by_external_id ON hotspots (external_id)",
    "CREATE TABLE master_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        key_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL)",
    "CREATE TABLE login_links (
        id_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used INTEGER NOT NULL)",
];

/// PostgreSQL.
pub const POSTGRES: &[&str] = &[
    "ALTER TABLE hotspots ADD COLUMN external_id TEXT",
    "CREATE UNIQUE INDEX hotspots_by_external_id ON hotspots (external_id)",
    "CREATE TABLE master_key (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        key_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL)",
    "CREATE TABLE login_links (
        id_hash TEXT PRIMARY KEY,
        account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used BOOLEAN NOT NULL)",
];
