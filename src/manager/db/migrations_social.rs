//! Migration 8 of both lists: social login brokered by the manager (README, "Social login").
//! `social_providers`: each hotspot's OpenID Connect or OAuth2 providers; the client secret
//! is stored (the manager must present it to the provider) and never shown back.
//! `social_states`: one row per login in flight, keyed by the SHA-256 of the `state` sent
//! to the provider (the OS captive popup keeps no cookies, so everything the callback needs
//! is here), used once.

/// SQLite.
pub const SQLITE: &[&str] = &[
    "CREATE TABLE social_providers (
        id INTEGER PRIMARY KEY,
        hotspot_id INTEGER NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        issuer TEXT NOT NULL,
        authorize_url TEXT NOT NULL,
        token_url TEXT NOT NULL,
        userinfo_url TEXT NOT NULL,
        mapping TEXT NOT NULL,
        client_id TEXT NOT NULL,
        client_secret TEXT NOT NULL,
        scopes TEXT NOT NULL,
        UNIQUE (hotspot_id, name))",
    "CREATE TABLE social_states (
        state_hash TEXT PRIMARY KEY,
        provider_id INTEGER NOT NULL REFERENCES social_providers(id) ON DELETE CASCADE,
        unit_id INTEGER NOT NULL,
        attempt TEXT NOT NULL,
        verifier TEXT NOT NULL,
        nonce TEXT NOT NULL,
        return_origin TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER)",
    "CREATE INDEX social_states_by_expiry ON social_states (expires_at)",
];

/// PostgreSQL.
pub const POSTGRES: &[&str] = &[
    "CREATE TABLE social_providers (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hotspot_id BIGINT NOT NULL REFERENCES hotspots(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        issuer TEXT NOT NULL,
        authorize_url TEXT NOT NULL,
        token_url TEXT NOT NULL,
        userinfo_url TEXT NOT NULL,
        mapping TEXT NOT NULL,
        client_id TEXT NOT NULL,
        client_secret TEXT NOT NULL,
        scopes TEXT NOT NULL,
        UNIQUE (hotspot_id, name))",
    "CREATE TABLE social_states (
        state_hash TEXT PRIMARY KEY,
        provider_id BIGINT NOT NULL REFERENCES social_providers(id) ON DELETE CASCADE,
        unit_id BIGINT NOT NULL,
        attempt TEXT NOT NULL,
        verifier TEXT NOT NULL,
        nonce TEXT NOT NULL,
        return_origin TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT)",
    "CREATE INDEX social_states_by_expiry ON social_states (expires_at)",
];
