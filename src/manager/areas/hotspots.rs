//! Hotspots: a reseller creates, edits and deletes its own (with the venue's business
//! fields); customers and desks read their one hotspot; the admin sees all.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::accounts::{self, HotspotAccount};
pub use super::hotspot_fields::{Fields, blank};
use super::{ConfirmPage, Form, Json, PageArgs, Paged, Query, audit, taken};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Role, Tenant};
use crate::manager::db::{Conn, DbError, Mode, Row};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};

/// A hotspot.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Hotspot {
    /// Id (also the cursor).
    pub id: i64,
    /// Its reseller.
    pub reseller_id: i64,
    /// Its fields.
    #[serde(flatten)]
    pub fields: Fields,
}

const SELECT: &str = "SELECT id, reseller_id, name, description, business_name, vat_number,
    address, privacy_contact, time_zone FROM hotspots";

fn hotspot(r: &Row) -> Result<Hotspot, DbError> {
    Ok(Hotspot {
        id: r.int(0)?,
        reseller_id: r.int(1)?,
        fields: Fields {
            name: r.text(2)?,
            description: r.text(3)?,
            business_name: r.text(4)?,
            vat_number: r.text(5)?,
            address: r.text(6)?,
            privacy_contact: r.text(7)?,
            time_zone: r.text(8)?,
        },
    })
}

/// Hotspot `id`.
pub(super) fn get(c: &mut dyn Conn, id: i64) -> Result<Hotspot, Error> {
    let row = c.query_opt(&format!("{SELECT} WHERE id = $1"), &[id.into()])?;
    row.as_ref()
        .map(hotspot)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// A hotspot as listed: with its units and guests online now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Listed {
    /// The hotspot.
    #[serde(flatten)]
    pub hotspot: Hotspot,
    /// Units that reported within the dashboard's window.
    pub units_online: i64,
    /// Guests with a session open now.
    pub guests_online: i64,
}

/// The hotspots `p` may see, a page at a time.
pub async fn list(
    state: &ManagerState,
    p: &Principal,
    args: PageArgs,
) -> Result<Paged<Listed>, Error> {
    let limit = args.limit();
    let (reseller, only) = match p.role {
        Role::Admin => (None, None),
        Role::Reseller => (Some(p.reseller_id.unwrap_or(-1)), None),
        Role::Customer | Role::Desk => (None, Some(p.hotspot_id.unwrap_or(-1))),
    };
    let now = state.now();
    let rows = state
        .db
        .tx(Mode::Read, move |c| {
            let hotspots = c
                .query(
                    &format!(
                        "{SELECT} WHERE (CAST($1 AS BIGINT) IS NULL OR reseller_id = $1)
                     AND (CAST($2 AS BIGINT) IS NULL OR id = $2) AND id > $3 ORDER BY id LIMIT $4"
                    ),
                    &[
                        reseller.into(),
                        only.into(),
                        args.cursor.unwrap_or(0).into(),
                        (limit + 1).into(),
                    ],
                )?
                .iter()
                .map(hotspot)
                .collect::<Result<Vec<_>, DbError>>()?;
            let ids: Vec<i64> = hotspots.iter().map(|h| h.id).collect();
            let online = super::dashboard::online_at(c, &ids, now)?;
            Ok::<_, DbError>(
                hotspots
                    .into_iter()
                    .zip(online)
                    .map(|(hotspot, (units_online, guests_online))| Listed {
                        hotspot,
                        units_online,
                        guests_online,
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(Paged::from_rows(rows, limit, |h| h.hotspot.id))
}

/// All hotspots of one reseller (its page).
pub async fn of_reseller(state: &ManagerState, reseller: i64) -> Result<Vec<Hotspot>, Error> {
    Ok(state
        .db
        .tx(Mode::Read, move |c| {
            c.query(
                &format!("{SELECT} WHERE reseller_id = $1 ORDER BY name"),
                &[reseller.into()],
            )?
            .iter()
            .map(hotspot)
            .collect::<Result<Vec<_>, DbError>>()
        })
        .await?)
}

/// Stores a new hotspot of `reseller` with validated fields; returns its id.
pub(super) fn insert(c: &mut dyn Conn, reseller: i64, f: &Fields, now: i64) -> Result<i64, Error> {
    let mut params = f.params();
    params.extend([reseller.into(), now.into()]);
    Ok(c.query(
        "INSERT INTO hotspots (name, description, business_name, vat_number, address,
         privacy_contact, time_zone, reseller_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        &params,
    )
    .map_err(taken("name"))?
    .first()
    .ok_or(Error::Internal)?
    .int(0)?)
}

/// Replaces hotspot `id`'s fields with validated ones.
pub(super) fn update(c: &mut dyn Conn, id: i64, f: &Fields) -> Result<(), Error> {
    let mut params = f.params();
    params.push(id.into());
    c.execute(
        "UPDATE hotspots SET name = $1, description = $2, business_name = $3,
         vat_number = $4, address = $5, privacy_contact = $6, time_zone = $7 WHERE id = $8",
        &params,
    )
    .map_err(taken("name"))?;
    Ok(())
}

async fn create(
    state: &ManagerState,
    p: &Principal,
    reseller: i64,
    f: Fields,
) -> Result<Hotspot, Error> {
    let f = f.validated()?;
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            let id = insert(c, reseller, &f, now)?;
            let tenant = Some(Tenant {
                reseller_id: reseller,
                hotspot_id: Some(id),
            });
            audit::record(c, p.actor(), now, "create hotspot", &f.name, tenant)?;
            get(c, id)
        })
        .await
}

async fn edit(state: &ManagerState, p: &Principal, id: i64, f: Fields) -> Result<Hotspot, Error> {
    let f = f.validated()?;
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            update(c, id, &f)?;
            let h = get(c, id)?;
            let tenant = Some(Tenant {
                reseller_id: h.reseller_id,
                hotspot_id: Some(id),
            });
            audit::record(c, p.actor(), now, "edit hotspot", &f.name, tenant)?;
            Ok(h)
        })
        .await
}

/// What deleting a hotspot removes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = HotspotRemoved)]
pub struct Removed {
    /// The hotspot's name.
    pub name: String,
    /// Its customer and desk accounts.
    pub accounts: Vec<String>,
}

fn removal(c: &mut dyn Conn, id: i64) -> Result<(Hotspot, Removed), Error> {
    let h = get(c, id)?;
    let accounts = accounts::of_hotspot(c, id)?
        .into_iter()
        .map(|a| a.username)
        .collect();
    let name = h.fields.name.clone();
    Ok((h, Removed { name, accounts }))
}

async fn delete(state: &ManagerState, p: &Principal, id: i64) -> Result<Removed, Error> {
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            let (h, removed) = removal(c, id)?;
            c.execute("DELETE FROM hotspots WHERE id = $1", &[id.into()])?;
            let tenant = Some(Tenant {
                reseller_id: h.reseller_id,
                hotspot_id: Some(id),
            });
            audit::record(c, p.actor(), now, "delete hotspot", &removed.name, tenant)?;
            Ok(removed)
        })
        .await
}

