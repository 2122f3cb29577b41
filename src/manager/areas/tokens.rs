//! API tokens for integrations: each user makes their own, named, with a scope (`read`: GET
//! only; `write`: everything the user may do), shown once, kept only as a SHA-256, revocable.
//! A token works on `/api/v1` only, never on the token routes themselves (a leaked token
//! cannot make more), and not past its account's or reseller's disabling.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Form, Json, audit, text};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, session};
use crate::manager::db::{Conn, DbError, Mode, Row};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};

/// Every token starts with this, so a leaked one is recognisable (e.g. by secret scanners).
pub const PREFIX: &str = "hsm_";

/// A token as listed (never its value).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ApiToken)]
pub struct Token {
    /// Id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it was last used, if ever (to the minute).
    pub last_used: Option<i64>,
    /// Whether it was revoked.
    pub revoked: bool,
}

fn token(r: &Row) -> Result<Token, DbError> {
    Ok(Token {
        id: r.int(0)?,
        name: r.text(1)?,
        scope: r.text(2)?,
        created_at: r.int(3)?,
        last_used: r.opt_int(4)?,
        revoked: r.opt_int(5)?.is_some(),
    })
}

const SELECT: &str = "SELECT id, name, scope, created_at, last_used, revoked_at FROM api_tokens";

fn own(c: &mut dyn Conn, account: i64) -> Result<Vec<Token>, DbError> {
    c.query(
        &format!("{SELECT} WHERE account_id = $1 ORDER BY id"),
        &[account.into()],
    )?
    .iter()
    .map(token)
    .collect()
}

/// A new token's name and scope.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewApiToken)]
pub struct NewToken {
    name: String,
    scope: String,
}

/// A token just made: its value, shown once.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ApiTokenMade)]
pub struct Made {
    /// The token.
    #[serde(flatten)]
    pub token: Token,
    /// Send as `Authorization: Bearer <value>`.
    pub value: String,
}

async fn create(state: &ManagerState, p: &Principal, f: NewToken) -> Result<Made, Error> {
    let name = text("name", &f.name, 120, true)?;
    if !["read", "write"].contains(&f.scope.as_str()) {
        return Err(Error::invalid("scope", "must be read or write"));
    }
    let value = format!("{PREFIX}{}", session::random_token());
    let hash = session::digest(&value);
    let (p, now) = (p.clone(), state.now());
    let token = state
        .db
        .tx(Mode::Write, move |c| {
            let id = c.query(
                "INSERT INTO api_tokens (account_id, name, token_hash, scope, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    p.account_id.into(),
                    (&name).into(),
                    hash.into(),
                    (&f.scope).into(),
                    now.into(),
                ],
            )?[0]
                .int(0)?;
            let what = format!("create {} API token", f.scope);
            audit::record(c, p.actor(), now, &what, &name, p.tenant())?;
            let row = c.query_opt(&format!("{SELECT} WHERE id = $1"), &[id.into()])?;
            row.as_ref().map(token).transpose()?.ok_or(Error::Internal)
        })
        .await?;
    Ok(Made { token, value })
}

async fn revoke(state: &ManagerState, p: &Principal, id: i64) -> Result<(), Error> {
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            let name = c
                .query_opt(
                    "SELECT name FROM api_tokens WHERE id = $1 AND account_id = $2",
                    &[id.into(), p.account_id.into()],
                )?
                .ok_or(Error::NotFound)?
                .text(0)?;
            c.execute(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                &[now.into(), id.into()],
            )?;
            audit::record(c, p.actor(), now, "revoke API token", &name, p.tenant())?;
            Ok(())
        })
        .await
}

#[derive(Template)]
#[template(path = "manager/tokens.html")]
struct TokensPage {
    nav: Nav,
    tokens: Vec<Token>,
    made: Option<String>,
}

