//! Units of a hotspot (reseller; the customer reads): registration tokens a reseller creates
//! for a unit to register with (one-time, expiring, shown once, stored as SHA-256), listed
//! and revoked; and the units registered with one (`manager::sync::register`), with the
//! health each last reported, removed by the reseller with a reason the unit is told.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::dashboard::UNIT_ONLINE_WINDOW;
use super::vouchers::hotspot_of;
use super::{Form, Json, audit, text};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, session};
use crate::manager::db::{Conn, DbError, Mode, Row};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};
use crate::model::units::parse_duration;

/// Longest a token may stay valid.
const MAX_VALIDITY: u64 = 30 * 86_400;

/// A new token's request (form and JSON alike).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewUnitToken)]
pub struct NewToken {
    /// Where the unit goes, e.g. "lobby".
    #[serde(default)]
    pub note: String,
    /// How long it may be used: `1h`, `1d` (default), at most `30d`.
    #[serde(default = "one_day")]
    pub valid_for: String,
}

fn one_day() -> String {
    "1d".into()
}

/// A token as listed (never its secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = UnitToken)]
pub struct Token {
    /// Id.
    pub id: i64,
    /// Where the unit goes.
    pub note: String,
    /// `valid`, `used`, `expired` or `revoked`.
    pub state: &'static str,
    /// Who made it.
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A unit registered at the hotspot, with the health it last reported.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Unit {
    /// Id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// When it registered.
    pub registered_at: i64,
    /// When it last synchronised.
    pub last_seen: Option<i64>,
    /// Seen within the dashboard's online window.
    pub online: bool,
    /// Its software version.
    pub version: String,
    /// The settings revision it applied.
    pub settings_revision: Option<i64>,
    /// Guests online at it now.
    pub clients: Option<i64>,
    /// Records waiting in its outbox.
    pub outbox_depth: Option<i64>,
    /// Age of its oldest waiting record, seconds.
    pub outbox_oldest_secs: Option<i64>,
    /// When a reseller removed it (it no longer syncs).
    pub removed_at: Option<i64>,
    /// Why it was removed.
    pub removed_reason: String,
}

/// Why a unit is removed (form and JSON alike).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = UnitRemoval)]
pub struct Removal {
    /// Shown to the unit, which stops syncing and logs it.
    #[serde(default)]
    pub reason: String,
}

/// A token just made: its secret, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = UnitTokenCreated)]
pub struct Created {
    /// Id.
    pub id: i64,
    /// The secret to give `hotspotd unit register`.
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

fn token(r: &Row, now: i64) -> Result<Token, DbError> {
    let state = if r.opt_int(6)?.is_some() {
        "revoked"
    } else if r.opt_int(5)?.is_some() {
        "used"
    } else if r.int(4)? <= now {
        "expired"
    } else {
        "valid"
    };
    Ok(Token {
        id: r.int(0)?,
        note: r.text(1)?,
        created_by: r.text(2)?,
        created_at: r.int(3)?,
        expires_at: r.int(4)?,
        state,
    })
}

/// The hotspot's units and its latest 50 tokens (the query pages and API share).
pub fn list(c: &mut dyn Conn, hotspot: i64, now: i64) -> Result<(Vec<Unit>, Vec<Token>), Error> {
    let units = c
        .query(
            "SELECT id, name, registered_at, last_seen, version, settings_revision, clients,
             outbox_depth, outbox_oldest_secs, removed_at, removed_reason FROM units
             WHERE hotspot_id = $1 ORDER BY name, id",
            &[hotspot.into()],
        )?
        .iter()
        .map(|r| {
            let last_seen = r.opt_int(3)?;
            let removed_at = r.opt_int(9)?;
            Ok(Unit {
                id: r.int(0)?,
                name: r.text(1)?,
                registered_at: r.int(2)?,
                online: removed_at.is_none()
                    && last_seen.is_some_and(|l| l > now - UNIT_ONLINE_WINDOW),
                last_seen,
                version: r.text(4)?,
                settings_revision: r.opt_int(5)?,
                clients: r.opt_int(6)?,
                outbox_depth: r.opt_int(7)?,
                outbox_oldest_secs: r.opt_int(8)?,
                removed_at,
                removed_reason: r.text(10)?,
            })
        })
        .collect::<Result<_, DbError>>()?;
    let tokens = c
        .query(
            "SELECT id, note, created_by, created_at, expires_at, used_at, revoked_at
             FROM unit_tokens WHERE hotspot_id = $1 ORDER BY id DESC LIMIT 50",
            &[hotspot.into()],
        )?
        .iter()
        .map(|r| token(r, now))
        .collect::<Result<_, DbError>>()?;
    Ok((units, tokens))
}

async fn create(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    new: NewToken,
) -> Result<Created, Error> {
    let note = text("note", &new.note, 120, false)?;
    let secs = parse_duration(new.valid_for.trim())
        .ok()
        .filter(|s| (60..=MAX_VALIDITY).contains(s))
        .ok_or_else(|| Error::invalid("valid_for", "must be 1m to 30d, e.g. 1h or 1d"))?;
    let mut bytes = [0u8; 24];
    rand::rng().fill(&mut bytes);
    let secret = hex::encode(bytes);
    let (p, now) = (p.clone(), s.now());
    let expires_at = now + i64::try_from(secs).map_err(|_| Error::Internal)?;
    let hash = session::digest(&secret);
    s.db.tx(Mode::Write, move |c| {
        let id = c
            .query(
                "INSERT INTO unit_tokens (hotspot_id, note, token_hash, created_by, created_at,
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    hotspot.into(),
                    (&note).into(),
                    hash.into(),
                    (&p.username).into(),
                    now.into(),
                    expires_at.into(),
                ],
            )?
            .first()
            .ok_or(Error::Internal)?
            .int(0)?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        let what = format!("token {id} ({note})");
        audit::record(
            c,
            p.actor(),
            now,
            "create unit registration token",
            &what,
            Some(tenant),
        )?;
        Ok(Created {
            id,
            token: secret,
            expires_at,
        })
    })
    .await
}

async fn revoke(s: &ManagerState, p: &Principal, hotspot: i64, id: i64) -> Result<(), Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        c.query_opt(
            "SELECT id FROM unit_tokens WHERE hotspot_id = $1 AND id = $2",
            &[hotspot.into(), id.into()],
        )?
        .ok_or(Error::NotFound)?;
        c.execute(
            "UPDATE unit_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            &[now.into(), id.into()],
        )?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        let what = format!("token {id}");
        audit::record(
            c,
            p.actor(),
            now,
            "revoke unit registration token",
            &what,
            Some(tenant),
        )?;
        Ok(())
    })
    .await
}

