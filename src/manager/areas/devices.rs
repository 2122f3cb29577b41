//! Devices of a hotspot (reseller, customer): each MAC address seen, its guest, its last
//! address and the unit it was on; searchable by MAC or username, paged.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::records::Filter;
use super::vouchers::hotspot_of;
use super::{Paged, Query};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{DbError, Mode};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// A device as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Device {
    /// Id (also the cursor).
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

/// A page of the devices of `hotspot`.
pub async fn list(s: &ManagerState, hotspot: i64, f: &Filter) -> Result<Paged<Device>, Error> {
    let ch = f.checked()?;
    let rows =
        s.db.tx(Mode::Read, move |c| {
            c.query(
                "SELECT d.id, d.mac, g.username, d.ip, d.unit, d.last_seen
                 FROM devices d LEFT JOIN guests g ON g.id = d.guest_id
                 WHERE d.hotspot_id = $1 AND d.id < $2
                 AND (CAST($3 AS TEXT) IS NULL OR d.mac LIKE $3 ESCAPE '\\'
                      OR LOWER(g.username) LIKE $3 ESCAPE '\\')
                 ORDER BY d.id DESC LIMIT $4",
                &[
                    hotspot.into(),
                    ch.before.into(),
                    ch.like.into(),
                    (ch.limit + 1).into(),
                ],
            )?
            .iter()
            .map(|r| {
                Ok(Device {
                    id: r.int(0)?,
                    mac: r.text(1)?,
                    username: r.opt_text(2)?,
                    ip: r.text(3)?,
                    unit: r.text(4)?,
                    last_seen: r.int(5)?,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()
        })
        .await?;
    Ok(Paged::from_rows(rows, ch.limit, |d| d.id))
}

#[derive(Template)]
#[template(path = "manager/devices.html")]
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    page: Paged<Device>,
    f: Filter,
    next: Option<String>,
}

/// `GET /hotspots/{hotspot}/devices`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    let page = list(&s, hotspot, &f).await?;
    let name =
        s.db.tx(Mode::Read, move |c| hotspot_of(c, hotspot))
            .await?
            .1;
    let next = page.next_cursor.map(|c| f.next(c));
    render(&Page {
        nav: Nav::of(&p),
        hotspot,
        name,
        page,
        f,
        next,
    })
}

/// `GET /api/v1/hotspots/{hotspot}/devices`
pub async fn api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    Ok(axum::Json(list(&s, hotspot, &f).await?).into_response())
}
