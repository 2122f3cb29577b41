//! The audit log: every change (who, what, when, from where), written in the transaction of
//! the change itself; read by the admin (all) and each reseller (its own tenants).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::{PageArgs, Paged, Query};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Role, Tenant};
use crate::manager::db::{Conn, DbError, Mode, Row};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// Who did something, as the log records it.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// Their account (none for the single-sign-on platform).
    pub account_id: Option<i64>,
    /// Their login name at the time.
    pub username: &'a str,
    /// Where the request came from.
    pub address: &'a str,
}

impl Principal {
    /// This principal as an audit log actor.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            account_id: Some(self.account_id),
            username: &self.username,
            address: &self.address,
        }
    }
}

/// The external platform acting with the master key (single sign-on), from `address`.
pub fn sso(address: &str) -> Actor<'_> {
    Actor {
        account_id: None,
        username: "sso",
        address,
    }
}

/// Records that `who` did `action` to `object` (of `tenant`), in the caller's transaction.
pub fn record(
    c: &mut dyn Conn,
    who: Actor<'_>,
    now: i64,
    action: &str,
    object: &str,
    tenant: Option<Tenant>,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO audit_log (at, account_id, actor, reseller_id, hotspot_id, action, object,
         detail, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            now.into(),
            who.account_id.into(),
            who.username.into(),
            tenant.map(|t| t.reseller_id).into(),
            tenant.and_then(|t| t.hotspot_id).into(),
            action.into(),
            object.into(),
            "".into(),
            who.address.into(),
        ],
    )?;
    Ok(())
}

/// Records a change made from the command line on the manager's host.
pub fn record_system(
    c: &mut dyn Conn,
    now: i64,
    account_id: Option<i64>,
    action: &str,
    object: &str,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO audit_log (at, account_id, actor, reseller_id, hotspot_id, action, object,
         detail, address) VALUES ($1, $2, 'command line', NULL, NULL, $3, $4, '', 'local')",
        &[now.into(), account_id.into(), action.into(), object.into()],
    )?;
    Ok(())
}

/// One entry as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AuditEntry)]
pub struct Entry {
    /// Its id (also the cursor).
    pub id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// When, as UTC text.
    pub when: String,
    /// Who (login name at the time).
    pub actor: String,
    /// What was done.
    pub action: String,
    /// To what.
    pub object: String,
    /// From where (the client's address).
    pub address: String,
}

fn entry(r: &Row) -> Result<Entry, DbError> {
    let at = r.int(1)?;
    Ok(Entry {
        id: r.int(0)?,
        at,
        when: chrono::DateTime::from_timestamp(at, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default(),
        actor: r.text(2)?,
        action: r.text(3)?,
        object: r.text(4)?,
        address: r.text(5)?,
    })
}

/// Newest first, within `p`'s scope: all for the admin, the reseller's own tenants otherwise.
pub async fn list(
    state: &ManagerState,
    p: &Principal,
    args: PageArgs,
) -> Result<Paged<Entry>, Error> {
    let limit = args.limit();
    let reseller = if p.role == Role::Admin {
        None
    } else {
        Some(p.reseller_id.unwrap_or(-1))
    };
    let rows = state
        .db
        .tx(Mode::Read, move |c| {
            // A reseller's page is a range of `audit_by_tenant`; written as a plain equality
            // (not "null or equal") so that SQLite's plan, made before the value is bound, uses
            // it instead of walking everyone's entries.
            let tenant = if reseller.is_some() {
                "reseller_id = $1"
            } else {
                "CAST($1 AS BIGINT) IS NULL"
            };
            c.query(
                &format!(
                    "SELECT id, at, actor, action, object, address FROM audit_log
                     WHERE {tenant} AND id < $2 ORDER BY id DESC LIMIT $3"
                ),
                &[
                    reseller.into(),
                    args.cursor.unwrap_or(i64::MAX).into(),
                    (limit + 1).into(),
                ],
            )?
            .iter()
            .map(entry)
            .collect::<Result<Vec<_>, DbError>>()
        })
        .await?;
    Ok(Paged::from_rows(rows, limit, |e| e.id))
}

#[derive(Template)]
#[template(path = "manager/audit.html")]
struct AuditPage {
    nav: Nav,
    page: Paged<Entry>,
}

/// `GET /audit`
pub async fn page(
    State(state): State<ManagerState>,
    p: Principal,
    Query(args): Query<PageArgs>,
) -> Result<Response, Error> {
    let page = list(&state, &p, args).await?;
    render(&AuditPage {
        nav: Nav::of(&p),
        page,
    })
}

/// `GET /api/v1/audit`
pub async fn api(
    State(state): State<ManagerState>,
    p: Principal,
    Query(args): Query<PageArgs>,
) -> Result<axum::Json<Paged<Entry>>, Error> {
    Ok(axum::Json(list(&state, &p, args).await?))
}
