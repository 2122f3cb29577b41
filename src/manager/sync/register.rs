//! `POST /sync/v1/register` (the one-time token is the credential) and
//! `POST /sync/v1/rotate` (signed with the current key). Registration consumes the token in
//! the same statement that checks it, so two units racing with one token get one unit; a
//! refused token changes nothing.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;

use super::keys::manager_key;
use super::signed::SignedUnit;
use super::wire::{SyncError, json, public_key};
use crate::manager::ManagerState;
use crate::manager::areas::audit::{self, Actor};
use crate::manager::areas::text;
use crate::manager::areas::vouchers::{hotspot_of, key};
use crate::manager::auth::session;
use crate::manager::db::{Conn, Mode};
use crate::proto::register::{RegisterRequest, RegisterResponse, RotateRequest};

/// The unit as the audit log names its actions.
fn unit_actor(name: &str) -> Actor<'_> {
    Actor {
        account_id: None,
        username: name,
        address: "unit",
    }
}

/// Why a token that did not register was refused.
fn refusal(c: &mut dyn Conn, hash: &str, now: i64) -> Result<SyncError, SyncError> {
    let row = c.query_opt(
        "SELECT used_at, revoked_at, expires_at FROM unit_tokens WHERE token_hash = $1",
        &[hash.into()],
    )?;
    Ok(match row {
        None => SyncError::TokenUnknown,
        Some(r) if r.opt_int(1)?.is_some() => SyncError::TokenRevoked,
        Some(r) if r.opt_int(0)?.is_some() => SyncError::TokenUsed,
        Some(r) if r.int(2)? <= now => SyncError::TokenExpired,
        Some(_) => SyncError::Internal,
    })
}

fn register_tx(
    c: &mut dyn Conn,
    req: &RegisterRequest,
    name: &str,
    key_hex: &str,
    now: i64,
) -> Result<RegisterResponse, SyncError> {
    let hash = session::digest(req.token.trim());
    let Some(token) = c.query_opt(
        "UPDATE unit_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL
         AND revoked_at IS NULL AND expires_at > $1 RETURNING id, hotspot_id",
        &[now.into(), (&hash).into()],
    )?
    else {
        return Err(refusal(c, &hash, now)?);
    };
    let hotspot = token.int(1)?;
    let unit_id = c
        .query(
            "INSERT INTO units (hotspot_id, name, registered_at, last_seen, public_key,
             protocol, version) VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id",
            &[
                hotspot.into(),
                name.into(),
                now.into(),
                key_hex.into(),
                i64::from(req.protocol).into(),
                req.version.chars().take(64).collect::<String>().into(),
            ],
        )?
        .first()
        .ok_or(SyncError::Internal)?
        .int(0)?;
    let (voucher_key, _) = key(c, hotspot, now)?;
    let manager = manager_key(c, now).map_err(|e| {
        tracing::error!(error = %e, "manager signing key");
        SyncError::Internal
    })?;
    let (tenant, _) = hotspot_of(c, hotspot)?;
    let what = format!("unit {unit_id} ({name}) with token {}", token.int(0)?);
    audit::record(
        c,
        unit_actor(name),
        now,
        "register unit",
        &what,
        Some(tenant),
    )?;
    Ok(RegisterResponse {
        unit_id,
        hotspot_id: hotspot,
        manager_key: manager.public_hex,
        voucher_key: hex::encode(voucher_key),
    })
}

/// `POST /sync/v1/register`
pub async fn register(
    State(s): State<ManagerState>,
    body: Body,
) -> Result<(StatusCode, Json<RegisterResponse>), SyncError> {
    let body = axum::body::to_bytes(body, super::REGISTER_LIMIT)
        .await
        .map_err(|_| SyncError::TooLarge(super::REGISTER_LIMIT))?;
    let req: RegisterRequest = json(&body)?;
    let name = text("name", &req.name, 64, true)?;
    let key_hex = public_key(&req.public_key)?;
    if req.protocol == 0 {
        return Err(SyncError::Invalid {
            field: "protocol",
            problem: "must be the protocol revision the unit speaks (1 or later)".into(),
        });
    }
    let now = s.now();
    let answer =
        s.db.tx(Mode::Write, move |c| {
            register_tx(c, &req, &name, &key_hex, now)
        })
        .await?;
    tracing::info!(
        unit = answer.unit_id,
        hotspot = answer.hotspot_id,
        "unit registered"
    );
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `POST /sync/v1/rotate`: the unit's new public key replaces the one that signed this.
pub async fn rotate(
    State(s): State<ManagerState>,
    unit: SignedUnit,
) -> Result<StatusCode, SyncError> {
    let req: RotateRequest = json(&unit.body)?;
    let key_hex = public_key(&req.public_key)?;
    let now = s.now();
    s.db.tx(Mode::Write, move |c| {
        c.execute(
            "UPDATE units SET public_key = $1 WHERE id = $2",
            &[key_hex.into(), unit.id.into()],
        )?;
        let (tenant, _) = hotspot_of(c, unit.hotspot)?;
        let what = format!("unit {} ({})", unit.id, unit.name);
        audit::record(
            c,
            unit_actor(&unit.name),
            now,
            "rotate unit key",
            &what,
            Some(tenant),
        )?;
        Ok::<_, SyncError>(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
