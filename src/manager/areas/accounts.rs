//! A hotspot's two staff accounts (the seed: "Every Hotspot can have only 2 different
//! profiles/accounts"): one customer and one desk, created, reset and deleted by the
//! reseller. The database enforces one of each per hotspot.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{ConfirmPage, Created, CreatedPage, Form, Json, audit, taken, username};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Tenant, password};
use crate::manager::db::{Conn, DbError, Mode, Row};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};

/// A customer or desk account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HotspotAccount {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// `customer` or `desk`.
    pub role: String,
    /// Its hotspot.
    pub hotspot_id: i64,
    /// Still on its one-time password.
    pub must_change_password: bool,
}

const SELECT: &str = "SELECT id, username, role, hotspot_id, must_change_password, reseller_id
    FROM accounts WHERE role IN ('customer', 'desk')";

fn account(r: &Row) -> Result<HotspotAccount, DbError> {
    Ok(HotspotAccount {
        id: r.int(0)?,
        username: r.text(1)?,
        role: r.text(2)?,
        hotspot_id: r.int(3)?,
        must_change_password: r.bool(4)?,
    })
}

/// The customer and desk accounts of hotspot `id`.
pub fn of_hotspot(c: &mut dyn Conn, id: i64) -> Result<Vec<HotspotAccount>, DbError> {
    c.query(
        &format!("{SELECT} AND hotspot_id = $1 ORDER BY role"),
        &[id.into()],
    )?
    .iter()
    .map(account)
    .collect()
}

fn get(c: &mut dyn Conn, id: i64) -> Result<(HotspotAccount, Tenant), Error> {
    let row = c
        .query_opt(&format!("{SELECT} AND id = $1"), &[id.into()])?
        .ok_or(Error::NotFound)?;
    let a = account(&row)?;
    let tenant = Tenant {
        reseller_id: row.int(5)?,
        hotspot_id: Some(a.hotspot_id),
    };
    Ok((a, tenant))
}

/// A new account: `customer` or `desk`, and its login name.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    role: String,
    username: String,
}

/// Stores a new `role` account (customer or desk) of `hotspot` (of `reseller`) on a one-time
/// password's `hash`, if the hotspot has none of that role yet; returns its id.
pub(super) fn insert(
    c: &mut dyn Conn,
    (reseller, hotspot): (i64, i64),
    role: &str,
    name: &str,
    hash: &str,
    now: i64,
) -> Result<i64, Error> {
    if !["customer", "desk"].contains(&role) {
        return Err(Error::invalid("role", "must be customer or desk"));
    }
    if of_hotspot(c, hotspot)?.iter().any(|a| a.role == role) {
        return Err(Error::invalid(
            "role",
            format!("this hotspot already has its {role} account; reset or delete it"),
        ));
    }
    Ok(c.query(
        "INSERT INTO accounts (username, role, password_hash, must_change_password,
         reseller_id, hotspot_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id",
        &[
            name.into(),
            role.into(),
            hash.into(),
            true.into(),
            reseller.into(),
            hotspot.into(),
            now.into(),
        ],
    )
    .map_err(taken("username"))?
    .first()
    .ok_or(Error::Internal)?
    .int(0)?)
}

async fn create(
    state: &ManagerState,
    p: &Principal,
    hotspot: i64,
    f: NewAccount,
) -> Result<Created<HotspotAccount>, Error> {
    let name = username(&f.username)?;
    let one_time = password::generate();
    let hash = password::hash(&one_time);
    let (p, now) = (p.clone(), state.now());
    let object = state
        .db
        .tx(Mode::Write, move |c| {
            let reseller = c
                .query_opt(
                    "SELECT reseller_id FROM hotspots WHERE id = $1",
                    &[hotspot.into()],
                )?
                .ok_or(Error::NotFound)?
                .int(0)?;
            let id = insert(c, (reseller, hotspot), &f.role, &name, &hash, now)?;
            let tenant = Some(Tenant {
                reseller_id: reseller,
                hotspot_id: Some(hotspot),
            });
            audit::record(
                c,
                p.actor(),
                now,
                &format!("create {} account", f.role),
                &name,
                tenant,
            )?;
            Ok::<_, Error>(get(c, id)?.0)
        })
        .await?;
    Ok(Created {
        object,
        one_time_password: one_time,
    })
}

