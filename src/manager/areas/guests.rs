//! Guests of a hotspot (reseller, customer, desk): the list with who is connected now and the
//! traffic each has made, most recently seen first, searchable and paged by cursor; and
//! deletion (the guest, its sessions; its devices stay, no longer linked).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::listing::{self, Cursor, Filter, List, Listed};
use super::vouchers::hotspot_of;
use super::{Query, audit};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{DbError, Mode, Row};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};
use crate::model::units::format_size;

/// A guest as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Guest {
    /// Id.
    pub id: i64,
    /// Email, phone, voucher code or login name.
    pub username: String,
    /// How they logged in.
    pub method: String,
    /// First seen, Unix seconds.
    pub first_seen: i64,
    /// Last seen, Unix seconds.
    pub last_seen: i64,
    /// Sessions online now.
    pub online: i64,
    /// Bytes down and up over all their sessions.
    pub bytes: i64,
}

impl Guest {
    /// The traffic in words.
    pub fn traffic(&self) -> String {
        format_size(u64::try_from(self.bytes).unwrap_or(0))
    }
}

static LIST: List = List {
    select: "SELECT g.id, g.username, g.method, g.first_seen, g.last_seen,
             (SELECT COUNT(*) FROM guest_sessions s WHERE s.guest_id = g.id
              AND s.ended_at IS NULL),
             (SELECT CAST(COALESCE(SUM(s.bytes_down + s.bytes_up), 0) AS BIGINT)
              FROM guest_sessions s WHERE s.guest_id = g.id)
             FROM guests g",
    hotspot: "g.hotspot_id",
    at: "g.last_seen",
    id: "g.id",
    search: "LOWER(g.username) LIKE ? ESCAPE '\\'",
    // Online guests from the hotspot's open sessions (a few index entries), not a probe of
    // every guest's sessions.
    live: Some(
        "g.id IN (SELECT o.guest_id FROM guest_sessions o
         WHERE o.hotspot_id = $1 AND o.ended_at IS NULL)",
    ),
};

fn guest(r: &Row) -> Result<Guest, DbError> {
    Ok(Guest {
        id: r.int(0)?,
        username: r.text(1)?,
        method: r.text(2)?,
        first_seen: r.int(3)?,
        last_seen: r.int(4)?,
        online: r.int(5)?,
        bytes: r.int(6)?,
    })
}

/// A page of the guests of `hotspot` and how many are online now.
pub async fn list(
    s: &ManagerState,
    hotspot: i64,
    f: Filter,
) -> Result<(Listed<Guest>, i64), Error> {
    let listed = listing::fetch(s, &LIST, hotspot, f, guest, |g| Cursor {
        at: g.last_seen,
        id: g.id,
    })
    .await?;
    let online =
        s.db.tx(Mode::Read, move |c| {
            c.query_opt(
                "SELECT COUNT(DISTINCT guest_id) FROM guest_sessions
                 WHERE hotspot_id = $1 AND ended_at IS NULL",
                &[hotspot.into()],
            )?
            .map_or(Ok(0), |r| r.int(0))
        })
        .await?;
    Ok((listed, online))
}

/// Deletes guest `id` of `hotspot` with its sessions.
pub async fn delete(s: &ManagerState, p: &Principal, hotspot: i64, id: i64) -> Result<(), Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let name = c
            .query_opt(
                "SELECT username FROM guests WHERE hotspot_id = $1 AND id = $2",
                &[hotspot.into(), id.into()],
            )?
            .ok_or(Error::NotFound)?
            .text(0)?;
        c.execute("DELETE FROM guests WHERE id = $1", &[id.into()])?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(c, p.actor(), now, "delete guest", &name, Some(tenant))?;
        Ok(())
    })
    .await
}

#[derive(Template)]
#[template(path = "manager/guests.html")]
struct GuestsPage {
    nav: Nav,
    v: Listed<Guest>,
    online: i64,
}

/// `GET /hotspots/{hotspot}/guests`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    let (v, online) = list(&s, hotspot, f).await?;
    render(&GuestsPage {
        nav: Nav::of(&p),
        v,
        online,
    })
}

/// `POST /hotspots/{hotspot}/guests/{guest}/delete`
pub async fn delete_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    delete(&s, &p, hotspot, id).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/guests")))
}

/// `GET /api/v1/hotspots/{hotspot}/guests`: a page, and `online` (guests connected now).
pub async fn list_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    let (v, online) = list(&s, hotspot, f).await?;
    Ok(axum::Json(serde_json::json!({
        "items": v.page.items, "next_cursor": v.page.next_cursor, "online": online
    }))
    .into_response())
}

/// `DELETE /api/v1/hotspots/{hotspot}/guests/{guest}`
pub async fn delete_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<StatusCode, Error> {
    delete(&s, &p, hotspot, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
