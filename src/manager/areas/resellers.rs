//! Resellers: the admin creates, edits, disables and deletes them; a reseller reads and edits
//! itself. Each reseller has one login account, created with it (one-time password).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::hotspots::{self, Fields, Hotspot};
use super::{
    ConfirmPage, Created, CreatedPage, Form, Json, PageArgs, Paged, Query, audit, taken, text,
    username,
};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Tenant, password};
use crate::manager::db::{Conn, DbError, Mode, Row};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};

/// A reseller as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reseller {
    /// Id (also the cursor).
    pub id: i64,
    /// Company name.
    pub name: String,
    /// Its login name.
    pub username: String,
    /// Disabled resellers, their customers and desks cannot log in.
    pub disabled: bool,
    /// How many hotspots it has.
    pub hotspots: i64,
}

const SELECT: &str = "SELECT r.id, r.name, COALESCE(a.username, ''), r.disabled,
    (SELECT COUNT(*) FROM hotspots h WHERE h.reseller_id = r.id)
    FROM resellers r LEFT JOIN accounts a ON a.reseller_id = r.id AND a.role = 'reseller'";

fn reseller(r: &Row) -> Result<Reseller, DbError> {
    Ok(Reseller {
        id: r.int(0)?,
        name: r.text(1)?,
        username: r.text(2)?,
        disabled: r.bool(3)?,
        hotspots: r.int(4)?,
    })
}

fn get(c: &mut dyn Conn, id: i64) -> Result<Reseller, Error> {
    let row = c.query_opt(&format!("{SELECT} WHERE r.id = $1"), &[id.into()])?;
    row.as_ref()
        .map(reseller)
        .transpose()?
        .ok_or(Error::NotFound)
}

async fn list(state: &ManagerState, args: PageArgs) -> Result<Paged<Reseller>, Error> {
    let limit = args.limit();
    let rows = state
        .db
        .tx(Mode::Read, move |c| {
            c.query(
                &format!("{SELECT} WHERE r.id > $1 ORDER BY r.id LIMIT $2"),
                &[args.cursor.unwrap_or(0).into(), (limit + 1).into()],
            )?
            .iter()
            .map(reseller)
            .collect::<Result<Vec<_>, DbError>>()
        })
        .await?;
    Ok(Paged::from_rows(rows, limit, |r| r.id))
}

/// A new reseller: its name and its account's login name.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewReseller {
    name: String,
    username: String,
}

async fn create(
    state: &ManagerState,
    p: &Principal,
    f: NewReseller,
) -> Result<Created<Reseller>, Error> {
    let name = text("name", &f.name, 120, true)?;
    let username = username(&f.username)?;
    let one_time = password::generate();
    let hash = password::hash(&one_time);
    let (p, now) = (p.clone(), state.now());
    let object = state
        .db
        .tx(Mode::Write, move |c| {
            let id = c
                .query(
                    "INSERT INTO resellers (name, disabled, created_at) VALUES ($1, $2, $3) RETURNING id",
                    &[(&name).into(), false.into(), now.into()],
                )
                .map_err(taken("name"))?
                .first()
                .ok_or(Error::Internal)?
                .int(0)?;
            c.execute(
                "INSERT INTO accounts (username, role, password_hash, must_change_password,
                 reseller_id, created_at) VALUES ($1, 'reseller', $2, $3, $4, $5)",
                &[(&username).into(), hash.into(), true.into(), id.into(), now.into()],
            )
            .map_err(taken("username"))?;
            let tenant = Some(Tenant { reseller_id: id, hotspot_id: None });
            audit::record(c, p.actor(), now, "create reseller", &name, tenant)?;
            get(c, id)
        })
        .await?;
    Ok(Created {
        object,
        one_time_password: one_time,
    })
}

/// Changes to a reseller (its own account may change its name).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct EditReseller {
    name: String,
}

async fn edit(
    state: &ManagerState,
    p: &Principal,
    id: i64,
    f: EditReseller,
) -> Result<Reseller, Error> {
    let name = text("name", &f.name, 120, true)?;
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            c.execute(
                "UPDATE resellers SET name = $1 WHERE id = $2",
                &[(&name).into(), id.into()],
            )
            .map_err(taken("name"))?;
            let tenant = Some(Tenant {
                reseller_id: id,
                hotspot_id: None,
            });
            audit::record(c, p.actor(), now, "rename reseller", &name, tenant)?;
            get(c, id)
        })
        .await
}

/// Ends the sessions of reseller `id`'s accounts now, not at their next request (it is being
/// disabled).
pub(super) fn end_sessions(c: &mut dyn Conn, id: i64) -> Result<(), DbError> {
    c.execute(
        "DELETE FROM browser_sessions WHERE account_id IN
         (SELECT id FROM accounts WHERE reseller_id = $1)",
        &[id.into()],
    )?;
    Ok(())
}

async fn set_disabled(
    state: &ManagerState,
    p: &Principal,
    id: i64,
    disabled: bool,
) -> Result<Reseller, Error> {
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            c.execute(
                "UPDATE resellers SET disabled = $1 WHERE id = $2",
                &[disabled.into(), id.into()],
            )?;
            if disabled {
                end_sessions(c, id)?;
            }
            let r = get(c, id)?;
            let action = if disabled {
                "disable reseller"
            } else {
                "enable reseller"
            };
            let tenant = Some(Tenant {
                reseller_id: id,
                hotspot_id: None,
            });
            audit::record(c, p.actor(), now, action, &r.name, tenant)?;
            Ok(r)
        })
        .await
}

/// What deleting a reseller removes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ResellerRemoved)]
pub struct Removed {
    /// The reseller's name.
    pub name: String,
    /// Its hotspots.
    pub hotspots: i64,
    /// Its accounts (its own, its hotspots' customers and desks).
    pub accounts: i64,
}