async fn page_with(
    state: &ManagerState,
    p: &Principal,
    made: Option<String>,
) -> Result<Response, Error> {
    let account = p.account_id;
    let tokens = state.db.tx(Mode::Read, move |c| own(c, account)).await?;
    render(&TokensPage {
        nav: Nav::of(p),
        tokens,
        made,
    })
}

/// `GET /tokens`
pub async fn page(State(s): State<ManagerState>, p: Principal) -> Result<Response, Error> {
    page_with(&s, &p, None).await
}

/// `POST /tokens`: the list, with the new token's value shown once.
pub async fn create_page(
    State(s): State<ManagerState>,
    p: Principal,
    Form(f): Form<NewToken>,
) -> Result<Response, Error> {
    let made = create(&s, &p, f).await?;
    page_with(&s, &p, Some(made.value)).await
}

/// `POST /tokens/{token}/revoke`
pub async fn revoke_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    revoke(&s, &p, id).await?;
    Ok(see_other("/tokens"))
}

/// `GET /api/v1/tokens`
pub async fn list_api(
    State(s): State<ManagerState>,
    p: Principal,
) -> Result<axum::Json<Vec<Token>>, Error> {
    let account = p.account_id;
    Ok(axum::Json(
        s.db.tx(Mode::Read, move |c| own(c, account)).await?,
    ))
}

/// `POST /api/v1/tokens`
pub async fn create_api(
    State(s): State<ManagerState>,
    p: Principal,
    Json(f): Json<NewToken>,
) -> Result<(StatusCode, axum::Json<Made>), Error> {
    Ok((StatusCode::CREATED, axum::Json(create(&s, &p, f).await?)))
}

/// `DELETE /api/v1/tokens/{token}`: revokes it.
pub async fn revoke_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    revoke(&s, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A token found valid.
pub struct Holder {
    /// Its account, as a principal.
    pub principal: Principal,
    /// Whether it may change things.
    pub write: bool,
    /// Its id, when its use is to be recorded (once a minute).
    pub touch: Option<i64>,
}

/// Who holds API token `value`; `None` for an unknown or revoked token or a disabled account.
pub fn holder(
    c: &mut dyn Conn,
    value: &str,
    address: &str,
    now: i64,
) -> Result<Option<Holder>, DbError> {
    let Some(row) = c.query_opt(
        "SELECT a.id, a.username, a.role, a.reseller_id, a.hotspot_id, a.must_change_password,
                t.scope, t.last_used, t.id
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id
         LEFT JOIN resellers r ON r.id = a.reseller_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.disabled = $2
           AND (r.id IS NULL OR r.disabled = $2)",
        &[session::digest(value).into(), false.into()],
    )?
    else {
        return Ok(None);
    };
    let touch = row
        .opt_int(7)?
        .is_none_or(|t| now - t >= 60)
        .then_some(row.int(8)?);
    let role = crate::manager::auth::Role::parse(&row.text(2)?).ok_or(DbError::Type(2))?;
    let principal = Principal {
        account_id: row.int(0)?,
        username: row.text(1)?,
        role,
        reseller_id: row.opt_int(3)?,
        hotspot_id: row.opt_int(4)?,
        must_change_password: row.bool(5)?,
        csrf: String::new(),
        address: address.to_string(),
    };
    Ok(Some(Holder {
        principal,
        write: row.text(6)? == "write",
        touch,
    }))
}

/// Records a use of token `id`.
pub fn touch(c: &mut dyn Conn, id: i64, now: i64) -> Result<(), DbError> {
    c.execute(
        "UPDATE api_tokens SET last_used = $1 WHERE id = $2",
        &[now.into(), id.into()],
    )?;
    Ok(())
}

/// The account owning token `id`, if it exists.
pub fn owner(c: &mut dyn Conn, id: i64) -> Result<Option<i64>, DbError> {
    c.query_opt(
        "SELECT account_id FROM api_tokens WHERE id = $1",
        &[id.into()],
    )?
    .map(|r| r.int(0))
    .transpose()
}
