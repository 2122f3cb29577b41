//! Migration 3 of both lists: each hotspot's profiles and limitations (the gateway's User
//! Manager semantics, `model::entities::Profile`), which limitations a profile has with their
//! time windows, and the profile a voucher batch was made from (by name, as a unit resolves
//! it). Kept beside `migrations.rs` so each file holds one concern.

/// SQLite.
pub const SQLITE: &[&str] = &[
    "CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_for_users TEXT NOT NULL,
        owner TEXT NOT NULL,
        validity_secs INTEGER,
        starts TEXT NOT NULL,
        price_cents INTEGER,
        shared_users INTEGER NOT NULL,
        outside_windows TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (hotspot_id, name))",
    "CREATE TABLE limitations (
        id INTEGER PRIMARY KEY,
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        uptime_limit INTEGER,
        download_limit INTEGER,
        upload_limit INTEGER,
        transfer_limit INTEGER,
        rate_down_bps INTEGER,
        rate_up_bps INTEGER,
        reset_interval TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (hotspot_id, name))",
    "CREATE TABLE profile_limitations (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        limitation_id INTEGER NOT NULL REFERENCES limitations(id) ON DELETE CASCADE,
        from_secs INTEGER NOT NULL,
        till_secs INTEGER NOT NULL,
        weekdays INTEGER NOT NULL,
        PRIMARY KEY (profile_id, limitation_id))",
    "ALTER TABLE voucher_batches ADD COLUMN profile TEXT",
    "ALTER TABLE voucher_batches ADD COLUMN profile_for_users TEXT",
];

/// PostgreSQL.
pub const POSTGRES: &[&str] = &[
    "CREATE TABLE profiles (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_for_users TEXT NOT NULL,
        owner TEXT NOT NULL,
        validity_secs BIGINT,
        starts TEXT NOT NULL,
        price_cents BIGINT,
        shared_users BIGINT NOT NULL,
        outside_windows TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (hotspot_id, name))",
    "CREATE TABLE limitations (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        uptime_limit BIGINT,
        download_limit BIGINT,
        upload_limit BIGINT,
        transfer_limit BIGINT,
        rate_down_bps BIGINT,
        rate_up_bps BIGINT,
        reset_interval TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (hotspot_id, name))",
    "CREATE TABLE profile_limitations (
        profile_id BIGINT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        limitation_id BIGINT NOT NULL REFERENCES limitations(id) ON DELETE CASCADE,
        from_secs BIGINT NOT NULL,
        till_secs BIGINT NOT NULL,
        weekdays BIGINT NOT NULL,
        PRIMARY KEY (profile_id, limitation_id))",
    "ALTER TABLE voucher_batches ADD COLUMN profile TEXT",
    "ALTER TABLE voucher_batches ADD COLUMN profile_for_users TEXT",
];
