//! Devices of a hotspot (reseller, customer): each MAC address seen, its guest, its last
//! address and the unit it was on; most recently seen first, searchable by MAC or username
//! and by the days last seen, paged by cursor.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::Query;
use super::listing::{self, Cursor, Filter, List, Listed, Page};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{DbError, Row};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// A device as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Device {
    /// Id.
    pub id: i64,
    /// Its MAC address.
    pub mac: String,
    /// Its guest's username (none once the guest was deleted).
    pub username: Option<String>,
    /// Last IP address.
    pub ip: String,
    /// The unit it was last on.
    pub unit: String,
    /// Last seen, Unix seconds.
    pub last_seen: i64,
}

static LIST: List = List {
    select: "SELECT d.id, d.mac, g.username, d.ip, d.unit, d.last_seen
             FROM devices d LEFT JOIN guests g ON g.id = d.guest_id",
    hotspot: "d.hotspot_id",
    at: "d.last_seen",
    id: "d.id",
    search: "d.mac LIKE ? ESCAPE '\\' OR LOWER(g.username) LIKE ? ESCAPE '\\'",
    live: None,
};

fn device(r: &Row) -> Result<Device, DbError> {
    Ok(Device {
        id: r.int(0)?,
        mac: r.text(1)?,
        username: r.opt_text(2)?,
        ip: r.text(3)?,
        unit: r.text(4)?,
        last_seen: r.int(5)?,
    })
}

/// A page of the devices of `hotspot`.
pub async fn list(s: &ManagerState, hotspot: i64, f: Filter) -> Result<Listed<Device>, Error> {
    listing::fetch(s, &LIST, hotspot, f, device, |d| Cursor {
        at: d.last_seen,
        id: d.id,
    })
    .await
}

#[derive(Template)]
#[template(path = "manager/devices.html")]
struct DevicesPage {
    nav: Nav,
    v: Listed<Device>,
}

/// `GET /hotspots/{hotspot}/devices`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    render(&DevicesPage {
        nav: Nav::of(&p),
        v: list(&s, hotspot, f).await?,
    })
}

/// `GET /api/v1/hotspots/{hotspot}/devices`
pub async fn api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<axum::Json<Page<Device>>, Error> {
    Ok(axum::Json(list(&s, hotspot, f).await?.page))
}
