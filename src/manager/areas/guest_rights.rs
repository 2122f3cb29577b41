//! Guests' data rights (reseller and customer; not the desk, ROLES.md): a guest's page with
//! its data as a JSON download (access request) and its erasure behind a confirmation, and the
//! hotspot's retention setting. Every access and erasure goes into the audit log, naming the
//! guest by id only (the log must not keep what the erasure removes).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::erasure::{self, Erasure};
use super::vouchers::hotspot_of;
use super::{Form, Json, audit};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};

/// A hotspot's retention of guests' data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Retention {
    /// Months without a visit after which a guest's personal data is erased (1–120,
    /// default 13).
    #[serde(default = "inactive")]
    pub inactive_months: i64,
    /// Months after which raw session rows are dropped (1–120; 0, the default: kept).
    #[serde(default)]
    pub sessions_months: i64,
}

fn inactive() -> i64 {
    13
}

impl Retention {
    fn validated(self) -> Result<Retention, Error> {
        if !(1..=120).contains(&self.inactive_months) {
            return Err(Error::invalid(
                "inactive_months",
                "must be 1-120 (months without a visit before a guest's data is erased)",
            ));
        }
        if !(0..=120).contains(&self.sessions_months) {
            return Err(Error::invalid(
                "sessions_months",
                "must be 0-120 (0 keeps session history; otherwise months to keep)",
            ));
        }
        Ok(self)
    }
}

/// `hotspot`'s retention.
pub async fn retention(s: &ManagerState, hotspot: i64) -> Result<Retention, Error> {
    s.db.tx(Mode::Read, move |c| {
        let r = c
            .query_opt(
                "SELECT retention_inactive_months, retention_sessions_months FROM hotspots
                 WHERE id = $1",
                &[hotspot.into()],
            )?
            .ok_or(Error::NotFound)?;
        Ok(Retention {
            inactive_months: r.int(0)?,
            sessions_months: r.int(1)?,
        })
    })
    .await
}

async fn set_retention(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    r: Retention,
) -> Result<Retention, Error> {
    let r = r.validated()?;
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        c.execute(
            "UPDATE hotspots SET retention_inactive_months = $1, retention_sessions_months = $2
             WHERE id = $3",
            &[
                r.inactive_months.into(),
                r.sessions_months.into(),
                hotspot.into(),
            ],
        )?;
        let (tenant, name) = hotspot_of(c, hotspot)?;
        let what = format!(
            "{name}: {} months inactive, sessions {}",
            r.inactive_months, r.sessions_months
        );
        audit::record(c, p.actor(), now, "set retention", &what, Some(tenant))?;
        Ok(r)
    })
    .await
}

/// Guest `id`'s data, the access audited.
async fn data(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    id: i64,
) -> Result<serde_json::Value, Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let data = erasure::data(c, hotspot, id)?.ok_or(Error::NotFound)?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        let what = format!("guest #{id}");
        audit::record(c, p.actor(), now, "guest data access", &what, Some(tenant))?;
        Ok(data)
    })
    .await
}

/// Erases guest `id`, audited when it was erased now.
async fn erase(s: &ManagerState, p: &Principal, hotspot: i64, id: i64) -> Result<Erasure, Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let done = erasure::erase(c, hotspot, id, now)?.ok_or(Error::NotFound)?;
        if done == Erasure::Now {
            let (tenant, _) = hotspot_of(c, hotspot)?;
            let what = format!("guest #{id}");
            audit::record(c, p.actor(), now, "erase guest", &what, Some(tenant))?;
        }
        Ok(done)
    })
    .await
}

fn when(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "manager/guest.html")]
struct GuestPage {
    nav: Nav,
    hotspot: i64,
    id: i64,
    username: String,
    method: String,
    last_seen: String,
    erased: Option<String>,
    sessions: usize,
    consents: usize,
}

/// `GET /hotspots/{hotspot}/guests/{guest}`: who, the download, the erasure form.
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    let d =
        s.db.tx(Mode::Read, move |c| erasure::data(c, hotspot, id))
            .await?
            .ok_or(Error::NotFound)?;
    let g = &d["guest"];
    let count = |k: &str| d[k].as_array().map_or(0, Vec::len);
    render(&GuestPage {
        nav: Nav::of(&p),
        hotspot,
        id,
        username: g["username"].as_str().unwrap_or_default().to_string(),
        method: g["method"].as_str().unwrap_or_default().to_string(),
        last_seen: when(g["last_seen"].as_i64().unwrap_or_default()),
        erased: g["erased_at"].as_i64().map(when),
        sessions: count("sessions"),
        consents: count("consents"),
    })
}

/// The erasure form: the box must be ticked.
#[derive(Debug, Deserialize)]
pub struct Confirm {
    #[serde(default)]
    confirm: String,
}

/// `POST /hotspots/{hotspot}/guests/{guest}/erase`
pub async fn erase_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
    Form(f): Form<Confirm>,
) -> Result<Response, Error> {
    if f.confirm != "yes" {
        return Err(Error::invalid(
            "confirm",
            "is not ticked; tick it to erase (the erasure cannot be undone)",
        ));
    }
    erase(&s, &p, hotspot, id).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/guests/{id}")))
}

/// `GET /api/v1/hotspots/{hotspot}/guests/{guest}/data`: a download (the guest page links it).
pub async fn data_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    let d = data(&s, &p, hotspot, id).await?;
    let name = format!("attachment; filename=\"guest-{id}.json\"");
    Ok(([(header::CONTENT_DISPOSITION, name)], axum::Json(d)).into_response())
}

/// What an erasure answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erased {
    /// The guest.
    pub id: i64,
    /// False when it had been erased before (nothing changed).
    pub erased_now: bool,
}

/// `POST /api/v1/hotspots/{hotspot}/guests/{guest}/erase`
pub async fn erase_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<axum::Json<Erased>, Error> {
    let done = erase(&s, &p, hotspot, id).await?;
    Ok(axum::Json(Erased {
        id,
        erased_now: done == Erasure::Now,
    }))
}

#[derive(Template)]
#[template(path = "manager/retention.html")]
struct RetentionPage {
    nav: Nav,
    hotspot: i64,
    r: Retention,
}

/// `GET /hotspots/{hotspot}/retention`
pub async fn retention_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    let r = retention(&s, hotspot).await?;
    render(&RetentionPage {
        nav: Nav::of(&p),
        hotspot,
        r,
    })
}

/// `POST /hotspots/{hotspot}/retention`
pub async fn retention_save(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(r): Form<Retention>,
) -> Result<Response, Error> {
    set_retention(&s, &p, hotspot, r).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/retention")))
}

/// `GET /api/v1/hotspots/{hotspot}/retention`
pub async fn retention_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
) -> Result<axum::Json<Retention>, Error> {
    Ok(axum::Json(retention(&s, hotspot).await?))
}

/// `PUT /api/v1/hotspots/{hotspot}/retention`
pub async fn retention_put(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(r): Json<Retention>,
) -> Result<axum::Json<Retention>, Error> {
    Ok(axum::Json(set_retention(&s, &p, hotspot, r).await?))
}
