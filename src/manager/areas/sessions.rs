//! Sessions of a hotspot, live and history (reseller, customer): username, device, unit,
//! bytes each way, duration, start and end; newest first, filtered by live or ended, by
//! username or MAC and by the days they started, paged by cursor.

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
use crate::model::units::{format_duration, format_size};

/// A session as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    /// Id.
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

static LIST: List = List {
    select: "SELECT s.id, g.username, s.mac, s.unit, s.started_at, s.ended_at, s.bytes_down,
             s.bytes_up FROM guest_sessions s JOIN guests g ON g.id = s.guest_id",
    hotspot: "s.hotspot_id",
    at: "s.started_at",
    id: "s.id",
    // The username through the hotspot's matching guests (one pass over the guests), not
    // a join per session.
    search: "s.mac LIKE ? ESCAPE '\\' OR s.guest_id IN (SELECT m.id FROM guests m
             WHERE m.hotspot_id = $1 AND LOWER(m.username) LIKE ? ESCAPE '\\')",
    live: Some("s.ended_at IS NULL"),
};

fn session(r: &Row) -> Result<Session, DbError> {
    Ok(Session {
        id: r.int(0)?,
        username: r.text(1)?,
        mac: r.text(2)?,
        unit: r.text(3)?,
        started_at: r.int(4)?,
        ended_at: r.opt_int(5)?,
        duration: 0,
        bytes_down: r.int(6)?,
        bytes_up: r.int(7)?,
    })
}

/// A page of the sessions of `hotspot`.
pub async fn list(s: &ManagerState, hotspot: i64, f: Filter) -> Result<Listed<Session>, Error> {
    let mut listed = listing::fetch(s, &LIST, hotspot, f, session, |s| Cursor {
        at: s.started_at,
        id: s.id,
    })
    .await?;
    let now = s.now();
    for s in &mut listed.page.items {
        s.duration = (s.ended_at.unwrap_or(now) - s.started_at).max(0);
    }
    Ok(listed)
}

#[derive(Template)]
#[template(path = "manager/sessions.html")]
struct SessionsPage {
    nav: Nav,
    v: Listed<Session>,
}

/// `GET /hotspots/{hotspot}/sessions`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    render(&SessionsPage {
        nav: Nav::of(&p),
        v: list(&s, hotspot, f).await?,
    })
}

/// `GET /api/v1/hotspots/{hotspot}/sessions`
pub async fn api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<axum::Json<Page<Session>>, Error> {
    Ok(axum::Json(list(&s, hotspot, f).await?.page))
}
