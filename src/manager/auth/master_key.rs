//! The master key of single sign-on: an external platform holding it provisions resellers
//! (and their hotspots and accounts) and asks for one-time login links. One key at a time,
//! made by the admin (page or command line), shown once, kept only as a SHA-256 (a 256-bit
//! random key needs no slow hash); rotating it replaces the row, so the old key stops working
//! with the next request. It travels only in the `X-Master-Key` header (never a URL), is
//! compared in constant time, and wrong keys are throttled per address.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::session::{digest, random_token};
use crate::manager::ManagerState;
use crate::manager::db::{Conn, DbError, Mode};
use crate::manager::error::Error;

/// The header that carries the key.
pub const HEADER: &str = "x-master-key";

/// Every master key starts with this, so a leaked one is recognisable.
const PREFIX: &str = "hsm_mk_";

/// Makes a new master key, replacing the old one; returns it (to show once). The caller
/// records who did it in the audit log, in the same transaction.
pub fn rotate(c: &mut dyn Conn, now: i64) -> Result<String, DbError> {
    let key = format!("{PREFIX}{}", random_token());
    c.execute("DELETE FROM master_key", &[])?;
    c.execute(
        "INSERT INTO master_key (id, key_hash, created_at) VALUES (1, $1, $2)",
        &[digest(&key).into(), now.into()],
    )?;
    Ok(key)
}

/// When the current key was made, if there is one.
pub fn created_at(c: &mut dyn Conn) -> Result<Option<i64>, DbError> {
    c.query_opt("SELECT created_at FROM master_key", &[])?
        .map(|r| r.int(0))
        .transpose()
}

/// Whether `presented` is the current key: its digest compared with the stored one in time
/// that does not depend on where they differ.
fn matches(c: &mut dyn Conn, presented: &str) -> Result<bool, DbError> {
    let Some(stored) = c
        .query_opt("SELECT key_hash FROM master_key", &[])?
        .map(|r| r.text(0))
        .transpose()?
    else {
        return Ok(false);
    };
    let given = digest(presented);
    let (a, b) = (stored.as_bytes(), given.as_bytes());
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    Ok(a.len() == b.len() && diff == 0)
}

/// The platform, admitted by the master key (what handlers of master-key routes receive).
#[derive(Debug, Clone)]
pub struct Sso {
    /// Where the request came from (for the audit log).
    pub address: String,
}

/// Admits a request to a master-key route: the key in its header, under the throttle. Session
/// cookies and API tokens count for nothing here.
pub async fn admit(
    state: &ManagerState,
    headers: &HeaderMap,
    address: String,
) -> Result<Sso, Error> {
    let Some(presented) = headers.get(HEADER).and_then(|v| v.to_str().ok()) else {
        return Err(Error::Unauthenticated);
    };
    let key = format!("master:{address}");
    let now_ms = state.now_ms();
    let wait = {
        let t = state.throttle.lock().unwrap_or_else(|p| p.into_inner());
        t.wait_of(&key, now_ms)
    };
    if wait > 0 {
        return Err(Error::Throttled((wait + 999) / 1000));
    }
    let presented = presented.to_string();
    if state
        .db
        .tx(Mode::Read, move |c| matches(c, &presented))
        .await?
    {
        return Ok(Sso { address });
    }
    // Only failures count (a busy platform's parallel requests never throttle each other).
    let mut t = state.throttle.lock().unwrap_or_else(|p| p.into_inner());
    let failure = t.reserve(&key, now_ms);
    tracing::warn!(%address, "wrong master key");
    drop(failure);
    Err(Error::Unauthenticated)
}

impl<S: Send + Sync> FromRequestParts<S> for Sso {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        parts
            .extensions
            .get::<Sso>()
            .cloned()
            .ok_or(Error::Unauthenticated)
    }
}