async fn reset(
    state: &ManagerState,
    p: &Principal,
    id: i64,
) -> Result<Created<HotspotAccount>, Error> {
    let one_time = password::generate();
    let hash = password::hash(&one_time);
    let (p, now) = (p.clone(), state.now());
    let object = state
        .db
        .tx(Mode::Write, move |c| {
            c.execute(
                "UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3",
                &[hash.into(), true.into(), id.into()],
            )?;
            c.execute(
                "DELETE FROM browser_sessions WHERE account_id = $1",
                &[id.into()],
            )?;
            let (a, tenant) = get(c, id)?;
            audit::record(
                c,
                p.actor(),
                now,
                "reset password",
                &a.username,
                Some(tenant),
            )?;
            Ok::<_, Error>(a)
        })
        .await?;
    Ok(Created {
        object,
        one_time_password: one_time,
    })
}

async fn delete(state: &ManagerState, p: &Principal, id: i64) -> Result<HotspotAccount, Error> {
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            let (a, tenant) = get(c, id)?;
            c.execute("DELETE FROM accounts WHERE id = $1", &[id.into()])?;
            audit::record(
                c,
                p.actor(),
                now,
                &format!("delete {} account", a.role),
                &a.username,
                Some(tenant),
            )?;
            Ok(a)
        })
        .await
}

fn created_page(p: &Principal, c: Created<HotspotAccount>) -> Result<Response, Error> {
    render(&CreatedPage {
        nav: Nav::of(p),
        what: format!("The {} account", c.object.role),
        username: c.object.username,
        password: c.one_time_password,
        back: format!("/hotspots/{}", c.object.hotspot_id),
    })
}

/// `POST /hotspots/{hotspot}/accounts`
pub async fn create_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(h): Path<i64>,
    Form(f): Form<NewAccount>,
) -> Result<Response, Error> {
    let c = create(&s, &p, h, f).await?;
    created_page(&p, c)
}

/// `POST /accounts/{account}/password`
pub async fn reset_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let c = reset(&s, &p, id).await?;
    created_page(&p, c)
}

/// `GET /accounts/{account}/delete`
pub async fn confirm_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let (a, _) = s.db.tx(Mode::Read, move |c| get(c, id)).await?;
    render(&ConfirmPage {
        nav: Nav::of(&p),
        what: format!("the {} account {}", a.role, a.username),
        consequences: vec![format!(
            "{} can no longer log in; its sessions end now",
            a.username
        )],
        action: format!("/accounts/{id}/delete"),
        back: format!("/hotspots/{}", a.hotspot_id),
    })
}

/// `POST /accounts/{account}/delete`
pub async fn delete_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let a = delete(&s, &p, id).await?;
    Ok(see_other(&format!("/hotspots/{}", a.hotspot_id)))
}

/// `GET /api/v1/hotspots/{hotspot}/accounts`
pub async fn list_api(
    State(s): State<ManagerState>,
    Path(h): Path<i64>,
) -> Result<axum::Json<Vec<HotspotAccount>>, Error> {
    Ok(axum::Json(
        s.db.tx(Mode::Read, move |c| of_hotspot(c, h)).await?,
    ))
}

/// `POST /api/v1/hotspots/{hotspot}/accounts`
pub async fn create_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(h): Path<i64>,
    Json(f): Json<NewAccount>,
) -> Result<(StatusCode, axum::Json<Created<HotspotAccount>>), Error> {
    Ok((StatusCode::CREATED, axum::Json(create(&s, &p, h, f).await?)))
}

/// `POST /api/v1/accounts/{account}/password`: a new one-time password.
pub async fn reset_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Created<HotspotAccount>>, Error> {
    Ok(axum::Json(reset(&s, &p, id).await?))
}

/// `DELETE /api/v1/accounts/{account}`
pub async fn delete_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<HotspotAccount>, Error> {
    Ok(axum::Json(delete(&s, &p, id).await?))
}
