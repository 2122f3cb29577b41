//! Sessions of a hotspot, live and history (reseller, customer): username, device, unit,
//! bytes each way, duration, start and end; filtered by live or ended and by username or
//! MAC, paged.

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
use crate::model::units::{format_duration, format_size};

/// A session as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    /// Id (also the cursor).
    pub id: i64,
    /// The guest's username.
    pub username: String,
    /// The device.
    pub mac: String,
    /// The unit.
    pub unit: String,
    /// Start, Unix seconds.
    pub started_at: i64,
    /// End; none while online.
    pub ended_at: Option<i64>,
    /// Seconds online (until now while live).
    pub duration: i64,
    /// Bytes to the guest.
    pub bytes_down: i64,
    /// Bytes from the guest.
    pub bytes_up: i64,
}

impl Session {
    /// Duration in words.
    pub fn lasted(&self) -> String {
        format_duration(u64::try_from(self.duration).unwrap_or(0))
    }
    /// Traffic in words, down / up.
    pub fn traffic(&self) -> String {
        let size = |b: i64| format_size(u64::try_from(b).unwrap_or(0));
        format!("{} / {}", size(self.bytes_down), size(self.bytes_up))
    }
}

/// A page of the sessions of `hotspot`.
pub async fn list(s: &ManagerState, hotspot: i64, f: &Filter) -> Result<Paged<Session>, Error> {
    let ch = f.checked()?;
    let live = ch.live.map(i64::from);
    let now = s.now();
    let rows =
        s.db.tx(Mode::Read, move |c| {
            c.query(
                "SELECT s.id, g.username, s.mac, s.unit, s.started_at, s.ended_at,
                 COALESCE(s.ended_at, $5) - s.started_at, s.bytes_down, s.bytes_up
                 FROM guest_sessions s JOIN guests g ON g.id = s.guest_id
                 WHERE s.hotspot_id = $1 AND s.id < $2
                 AND (CAST($3 AS TEXT) IS NULL OR s.mac LIKE $3 ESCAPE '\\'
                      OR LOWER(g.username) LIKE $3 ESCAPE '\\')
                 AND (CAST($4 AS BIGINT) IS NULL OR (s.ended_at IS NULL) = ($4 = 1))
                 ORDER BY s.id DESC LIMIT $6",
                &[
                    hotspot.into(),
                    ch.before.into(),
                    ch.like.into(),
                    live.into(),
                    now.into(),
                    (ch.limit + 1).into(),
                ],
            )?
            .iter()
            .map(|r| {
                Ok(Session {
                    id: r.int(0)?,
                    username: r.text(1)?,
                    mac: r.text(2)?,
                    unit: r.text(3)?,
                    started_at: r.int(4)?,
                    ended_at: r.opt_int(5)?,
                    duration: r.int(6)?,
                    bytes_down: r.int(7)?,
                    bytes_up: r.int(8)?,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()
        })
        .await?;
    Ok(Paged::from_rows(rows, ch.limit, |s| s.id))
}

#[derive(Template)]
#[template(path = "manager/sessions.html")]
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    page: Paged<Session>,
    f: Filter,
    next: Option<String>,
}

/// `GET /hotspots/{hotspot}/sessions`
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

/// `GET /api/v1/hotspots/{hotspot}/sessions`
pub async fn api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    Ok(axum::Json(list(&s, hotspot, &f).await?).into_response())
}
