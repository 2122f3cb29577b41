//! The vouchers view: the page (create a batch, filter, revoke, delete) and the same data
//! under `/api/v1`, both reading through `vouchers`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::voucher_batch::{self, BatchRequest, Created};
use super::vouchers::{self, Batch, STATES, Selection, Voucher};
use super::{Form, Json, Paged, Query, profiles};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};

/// `?state=…&batch=…&creator=…&cursor=…&limit=…`; empty values mean "any" (the page's
/// filter form sends them empty).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// unused, in-use, used, expired or revoked.
    #[serde(default)]
    pub state: String,
    /// A batch id.
    #[serde(default)]
    pub batch: String,
    /// A creator's login name.
    #[serde(default)]
    pub creator: String,
    /// The previous page's `next_cursor`.
    #[serde(default)]
    pub cursor: String,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: String,
}

fn number(field: &'static str, v: &str) -> Result<Option<i64>, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| Error::invalid(field, "must be a number"))
}

fn some(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

impl Filter {
    fn selection(&self) -> Result<Selection, Error> {
        Ok(Selection {
            state: some(&self.state),
            batch: number("batch", &self.batch)?,
            creator: some(&self.creator),
            before: number("cursor", &self.cursor)?,
            limit: number("limit", &self.limit)?.unwrap_or(50).clamp(1, 200),
        })
    }
}

/// One page of a hotspot's vouchers (the query pages and API share).
pub async fn list(state: &ManagerState, hotspot: i64, f: &Filter) -> Result<Paged<Voucher>, Error> {
    let mut sel = f.selection()?;
    let limit = sel.limit;
    sel.limit += 1;
    let now = state.now();
    let rows = state
        .db
        .tx(Mode::Read, move |c| vouchers::select(c, now, hotspot, &sel))
        .await?;
    Ok(Paged::from_rows(rows, limit, |v| v.id))
}

#[derive(Template)]
#[template(path = "manager/vouchers.html")]
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    page: Paged<Voucher>,
    batches: Vec<Batch>,
    /// The hotspot's profiles a batch may be made from: name and name for guests.
    profiles: Vec<(String, String)>,
    creators: Vec<String>,
    states: [&'static str; 5],
    state: String,
    batch: String,
    creator: String,
    portal_url: String,
    next: Option<String>,
}

/// `GET /hotspots/{hotspot}/vouchers`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    let page = list(&s, hotspot, &f).await?;
    let (name, batches, profiles, creators, portal_url) =
        s.db.tx(Mode::Read, move |c| {
            let (_, name) = vouchers::hotspot_of(c, hotspot)?;
            let url = vouchers::portal(c, hotspot)?;
            Ok::<_, Error>((
                name,
                vouchers::batches(c, hotspot, 20)?,
                profiles::names(c, hotspot)?,
                vouchers::creators(c, hotspot)?,
                url,
            ))
        })
        .await?;
    let next = page.next_cursor.map(|c| {
        serde_urlencoded::to_string([
            ("state", f.state.as_str()),
            ("batch", f.batch.as_str()),
            ("creator", f.creator.as_str()),
            ("cursor", &c.to_string()),
        ])
        .unwrap_or_default()
    });
    render(&Page {
        nav: Nav::of(&p),
        hotspot,
        name,
        page,
        batches,
        profiles,
        creators,
        states: STATES,
        state: f.state,
        batch: f.batch,
        creator: f.creator,
        portal_url,
        next,
    })
}

/// `POST /hotspots/{hotspot}/vouchers`: makes the batch and shows it, with its print links.
pub async fn create_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(req): Form<BatchRequest>,
) -> Result<Response, Error> {
    let created = voucher_batch::create(&s, &p, hotspot, req).await?;
    Ok(see_other(&format!(
        "/hotspots/{hotspot}/vouchers?batch={}",
        created.batch.id
    )))
}

/// `POST /hotspots/{hotspot}/vouchers/{voucher}/revoke`
pub async fn revoke_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    vouchers::revoke(&s, &p, hotspot, id).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/vouchers")))
}

/// `POST /hotspots/{hotspot}/vouchers/{voucher}/delete`
pub async fn delete_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    vouchers::delete(&s, &p, hotspot, id).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/vouchers")))
}

/// The portal address form and body.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Portal {
    /// `http://…` of the hotspot's portal as guests reach it, or empty.
    #[serde(default)]
    pub portal_url: String,
}

/// `POST /hotspots/{hotspot}/vouchers/portal` (reseller: where QR codes lead is technical).
pub async fn portal_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(f): Form<Portal>,
) -> Result<Response, Error> {
    vouchers::set_portal(&s, &p, hotspot, &f.portal_url).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/vouchers")))
}

/// `GET /api/v1/hotspots/{hotspot}/vouchers`
pub async fn list_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<axum::Json<Paged<Voucher>>, Error> {
    Ok(axum::Json(list(&s, hotspot, &f).await?))
}

/// `POST /api/v1/hotspots/{hotspot}/vouchers`: the batch and its codes.
pub async fn create_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(req): Json<BatchRequest>,
) -> Result<(StatusCode, axum::Json<Created>), Error> {
    let created = voucher_batch::create(&s, &p, hotspot, req).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// `GET /api/v1/hotspots/{hotspot}/voucher-batches`: the latest 200 batches.
pub async fn batches_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
) -> Result<axum::Json<Vec<Batch>>, Error> {
    let batches =
        s.db.tx(Mode::Read, move |c| vouchers::batches(c, hotspot, 200))
            .await?;
    Ok(axum::Json(batches))
}

/// A profile staff may make a batch from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchProfile {
    /// Its name (the batch request's `profile`).
    pub name: String,
    /// Its name for guests.
    pub name_for_users: String,
}

/// `GET /api/v1/hotspots/{hotspot}/voucher-profiles`: the profiles a batch may be made from
/// (every staff account of the hotspot; editing them is the reseller's).
pub async fn profiles_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
) -> Result<axum::Json<Vec<BatchProfile>>, Error> {
    let names =
        s.db.tx(Mode::Read, move |c| profiles::names(c, hotspot))
            .await?;
    Ok(axum::Json(
        names
            .into_iter()
            .map(|(name, name_for_users)| BatchProfile {
                name,
                name_for_users,
            })
            .collect(),
    ))
}

/// `PUT /api/v1/hotspots/{hotspot}/vouchers/{voucher}/revoked`
pub async fn revoke_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<StatusCode, Error> {
    vouchers::revoke(&s, &p, hotspot, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/hotspots/{hotspot}/vouchers/{voucher}`
pub async fn delete_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<StatusCode, Error> {
    vouchers::delete(&s, &p, hotspot, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/hotspots/{hotspot}/vouchers/portal`
pub async fn portal_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(f): Json<Portal>,
) -> Result<StatusCode, Error> {
    vouchers::set_portal(&s, &p, hotspot, &f.portal_url).await?;
    Ok(StatusCode::NO_CONTENT)
}
