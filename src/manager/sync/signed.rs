//! The signed-request extractor of every sync route but registration: the unit named by
//! `x-hotspotd-unit` must have signed the method, the path with its query and the exact body
//! bytes with its registered key (`proto::auth`), within [`MAX_SKEW_SECS`] of the manager's
//! clock, with a nonce not seen within that window. Nonces are rows keyed by (unit, nonce), so
//! every manager instance on one database refuses a replay; a unit's nonces older than the
//! window are deleted as it makes requests (they could not pass the clock check anyway).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;

use super::BODY_LIMIT;
use super::wire::SyncError;
use crate::manager::ManagerState;
use crate::manager::db::{Conn, Mode};
use crate::proto::auth::{
    HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, HEADER_UNIT, MAX_SKEW_SECS, Signed, verify_request,
};

/// An authenticated unit and the body it signed.
#[derive(Debug, Clone)]
pub struct SignedUnit {
    /// The unit's id.
    pub id: i64,
    /// Its hotspot: every read and write of the request is scoped to it.
    pub hotspot: i64,
    /// Its name (sessions and devices record it).
    pub name: String,
    /// The exact body bytes that were signed.
    pub body: Bytes,
}

fn header<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Result<T, SyncError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or(SyncError::Unsigned)
}

fn signed(headers: &HeaderMap) -> Result<Signed, SyncError> {
    let nonce: String = header(headers, HEADER_NONCE)?;
    let hex_of = |n: &str, max| n.len() <= max && n.chars().all(|c| c.is_ascii_hexdigit());
    if nonce.len() < 16 || !hex_of(&nonce, 64) {
        return Err(SyncError::Unsigned);
    }
    Ok(Signed {
        unit: header(headers, HEADER_UNIT)?,
        time: header(headers, HEADER_TIME)?,
        nonce,
        signature: header(headers, HEADER_SIGNATURE)?,
    })
}

/// Checks `signed` against the unit's stored key and records its nonce.
fn authenticate(
    c: &mut dyn Conn,
    method: &str,
    path: &str,
    signed: &Signed,
    body: &[u8],
    now: i64,
) -> Result<SignedUnit, SyncError> {
    let row = c
        .query_opt(
            "SELECT hotspot_id, name, public_key, removed_at, removed_reason FROM units
             WHERE id = $1",
            &[signed.unit.into()],
        )?
        .ok_or(SyncError::UnknownUnit(signed.unit))?;
    verify_request(&row.text(2)?, method, path, signed, body)
        .map_err(|_| SyncError::BadSignature)?;
    if row.opt_int(3)?.is_some() {
        return Err(SyncError::Removed(row.text(4)?));
    }
    c.execute(
        "DELETE FROM sync_nonces WHERE unit_id = $1 AND signed_at < $2",
        &[signed.unit.into(), (now - MAX_SKEW_SECS).into()],
    )?;
    let fresh = c.execute(
        "INSERT INTO sync_nonces (unit_id, nonce, signed_at) VALUES ($1, $2, $3)
         ON CONFLICT (unit_id, nonce) DO NOTHING",
        &[
            signed.unit.into(),
            (&signed.nonce).into(),
            signed.time.into(),
        ],
    )?;
    if fresh == 0 {
        return Err(SyncError::Replayed);
    }
    c.execute(
        "UPDATE units SET last_seen = $1 WHERE id = $2",
        &[now.into(), signed.unit.into()],
    )?;
    Ok(SignedUnit {
        id: signed.unit,
        hotspot: row.int(0)?,
        name: row.text(1)?,
        body: Bytes::new(),
    })
}

impl FromRequest<ManagerState> for SignedUnit {
    type Rejection = SyncError;

    async fn from_request(req: Request, s: &ManagerState) -> Result<Self, SyncError> {
        let (parts, body) = req.into_parts();
        let signed = signed(&parts.headers)?;
        let now = s.now();
        if (signed.time - now).abs() > MAX_SKEW_SECS {
            return Err(SyncError::ClockSkew(signed.time - now));
        }
        let method = parts.method.as_str().to_string();
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        let body = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| SyncError::TooLarge(BODY_LIMIT))?;
        let checked = body.clone();
        let unit =
            s.db.tx(Mode::Write, move |c| {
                authenticate(c, &method, &path, &signed, &checked, now)
            })
            .await?;
        Ok(SignedUnit { body, ..unit })
    }
}
