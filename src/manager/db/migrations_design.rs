//! Migration 4 of both lists: the splash editor's images by content hash per hotspot
//! (re-encoded by `model::asset::prepare`; units will receive them by hash), and one draft
//! design per hotspot, edited until it is published as a settings revision. Kept beside
//! `migrations.rs` so each file holds one concern.

/// SQLite.
pub const SQLITE: &[&str] = &[
    "CREATE TABLE design_assets (
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        asset TEXT NOT NULL,
        bytes BLOB NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (hotspot_id, asset))",
    "CREATE TABLE design_drafts (
        hotspot_id INTEGER PRIMARY KEY REFERENCES hotspots(id) ON DELETE CASCADE,
        design TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at INTEGER NOT NULL)",
];

/// PostgreSQL.
pub const POSTGRES: &[&str] = &[
    "CREATE TABLE design_assets (
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        asset TEXT NOT NULL,
        bytes BYTEA NOT NULL,
        width BIGINT NOT NULL,
        height BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (hotspot_id, asset))",
    "CREATE TABLE design_drafts (
        hotspot_id BIGINT PRIMARY KEY REFERENCES hotspots(id) ON DELETE CASCADE,
        design TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at BIGINT NOT NULL)",
];
