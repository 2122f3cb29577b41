//! Guests of a hotspot (reseller, customer, desk): the list with who is connected now and the
//! traffic each has made, searchable and paged; and deletion (the guest, its sessions; its
//! devices stay, no longer linked).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::records::Filter;
use super::vouchers::hotspot_of;
use super::{Paged, Query, audit};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{DbError, Mode};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};
use crate::model::units::format_size;

/// A guest as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Guest {
    /// Id (also the cursor).
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

/// A page of the guests of `hotspot` and how many are online now.
pub async fn list(
    s: &ManagerState,
    hotspot: i64,
    f: &Filter,
) -> Result<(Paged<Guest>, i64), Error> {
    let ch = f.checked()?;
    let live = ch.live.map(i64::from);
    let (rows, online) =
        s.db.tx(Mode::Read, move |c| {
            let rows = c.query(
                "SELECT * FROM (SELECT g.id, g.username, g.method, g.first_seen, g.last_seen,
                 (SELECT COUNT(*) FROM guest_sessions s WHERE s.guest_id = g.id
                  AND s.ended_at IS NULL) AS online,
                 (SELECT CAST(COALESCE(SUM(s.bytes_down + s.bytes_up), 0) AS BIGINT)
                  FROM guest_sessions s WHERE s.guest_id = g.id) AS bytes
                 FROM guests g WHERE g.hotspot_id = $1 AND g.id < $2
                 AND (CAST($3 AS TEXT) IS NULL OR LOWER(g.username) LIKE $3 ESCAPE '\\')) x
                 WHERE (CAST($4 AS BIGINT) IS NULL OR (x.online > 0) = ($4 = 1))
                 ORDER BY x.id DESC LIMIT $5",
                &[
                    hotspot.into(),
                    ch.before.into(),
                    ch.like.into(),
                    live.into(),
                    (ch.limit + 1).into(),
                ],
            )?;
            let guests = rows
                .iter()
                .map(|r| {
                    Ok(Guest {
                        id: r.int(0)?,
                        username: r.text(1)?,
                        method: r.text(2)?,
                        first_seen: r.int(3)?,
                        last_seen: r.int(4)?,
                        online: r.int(5)?,
                        bytes: r.int(6)?,
                    })
                })
                .collect::<Result<Vec<_>, DbError>>()?;
            let online = c
                .query_opt(
                    "SELECT COUNT(DISTINCT guest_id) FROM guest_sessions
                     WHERE hotspot_id = $1 AND ended_at IS NULL",
                    &[hotspot.into()],
                )?
                .map_or(Ok(0), |r| r.int(0))?;
            Ok::<_, Error>((guests, online))
        })
        .await?;
    Ok((Paged::from_rows(rows, ch.limit, |g| g.id), online))
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
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    page: Paged<Guest>,
    online: i64,
    f: Filter,
    next: Option<String>,
}

/// `GET /hotspots/{hotspot}/guests`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    let (page, online) = list(&s, hotspot, &f).await?;
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
        online,
        f,
        next,
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
    let (page, online) = list(&s, hotspot, &f).await?;
    Ok(axum::Json(serde_json::json!({
        "items": page.items, "next_cursor": page.next_cursor, "online": online
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
