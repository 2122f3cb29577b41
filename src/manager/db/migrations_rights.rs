//! Migration 11 of both lists: guests' data rights (README, "Guests' data rights").
//! `guests.erased_at`: an erased guest keeps its row (its sessions and consent ledger point at
//! it, anonymised) and the row is the tombstone the ingest checks, so a unit that reports the
//! guest after the erasure cannot bring its personal data back. Each hotspot's retention:
//! personal data of guests inactive this many months erased (default 13), raw session rows
//! older than this many months dropped (default 0: kept, see the README).

/// SQLite.
pub const SQLITE: &[&str] = &[
    "ALTER TABLE guests ADD COLUMN erased_at INTEGER",
    "ALTER TABLE hotspots ADD COLUMN retention_inactive_months INTEGER NOT NULL DEFAULT 13",
    "ALTER TABLE hotspots ADD COLUMN retention_sessions_months INTEGER NOT NULL DEFAULT 0",
];

/// PostgreSQL.
pub const POSTGRES: &[&str] = &[
    "ALTER TABLE guests ADD COLUMN erased_at BIGINT",
    "ALTER TABLE hotspots ADD COLUMN retention_inactive_months BIGINT NOT NULL DEFAULT 13",
    "ALTER TABLE hotspots ADD COLUMN retention_sessions_months BIGINT NOT NULL DEFAULT 0",
];
