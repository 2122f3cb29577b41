//! Migration 7 of both lists: sync with units (README, "Sync"): the manager's own Ed25519
//! signing key (one row; shared by every manager instance on the same database) that signs
//! social-login assertions for units. Kept beside `migrations.rs` so each file holds one
//! concern.

/// SQLite.
pub const SQLITE: &[&str] = &["CREATE TABLE signing_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pkcs8_hex TEXT NOT NULL,
        public_hex TEXT NOT NULL,
        created_at INTEGER NOT NULL)"];

/// PostgreSQL.
pub const POSTGRES: &[&str] = &["CREATE TABLE signing_key (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        pkcs8_hex TEXT NOT NULL,
        public_hex TEXT NOT NULL,
        created_at BIGINT NOT NULL)"];
