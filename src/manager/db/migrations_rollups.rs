//! Migration 13 of both lists: rollups, what reports and the dashboard read instead of the raw
//! history (README, "Reports"). Maintained by sync's ingest in the batch's transaction.
//! `rollup_hours`: per hotspot, unit and local hour (the instant, Unix seconds, the hour
//! begins in the hotspot's zone, so a local day is exactly its hours even in a :30 zone):
//! sessions started, guests first seen, bytes reported, sessions stopped with their seconds
//! and duration bucket (by the hour they started), SMS sent. `rollup_methods`: logins per
//! method. `rollup_guest_days`: which guests came on which local day through which unit
//! (unique guests cannot be summed from hours). `rollup_first_seen`: each guest's first
//! session at the hotspot, which makes them "new" in that hour. Unit and guest ids carry no
//! foreign key: a removed unit or an erased guest leaves the figures as they were.

/// SQLite.
pub const SQLITE: &[&str] = &[
    "CREATE TABLE rollup_hours (
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        hour INTEGER NOT NULL,
        unit_id INTEGER NOT NULL,
        sessions INTEGER NOT NULL DEFAULT 0,
        new_guests INTEGER NOT NULL DEFAULT 0,
        bytes_down INTEGER NOT NULL DEFAULT 0,
        bytes_up INTEGER NOT NULL DEFAULT 0,
        stops INTEGER NOT NULL DEFAULT 0,
        session_secs INTEGER NOT NULL DEFAULT 0,
        d_under_5m INTEGER NOT NULL DEFAULT 0,
        d_5_15m INTEGER NOT NULL DEFAULT 0,
        d_15_60m INTEGER NOT NULL DEFAULT 0,
        d_1_3h INTEGER NOT NULL DEFAULT 0,
        d_over_3h INTEGER NOT NULL DEFAULT 0,
        sms INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (hotspot_id, hour, unit_id))",
    "CREATE TABLE rollup_methods (
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        hour INTEGER NOT NULL,
        unit_id INTEGER NOT NULL,
        method TEXT NOT NULL,
        logins INTEGER NOT NULL,
        PRIMARY KEY (hotspot_id, hour, unit_id, method))",
    "CREATE TABLE rollup_guest_days (
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        unit_id INTEGER NOT NULL,
        guest_id INTEGER NOT NULL,
        PRIMARY KEY (hotspot_id, day, unit_id, guest_id))",
    "CREATE TABLE rollup_first_seen (
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        guest_id INTEGER NOT NULL,
        first_at INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        unit_id INTEGER NOT NULL,
        PRIMARY KEY (hotspot_id, guest_id))",
];

/// PostgreSQL.
pub const POSTGRES: &[&str] = &[
    "CREATE TABLE rollup_hours (
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        hour BIGINT NOT NULL,
        unit_id BIGINT NOT NULL,
        sessions BIGINT NOT NULL DEFAULT 0,
        new_guests BIGINT NOT NULL DEFAULT 0,
        bytes_down BIGINT NOT NULL DEFAULT 0,
        bytes_up BIGINT NOT NULL DEFAULT 0,
        stops BIGINT NOT NULL DEFAULT 0,
        session_secs BIGINT NOT NULL DEFAULT 0,
        d_under_5m BIGINT NOT NULL DEFAULT 0,
        d_5_15m BIGINT NOT NULL DEFAULT 0,
        d_15_60m BIGINT NOT NULL DEFAULT 0,
        d_1_3h BIGINT NOT NULL DEFAULT 0,
        d_over_3h BIGINT NOT NULL DEFAULT 0,
        sms BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (hotspot_id, hour, unit_id))",
    "CREATE TABLE rollup_methods (
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        hour BIGINT NOT NULL,
        unit_id BIGINT NOT NULL,
        method TEXT NOT NULL,
        logins BIGINT NOT NULL,
        PRIMARY KEY (hotspot_id, hour, unit_id, method))",
    "CREATE TABLE rollup_guest_days (
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        unit_id BIGINT NOT NULL,
        guest_id BIGINT NOT NULL,
        PRIMARY KEY (hotspot_id, day, unit_id, guest_id))",
    "CREATE TABLE rollup_first_seen (
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        guest_id BIGINT NOT NULL,
        first_at BIGINT NOT NULL,
        hour BIGINT NOT NULL,
        unit_id BIGINT NOT NULL,
        PRIMARY KEY (hotspot_id, guest_id))",
];
