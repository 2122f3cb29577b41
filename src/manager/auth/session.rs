//! Browser sessions: a random token in an HttpOnly cookie, only its SHA-256 kept in the
//! database (a copy of the table logs nobody in), a CSRF token bound to it, an idle and an
//! absolute timeout. A login always makes a new session (no fixation).

use axum::http::{HeaderMap, HeaderValue, header};
use rand::Rng;
use sha2::{Digest, Sha256};

use super::{Principal, Role};
use crate::manager::db::{Conn, DbError};

/// The session cookie's name.
pub const COOKIE: &str = "hsm_session";

/// A session unused this long has ended.
pub const IDLE_SECS: i64 = 30 * 60;

/// No session lives longer, used or not.
pub const ABSOLUTE_SECS: i64 = 12 * 3600;

/// `last_seen` is written at most this often (one write per request would serialise reads).
const TOUCH_EVERY_SECS: i64 = 60;

/// 32 random bytes, hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill(&mut b);
    hex::encode(b)
}

/// What the database keeps of a token.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for `account_id`; returns the cookie's token.
pub fn create(
    c: &mut dyn Conn,
    account_id: i64,
    address: &str,
    now: i64,
) -> Result<String, DbError> {
    let token = random_token();
    c.execute(
        "DELETE FROM browser_sessions WHERE account_id = $1 AND (last_seen < $2 OR created_at < $3)",
        &[account_id.into(), (now - IDLE_SECS).into(), (now - ABSOLUTE_SECS).into()],
    )?;
    c.execute(
        "INSERT INTO browser_sessions (id_hash, account_id, csrf, created_at, last_seen, address)
         VALUES ($1, $2, $3, $4, $4, $5)",
        &[
            digest(&token).into(),
            account_id.into(),
            random_token().into(),
            now.into(),
            address.into(),
        ],
    )?;
    Ok(token)
}

/// What a session cookie is found to be.
pub enum Found {
    /// No such session (or its account or reseller is disabled).
    None,
    /// It timed out: delete it.
    Expired,
    /// Live; `touch` says `last_seen` is old enough to be written.
    Live {
        /// The principal.
        principal: Principal,
        /// Whether to record this use.
        touch: bool,
    },
}

/// Looks up the session of `token` (reads only). `address` is the request's, for the audit
/// log.
pub fn load(c: &mut dyn Conn, token: &str, address: &str, now: i64) -> Result<Found, DbError> {
    let Some(row) = c.query_opt(
        "SELECT a.id, a.username, a.role, a.reseller_id, a.hotspot_id, a.must_change_password,
                s.csrf, s.created_at, s.last_seen
         FROM browser_sessions s JOIN accounts a ON a.id = s.account_id
         LEFT JOIN resellers r ON r.id = a.reseller_id
         WHERE s.id_hash = $1 AND a.disabled = $2 AND (r.id IS NULL OR r.disabled = $2)",
        &[digest(token).into(), false.into()],
    )?
    else {
        return Ok(Found::None);
    };
    let (created, seen) = (row.int(7)?, row.int(8)?);
    if now - seen > IDLE_SECS || now - created > ABSOLUTE_SECS {
        return Ok(Found::Expired);
    }
    let role_text = row.text(2)?;
    let role = Role::parse(&role_text).ok_or(DbError::Type(2))?;
    Ok(Found::Live {
        principal: Principal {
            account_id: row.int(0)?,
            username: row.text(1)?,
            role,
            reseller_id: row.opt_int(3)?,
            hotspot_id: row.opt_int(4)?,
            must_change_password: row.bool(5)?,
            csrf: row.text(6)?,
            address: address.to_string(),
        },
        touch: now - seen >= TOUCH_EVERY_SECS,
    })
}

/// Records a use of the session of `token` (for the idle timeout).
pub fn touch(c: &mut dyn Conn, token: &str, now: i64) -> Result<(), DbError> {
    c.execute(
        "UPDATE browser_sessions SET last_seen = $1 WHERE id_hash = $2",
        &[now.into(), digest(token).into()],
    )?;
    Ok(())
}

/// Ends the session of `token`.
pub fn delete(c: &mut dyn Conn, token: &str) -> Result<(), DbError> {
    c.execute(
        "DELETE FROM browser_sessions WHERE id_hash = $1",
        &[digest(token).into()],
    )?;
    Ok(())
}

/// `Set-Cookie` for `name=value`: HttpOnly, SameSite=Strict (no cross-site request carries
/// it, not even a top-level link: the manager has no entry point from other sites), Secure
/// under TLS. An empty value expires the cookie.
pub fn set_cookie(name: &str, value: &str, secure: bool) -> HeaderValue {
    let age = if value.is_empty() { 0 } else { ABSOLUTE_SECS };
    let secure = if secure { "; Secure" } else { "" };
    let s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={age}{secure}");
    // Only hex, digits and fixed ASCII: always a valid header value.
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The value of cookie `name` in the request's headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
