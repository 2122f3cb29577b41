//! The manager's schema: two lists, one per dialect, with the same numbering. A test opens both
//! and compares every table's columns; a migration added to one list and not the other fails it.
//!
//! Each area adds its own numbered migration to both lists; statements the same in both
//! dialects live beside them (`migrations_sync.rs`, `migrations_indexes.rs`, …).

use super::migrations_indexes::{LIST_INDEXES, MARKETING_INDEXES};
use super::{Conn, DbError};

/// One numbered step: statements run in order inside the migrating transaction.
pub struct Migration {
    /// Its number (1, 2, …; the same in both lists).
    pub version: i64,
    /// Its statements.
    pub statements: &'static [&'static str],
}

/// SQLite: `INTEGER PRIMARY KEY` is the row id; booleans are 0/1.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        statements: &[
            "CREATE TABLE resellers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            disabled INTEGER NOT NULL DEFAULT 0,
            external_id TEXT UNIQUE,
            created_at INTEGER NOT NULL)",
            "CREATE TABLE hotspots (
            id INTEGER PRIMARY KEY,
            reseller_id INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            business_name TEXT NOT NULL,
            vat_number TEXT NOT NULL,
            address TEXT NOT NULL,
            privacy_contact TEXT NOT NULL,
            time_zone TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (reseller_id, name))",
            "CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            must_change_password INTEGER NOT NULL DEFAULT 1,
            reseller_id INTEGER REFERENCES resellers(id) ON DELETE CASCADE,
            hotspot_id INTEGER REFERENCES hotspots(id) ON DELETE CASCADE,
            external_id TEXT UNIQUE,
            created_at INTEGER NOT NULL,
            UNIQUE (hotspot_id, role),
            CHECK ((role = 'admin' AND reseller_id IS NULL AND hotspot_id IS NULL)
                OR (role = 'reseller' AND reseller_id IS NOT NULL AND hotspot_id IS NULL)
                OR (role IN ('customer', 'desk') AND reseller_id IS NOT NULL
                    AND hotspot_id IS NOT NULL)))",
            "CREATE UNIQUE INDEX one_account_per_reseller ON accounts (reseller_id)
            WHERE role = 'reseller'",
            "CREATE TABLE browser_sessions (
            id_hash TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            address TEXT NOT NULL)",
            "CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
            created_at INTEGER NOT NULL,
            last_used INTEGER,
            revoked_at INTEGER)",
            // No foreign keys: the log outlives the accounts and tenants it names.
            "CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            account_id INTEGER,
            actor TEXT NOT NULL,
            reseller_id INTEGER,
            hotspot_id INTEGER,
            action TEXT NOT NULL,
            object TEXT NOT NULL,
            detail TEXT NOT NULL,
            address TEXT NOT NULL)",
            "CREATE INDEX audit_by_tenant ON audit_log (reseller_id, id)",
        ],
    },
    Migration {
        version: 2,
        statements: &[
            // The hotspot's voucher key: units of the hotspot receive it at registration and hash
            // codes under it, so the manager sends only hashes down (README, "Vouchers").
            "CREATE TABLE voucher_keys (
                hotspot_id INTEGER PRIMARY KEY REFERENCES hotspots(id) ON DELETE CASCADE,
                key_hex TEXT NOT NULL,
                portal_url TEXT NOT NULL DEFAULT '',
                created_at INTEGER NOT NULL)",
            "CREATE TABLE voucher_batches (
                id INTEGER PRIMARY KEY,
                hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                count INTEGER NOT NULL,
                terms TEXT NOT NULL,
                validity_secs INTEGER,
                starts TEXT NOT NULL,
                shared_users INTEGER NOT NULL,
                rate_down_bps INTEGER,
                rate_up_bps INTEGER,
                quota_bytes INTEGER,
                max_logins INTEGER,
                note TEXT NOT NULL,
                created_by_id INTEGER,
                created_by TEXT NOT NULL,
                created_at INTEGER NOT NULL)",
            // `code` is kept for reprinting and CSV (staff only); units get `code_hash`.
            // `logins` and `expires_at` (for first-logon validity) are filled by sync.
            "CREATE TABLE vouchers (
                id INTEGER PRIMARY KEY,
                batch_id INTEGER NOT NULL REFERENCES voucher_batches(id) ON DELETE CASCADE,
                hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                code TEXT NOT NULL,
                code_hash TEXT NOT NULL,
                logins INTEGER NOT NULL DEFAULT 0,
                expires_at INTEGER,
                revoked_at INTEGER,
                UNIQUE (hotspot_id, code_hash))",
            "CREATE INDEX vouchers_by_batch ON vouchers (batch_id, id)",
            "CREATE INDEX vouchers_by_hotspot ON vouchers (hotspot_id, id)",
            // The hotspot settings document, every accepted revision kept (latest in force).
            "CREATE TABLE hotspot_settings (
                hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                revision INTEGER NOT NULL,
                document TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (hotspot_id, revision))",
            // Registration tokens: one-time, expiring, stored as SHA-256 (shown once).
            "CREATE TABLE unit_tokens (
                id INTEGER PRIMARY KEY,
                hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                note TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_by TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                used_at INTEGER,
                revoked_at INTEGER)",
            // Units registered with a token (filled by the sync issue's registration).
            "CREATE TABLE units (
                id INTEGER PRIMARY KEY,
                hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                registered_at INTEGER NOT NULL,
                last_seen INTEGER)",
            // Guests, their devices and sessions, per hotspot (the sync issue fills them from
            // units; `uid` keys what crosses the wire).
            "CREATE TABLE guests (
                id INTEGER PRIMARY KEY,
                hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                uid TEXT NOT NULL,
                username TEXT NOT NULL,
                method TEXT NOT NULL,
                first_seen INTEGER NOT NULL,
                last_seen INTEGER NOT NULL,
                UNIQUE (hotspot_id, uid))",
            "CREATE INDEX guests_by_hotspot ON guests (hotspot_id, id)",
            "CREATE TABLE devices (
                id INTEGER PRIMARY KEY,
                hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                guest_id INTEGER REFERENCES guests(id) ON DELETE SET NULL,
                mac TEXT NOT NULL,
                ip TEXT NOT NULL,
                unit TEXT NOT NULL,
                last_seen INTEGER NOT NULL,
                UNIQUE (hotspot_id, mac))",
            "CREATE INDEX devices_by_hotspot ON devices (hotspot_id, id)",
            "CREATE TABLE guest_sessions (
                id INTEGER PRIMARY KEY,
                hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                guest_id INTEGER NOT NULL REFERENCES guests(id) ON DELETE CASCADE,
                uid TEXT NOT NULL,
                mac TEXT NOT NULL,
                unit TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                ended_at INTEGER,
                bytes_down INTEGER NOT NULL DEFAULT 0,
                bytes_up INTEGER NOT NULL DEFAULT 0,
                UNIQUE (hotspot_id, uid))",
            "CREATE INDEX guest_sessions_by_hotspot ON guest_sessions (hotspot_id, id)",
            "CREATE INDEX guest_sessions_by_guest ON guest_sessions (guest_id, ended_at)",
        ],
    },
    Migration {
        version: 3,
        statements: super::migrations_profiles::SQLITE,
    },
    Migration {
        version: 4,
        statements: super::migrations_design::SQLITE,
    },
    Migration {
        version: 5,
        statements: super::migrations_sso::SQLITE,
    },
    Migration {
        version: 6,
        statements: LIST_INDEXES,
    },
    Migration {
        version: 7,
        statements: super::migrations_sync::SQLITE,
    },
    Migration {
        version: 8,
        statements: super::migrations_social::SQLITE,
    },
    Migration {
        version: 9,
        statements: super::migrations_sync::FEED_PRUNED,
    },
    Migration {
        version: 10,
        statements: super::migrations_sync::ONLINE,
    },
    Migration {
        version: 11,
        statements: super::migrations_rights::SQLITE,
    },
    Migration {
        version: 12,
        statements: MARKETING_INDEXES,
    },
    Migration {
        version: 13,
        statements: super::migrations_rollups::SQLITE,
    },
];