#[derive(Template)]
#[template(path = "manager/hotspots.html")]
struct ListPage {
    nav: Nav,
    page: Paged<Listed>,
    f: Fields,
}

#[derive(Template)]
#[template(path = "manager/hotspot.html")]
struct ShowPage {
    nav: Nav,
    id: i64,
    f: Fields,
    accounts: Vec<HotspotAccount>,
    missing: Vec<&'static str>,
    /// Units that reported within the dashboard's window, and guests online now.
    online: (i64, i64),
}

/// `GET /hotspots`
pub async fn list_page(
    State(s): State<ManagerState>,
    p: Principal,
    Query(a): Query<PageArgs>,
) -> Result<Response, Error> {
    let page = list(&s, &p, a).await?;
    render(&ListPage {
        nav: Nav::of(&p),
        page,
        f: blank(),
    })
}

/// `POST /resellers/{reseller}/hotspots`
pub async fn create_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(reseller): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, Error> {
    let h = create(&s, &p, reseller, f).await?;
    Ok(see_other(&format!("/hotspots/{}", h.id)))
}

/// `GET /hotspots/{hotspot}`
pub async fn show_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let reseller = p.role.at_least(Role::Reseller);
    let now = s.now();
    let (hotspot, accounts, online) =
        s.db.tx(Mode::Read, move |c| {
            let accounts = if reseller {
                accounts::of_hotspot(c, id)?
            } else {
                Vec::new()
            };
            let hotspot = get(c, id)?;
            let online = super::dashboard::online_at(c, &[id], now)?;
            Ok::<_, Error>((hotspot, accounts, online.first().copied().unwrap_or((0, 0))))
        })
        .await?;
    let missing = ["customer", "desk"]
        .into_iter()
        .filter(|r| reseller && !accounts.iter().any(|a| a.role == *r))
        .collect();
    render(&ShowPage {
        nav: Nav::of(&p),
        id,
        f: hotspot.fields,
        accounts,
        missing,
        online,
    })
}

/// `POST /hotspots/{hotspot}`
pub async fn edit_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, Error> {
    edit(&s, &p, id, f).await?;
    Ok(see_other(&format!("/hotspots/{id}")))
}

/// `GET /hotspots/{hotspot}/delete`
pub async fn confirm_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let (_, r) = s.db.tx(Mode::Read, move |c| removal(c, id)).await?;
    let mut consequences = vec!["its details and settings".to_string()];
    consequences.extend(r.accounts.iter().map(|a| format!("the login account {a}")));
    render(&ConfirmPage {
        nav: Nav::of(&p),
        what: format!("hotspot {}", r.name),
        consequences,
        action: format!("/hotspots/{id}/delete"),
        back: format!("/hotspots/{id}"),
    })
}

/// `POST /hotspots/{hotspot}/delete`
pub async fn delete_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    delete(&s, &p, id).await?;
    Ok(see_other("/hotspots"))
}

/// `POST /api/v1/resellers/{reseller}/hotspots`
pub async fn create_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(reseller): Path<i64>,
    Json(f): Json<Fields>,
) -> Result<(StatusCode, axum::Json<Hotspot>), Error> {
    Ok((
        StatusCode::CREATED,
        axum::Json(create(&s, &p, reseller, f).await?),
    ))
}

/// `GET /api/v1/hotspots`
pub async fn list_api(
    State(s): State<ManagerState>,
    p: Principal,
    Query(a): Query<PageArgs>,
) -> Result<axum::Json<Paged<Listed>>, Error> {
    Ok(axum::Json(list(&s, &p, a).await?))
}

/// `GET /api/v1/hotspots/{hotspot}`
pub async fn show_api(
    State(s): State<ManagerState>,
    Path(id): Path<i64>,
) -> Result<axum::Json<Hotspot>, Error> {
    Ok(axum::Json(s.db.tx(Mode::Read, move |c| get(c, id)).await?))
}

/// `PUT /api/v1/hotspots/{hotspot}`
pub async fn edit_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
    Json(f): Json<Fields>,
) -> Result<axum::Json<Hotspot>, Error> {
    Ok(axum::Json(edit(&s, &p, id, f).await?))
}

/// `DELETE /api/v1/hotspots/{hotspot}`: what was removed.
pub async fn delete_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Removed>, Error> {
    Ok(axum::Json(delete(&s, &p, id).await?))
}