/// Removes unit `id` of `hotspot` for `reason`: its signed requests are refused from now on
/// with the reason (`unit_removed`). Removing a removed unit keeps the first reason.
async fn remove(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    id: i64,
    removal: Removal,
) -> Result<(), Error> {
    let reason = text("reason", &removal.reason, 200, true)?;
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let name = c
            .query_opt(
                "SELECT name FROM units WHERE hotspot_id = $1 AND id = $2",
                &[hotspot.into(), id.into()],
            )?
            .ok_or(Error::NotFound)?
            .text(0)?;
        let changed = c.execute(
            "UPDATE units SET removed_at = $1, removed_reason = $2
             WHERE id = $3 AND removed_at IS NULL",
            &[now.into(), (&reason).into(), id.into()],
        )?;
        if changed > 0 {
            let (tenant, _) = hotspot_of(c, hotspot)?;
            let what = format!("unit {id} ({name}): {reason}");
            audit::record(c, p.actor(), now, "remove unit", &what, Some(tenant))?;
        }
        Ok(())
    })
    .await
}

#[derive(Template)]
#[template(path = "manager/units.html")]
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    units: Vec<Unit>,
    tokens: Vec<Token>,
    created: Option<Created>,
}

async fn show(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    created: Option<Created>,
) -> Result<Response, Error> {
    let now = s.now();
    let (name, (units, tokens)) =
        s.db.tx(Mode::Read, move |c| {
            Ok::<_, Error>((hotspot_of(c, hotspot)?.1, list(c, hotspot, now)?))
        })
        .await?;
    render(&Page {
        nav: Nav::of(p),
        hotspot,
        name,
        units,
        tokens,
        created,
    })
}

/// `GET /hotspots/{hotspot}/units`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    show(&s, &p, hotspot, None).await
}

/// `POST /hotspots/{hotspot}/units/tokens`: the page with the new token shown once (no
/// redirect: it is not stored anywhere it could be shown again).
pub async fn create_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(new): Form<NewToken>,
) -> Result<Response, Error> {
    let created = create(&s, &p, hotspot, new).await?;
    show(&s, &p, hotspot, Some(created)).await
}

/// `POST /hotspots/{hotspot}/units/tokens/{token}/revoke`
pub async fn revoke_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    revoke(&s, &p, hotspot, id).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/units")))
}

/// `POST /hotspots/{hotspot}/units/{unit}/remove`
pub async fn remove_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
    Form(removal): Form<Removal>,
) -> Result<Response, Error> {
    remove(&s, &p, hotspot, id, removal).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/units")))
}

/// `PUT /api/v1/hotspots/{hotspot}/units/{unit}/removed`: `{"reason"}`; no content.
pub async fn remove_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
    Json(removal): Json<Removal>,
) -> Result<StatusCode, Error> {
    remove(&s, &p, hotspot, id, removal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/hotspots/{hotspot}/units`: `{units, tokens}`.
pub async fn api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    let now = s.now();
    let (units, tokens) = s.db.tx(Mode::Read, move |c| list(c, hotspot, now)).await?;
    Ok(axum::Json(serde_json::json!({"units": units, "tokens": tokens})).into_response())
}

/// `POST /api/v1/hotspots/{hotspot}/unit-tokens`: the token, shown this once.
pub async fn create_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(new): Json<NewToken>,
) -> Result<Response, Error> {
    let created = create(&s, &p, hotspot, new).await?;
    Ok((StatusCode::CREATED, axum::Json(created)).into_response())
}

/// `DELETE /api/v1/hotspots/{hotspot}/unit-tokens/{token}`: revoked.
pub async fn revoke_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<StatusCode, Error> {
    revoke(&s, &p, hotspot, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