/// PostgreSQL: identity columns; real booleans.
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        statements: &[
            "CREATE TABLE resellers (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            disabled BOOLEAN NOT NULL DEFAULT FALSE,
            external_id TEXT UNIQUE,
            created_at BIGINT NOT NULL)",
            "CREATE TABLE hotspots (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            reseller_id BIGINT NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            business_name TEXT NOT NULL,
            vat_number TEXT NOT NULL,
            address TEXT NOT NULL,
            privacy_contact TEXT NOT NULL,
            time_zone TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            UNIQUE (reseller_id, name))",
            "CREATE TABLE accounts (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            disabled BOOLEAN NOT NULL DEFAULT FALSE,
            must_change_password BOOLEAN NOT NULL DEFAULT TRUE,
            reseller_id BIGINT REFERENCES resellers(id) ON DELETE CASCADE,
            hotspot_id BIGINT REFERENCES hotspots(id) ON DELETE CASCADE,
            external_id TEXT UNIQUE,
            created_at BIGINT NOT NULL,
            UNIQUE (hotspot_id, role),
            CHECK ((role = 'admin' AND reseller_id IS NULL AND hotspot_id IS NULL)
                OR (role = 'reseller' AND reseller_id IS NOT NULL AND hotspot_id IS NULL)
                OR (role IN ('customer', 'desk') AND reseller_id IS NOT NULL
                    AND hotspot_id IS NOT NULL)))",
            "CREATE UNIQUE INDEX one_account_per_reseller ON accounts (reseller_id)
            WHERE role = 'reseller'",
            "CREATE TABLE browser_sessions (
            id_hash TEXT PRIMARY KEY,
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            address TEXT NOT NULL)",
            "CREATE TABLE api_tokens (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
            created_at BIGINT NOT NULL,
            last_used BIGINT,
            revoked_at BIGINT)",
            "CREATE TABLE audit_log (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at BIGINT NOT NULL,
            account_id BIGINT,
            actor TEXT NOT NULL,
            reseller_id BIGINT,
            hotspot_id BIGINT,
            action TEXT NOT NULL,
            object TEXT NOT NULL,
            detail TEXT NOT NULL,
            address TEXT NOT NULL)",
            "CREATE INDEX audit_by_tenant ON audit_log (reseller_id, id)",
        ],
    },
    Migration {
        version: 2,
        statements: &[
            // The hotspot's voucher key: units of the hotspot receive it at registration and hash
            // codes under it, so the manager sends only hashes down (README, "Vouchers").
            "CREATE TABLE voucher_keys (
                hotspot_id BIGINT PRIMARY KEY REFERENCES hotspots(id) ON DELETE CASCADE,
                key_hex TEXT NOT NULL,
                portal_url TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL)",
            "CREATE TABLE voucher_batches (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                count BIGINT NOT NULL,
                terms TEXT NOT NULL,
                validity_secs BIGINT,
                starts TEXT NOT NULL,
                shared_users BIGINT NOT NULL,
                rate_down_bps BIGINT,
                rate_up_bps BIGINT,
                quota_bytes BIGINT,
                max_logins BIGINT,
                note TEXT NOT NULL,
                created_by_id BIGINT,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL)",
            // `code` is kept for reprinting and CSV (staff only); units get `code_hash`.
            // `logins` and `expires_at` (for first-logon validity) are filled by sync.
            "CREATE TABLE vouchers (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                batch_id BIGINT NOT NULL REFERENCES voucher_batches(id) ON DELETE CASCADE,
                hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                code TEXT NOT NULL,
                code_hash TEXT NOT NULL,
                logins BIGINT NOT NULL DEFAULT 0,
                expires_at BIGINT,
                revoked_at BIGINT,
                UNIQUE (hotspot_id, code_hash))",
            "CREATE INDEX vouchers_by_batch ON vouchers (batch_id, id)",
            "CREATE INDEX vouchers_by_hotspot ON vouchers (hotspot_id, id)",
            // The hotspot settings document, every accepted revision kept (latest in force).
            "CREATE TABLE hotspot_settings (
                hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                revision BIGINT NOT NULL,
                document TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (hotspot_id, revision))",
            // Registration tokens: one-time, expiring, stored as SHA-256 (shown once).
            "CREATE TABLE unit_tokens (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                note TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                revoked_at BIGINT)",
            // Units registered with a token (filled by the sync issue's registration).
            "CREATE TABLE units (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                registered_at BIGINT NOT NULL,
                last_seen BIGINT)",
            // Guests, their devices and sessions, per hotspot (the sync issue fills them from
            // units; `uid` keys what crosses the wire).
            "CREATE TABLE guests (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                uid TEXT NOT NULL,
                username TEXT NOT NULL,
                method TEXT NOT NULL,
                first_seen BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                UNIQUE (hotspot_id, uid))",
            "CREATE INDEX guests_by_hotspot ON guests (hotspot_id, id)",
            "CREATE TABLE devices (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                guest_id BIGINT REFERENCES guests(id) ON DELETE SET NULL,
                mac TEXT NOT NULL,
                ip TEXT NOT NULL,
                unit TEXT NOT NULL,
                last_seen BIGINT NOT NULL,
                UNIQUE (hotspot_id, mac))",
            "CREATE INDEX devices_by_hotspot ON devices (hotspot_id, id)",
            "CREATE TABLE guest_sessions (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
                guest_id BIGINT NOT NULL REFERENCES guests(id) ON DELETE CASCADE,
                uid TEXT NOT NULL,
                mac TEXT NOT NULL,
                unit TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                ended_at BIGINT,
                bytes_down BIGINT NOT NULL DEFAULT 0,
                bytes_up BIGINT NOT NULL DEFAULT 0,
                UNIQUE (hotspot_id, uid))",
            "CREATE INDEX guest_sessions_by_hotspot ON guest_sessions (hotspot_id, id)",
            "CREATE INDEX guest_sessions_by_guest ON guest_sessions (guest_id, ended_at)",
        ],
    },
    Migration {
        version: 3,
        statements: super::migrations_profiles::POSTGRES,
    },
    Migration {
        version: 4,
        statements: super::migrations_design::POSTGRES,
    },
    Migration {
        version: 5,
        statements: super::migrations_sso::POSTGRES,
    },
    Migration {
        version: 6,
        statements: LIST_INDEXES,
    },
    Migration {
        version: 7,
        statements: super::migrations_sync::POSTGRES,
    },
    Migration {
        version: 8,
        statements: super::migrations_social::POSTGRES,
    },
    Migration {
        version: 9,
        statements: super::migrations_sync::FEED_PRUNED,
    },
    Migration {
        version: 10,
        statements: super::migrations_sync::ONLINE,
    },
    Migration {
        version: 11,
        statements: super::migrations_rights::POSTGRES,
    },
    Migration {
        version: 12,
        statements: MARKETING_INDEXES,
    },
    Migration {
        version: 13,
        statements: super::migrations_rollups::POSTGRES,
    },
];

/// Brings the schema up to the last migration of `list`; refuses a newer database.
pub fn run(c: &mut dyn Conn, list: &[Migration]) -> Result<(), DbError> {
    c.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
        &[],
    )?;
    let current = match c.query_opt("SELECT MAX(version) FROM schema_version", &[])? {
        Some(row) => row.opt_int(0)?.unwrap_or(0),
        None => 0,
    };
    let known = list.last().map_or(0, |m| m.version);
    if current > known {
        return Err(DbError::TooNew {
            found: current,
            known,
        });
    }
    for m in list.iter().filter(|m| m.version > current) {
        for s in m.statements {
            c.execute(s, &[])?;
        }
        c.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[m.version.into()],
        )?;
        tracing::info!(version = m.version, "manager database migrated");
    }
    Ok(())
}