fn removal(c: &mut dyn Conn, id: i64) -> Result<Removed, Error> {
    let r = get(c, id)?;
    let accounts = c
        .query_opt(
            "SELECT COUNT(*) FROM accounts WHERE reseller_id = $1",
            &[id.into()],
        )?
        .map_or(Ok(0), |r| r.int(0))?;
    Ok(Removed {
        name: r.name,
        hotspots: r.hotspots,
        accounts,
    })
}

async fn delete(state: &ManagerState, p: &Principal, id: i64) -> Result<Removed, Error> {
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            let removed = removal(c, id)?;
            // Hotspots, accounts and their sessions go with it (ON DELETE CASCADE).
            c.execute("DELETE FROM resellers WHERE id = $1", &[id.into()])?;
            let tenant = Some(Tenant {
                reseller_id: id,
                hotspot_id: None,
            });
            audit::record(c, p.actor(), now, "delete reseller", &removed.name, tenant)?;
            Ok(removed)
        })
        .await
}

#[derive(Template)]
#[template(path = "manager/resellers.html")]
struct ListPage {
    nav: Nav,
    page: Paged<Reseller>,
}

#[derive(Template)]
#[template(path = "manager/reseller.html")]
struct ShowPage {
    nav: Nav,
    reseller: Reseller,
    hotspots: Vec<Hotspot>,
    f: Fields,
}

/// `GET /resellers`
pub async fn list_page(
    State(s): State<ManagerState>,
    p: Principal,
    Query(a): Query<PageArgs>,
) -> Result<Response, Error> {
    render(&ListPage {
        nav: Nav::of(&p),
        page: list(&s, a).await?,
    })
}

/// `POST /resellers`
pub async fn create_page(
    State(s): State<ManagerState>,
    p: Principal,
    Form(f): Form<NewReseller>,
) -> Result<Response, Error> {
    let c = create(&s, &p, f).await?;
    render(&CreatedPage {
        nav: Nav::of(&p),
        what: format!("Reseller {}", c.object.name),
        username: c.object.username,
        password: c.one_time_password,
        back: format!("/resellers/{}", c.object.id),
    })
}

/// `GET /resellers/{reseller}`
pub async fn show_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let reseller = s.db.tx(Mode::Read, move |c| get(c, id)).await?;
    let hotspots = hotspots::of_reseller(&s, id).await?;
    render(&ShowPage {
        nav: Nav::of(&p),
        reseller,
        hotspots,
        f: hotspots::blank(),
    })
}

/// `POST /resellers/{reseller}`
pub async fn edit_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
    Form(f): Form<EditReseller>,
) -> Result<Response, Error> {
    edit(&s, &p, id, f).await?;
    Ok(see_other(&format!("/resellers/{id}")))
}

/// The disable form: `disabled=true` or `false`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Disabled {
    disabled: bool,
}

/// `POST /resellers/{reseller}/disabled`
pub async fn disable_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
    Form(f): Form<Disabled>,
) -> Result<Response, Error> {
    set_disabled(&s, &p, id, f.disabled).await?;
    Ok(see_other(&format!("/resellers/{id}")))
}

/// `GET /resellers/{reseller}/delete`: what would go, and a button to confirm.
pub async fn confirm_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let r = s.db.tx(Mode::Read, move |c| removal(c, id)).await?;
    render(&ConfirmPage {
        nav: Nav::of(&p),
        what: format!("reseller {}", r.name),
        consequences: vec![
            format!("its {} hotspot(s), with their settings", r.hotspots),
            format!(
                "{} login account(s): the reseller's own and its hotspots' customers and desks",
                r.accounts
            ),
        ],
        action: format!("/resellers/{id}/delete"),
        back: format!("/resellers/{id}"),
    })
}

/// `POST /resellers/{reseller}/delete`
pub async fn delete_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    delete(&s, &p, id).await?;
    Ok(see_other("/resellers"))
}

/// `GET /api/v1/resellers`
pub async fn list_api(
    State(s): State<ManagerState>,
    Query(a): Query<PageArgs>,
) -> Result<axum::Json<Paged<Reseller>>, Error> {
    Ok(axum::Json(list(&s, a).await?))
}

/// `POST /api/v1/resellers`
pub async fn create_api(
    State(s): State<ManagerState>,
    p: Principal,
    Json(f): Json<NewReseller>,
) -> Result<(axum::http::StatusCode, axum::Json<Created<Reseller>>), Error> {
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(create(&s, &p, f).await?),
    ))
}

/// `GET /api/v1/resellers/{reseller}`
pub async fn show_api(
    State(s): State<ManagerState>,
    Path(id): Path<i64>,
) -> Result<axum::Json<Reseller>, Error> {
    Ok(axum::Json(s.db.tx(Mode::Read, move |c| get(c, id)).await?))
}

/// `PATCH /api/v1/resellers/{reseller}`
pub async fn edit_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
    Json(f): Json<EditReseller>,
) -> Result<axum::Json<Reseller>, Error> {
    Ok(axum::Json(edit(&s, &p, id, f).await?))
}

/// `PUT /api/v1/resellers/{reseller}/disabled` (`{"disabled": true}`)
pub async fn disable_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
    Json(f): Json<Disabled>,
) -> Result<axum::Json<Reseller>, Error> {
    Ok(axum::Json(set_disabled(&s, &p, id, f.disabled).await?))
}

/// `DELETE /api/v1/resellers/{reseller}`: what was removed.
pub async fn delete_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Removed>, Error> {
    Ok(axum::Json(delete(&s, &p, id).await?))
}
