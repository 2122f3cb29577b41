//! Single sign-on provisioning of a hotspot's customer and desk accounts by the platform's
//! external ids (the rules of `sso`): created with a one-time password answered once, then
//! updated or disabled; an account's role never changes, and its external id never moves to
//! another hotspot.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sso::{Outcome, external_id};
use super::{Json, accounts, audit, taken, username};
use crate::manager::ManagerState;
use crate::manager::auth::master_key::Sso;
use crate::manager::auth::{Tenant, password};
use crate::manager::db::Mode;
use crate::manager::error::Error;

/// A customer or desk account as the platform describes it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountIn {
    /// `customer` or `desk` (cannot change later).
    pub role: String,
    /// Login name (unique).
    pub username: String,
    /// A disabled account cannot log in (default false).
    #[serde(default)]
    pub disabled: bool,
}

/// A customer or desk account after an upsert.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoAccount {
    /// The manager's id.
    pub id: i64,
    /// Its hotspot (the manager's id).
    pub hotspot_id: i64,
    /// The platform's id.
    pub external_id: String,
    /// `customer` or `desk`.
    pub role: String,
    /// Login name.
    pub username: String,
    /// Disabled.
    pub disabled: bool,
    /// Only when the account was created: its one-time password, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_time_password: Option<String>,
    /// What the request did.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// `PUT /api/v1/sso/resellers/{external_id}/hotspots/{hotspot_external_id}/accounts/{account_external_id}`
pub async fn account_api(
    State(s): State<ManagerState>,
    sso: Sso,
    Path((reseller_ext, hotspot_ext, ext)): Path<(String, String, String)>,
    Json(f): Json<AccountIn>,
) -> Result<(StatusCode, axum::Json<SsoAccount>), Error> {
    let ext = external_id(&ext)?;
    let user = username(&f.username)?;
    // A one-time password (argon2, slow) only for an account about to be created.
    let known = {
        let ext = ext.clone();
        s.db.tx(Mode::Read, move |c| {
            c.query_opt(
                "SELECT id FROM accounts WHERE external_id = $1",
                &[ext.into()],
            )
        })
        .await?
        .is_some()
    };
    let fresh = (!known).then(one_time_password);
    let now = s.now();
    let a =
        s.db.tx(Mode::Write, move |c| {
            let (reseller, hotspot) = c
                .query_opt(
                    "SELECT h.reseller_id, h.id FROM hotspots h
                     JOIN resellers r ON r.id = h.reseller_id
                     WHERE r.external_id = $1 AND h.external_id = $2",
                    &[(&reseller_ext).into(), (&hotspot_ext).into()],
                )?
                .map(|r| Ok::<_, Error>((r.int(0)?, r.int(1)?)))
                .transpose()?
                .ok_or(Error::NotFound)?;
            let found = c.query_opt(
                "SELECT id, hotspot_id, role, username, disabled FROM accounts
                 WHERE external_id = $1",
                &[(&ext).into()],
            )?;
            let (id, outcome, password) = match found {
                Some(row) if row.opt_int(1)? != Some(hotspot) => {
                    return Err(Error::invalid(
                        "external_id",
                        "names an account of another hotspot; external ids are unique",
                    ));
                }
                Some(row) if row.text(2)? != f.role => {
                    return Err(Error::invalid(
                        "role",
                        "cannot change; give the new role's account an external id of its own",
                    ));
                }
                Some(row) => {
                    let id = row.int(0)?;
                    let changed = row.text(3)? != user || row.bool(4)? != f.disabled;
                    if changed {
                        c.execute(
                            "UPDATE accounts SET username = $1, disabled = $2 WHERE id = $3",
                            &[(&user).into(), f.disabled.into(), id.into()],
                        )
                        .map_err(taken("username"))?;
                    }
                    if f.disabled {
                        c.execute(
                            "DELETE FROM browser_sessions WHERE account_id = $1",
                            &[id.into()],
                        )?;
                    }
                    (
                        id,
                        Outcome {
                            created: false,
                            changed,
                        },
                        None,
                    )
                }
                None => {
                    // Deleted since the check above (rare): make its password here.
                    let (one_time, hash) = fresh.unwrap_or_else(one_time_password);
                    let id = accounts::insert(c, (reseller, hotspot), &f.role, &user, &hash, now)?;
                    c.execute(
                        "UPDATE accounts SET external_id = $1, disabled = $2 WHERE id = $3",
                        &[(&ext).into(), f.disabled.into(), id.into()],
                    )?;
                    (
                        id,
                        Outcome {
                            created: true,
                            changed: true,
                        },
                        Some(one_time),
                    )
                }
            };
            let tenant = Some(Tenant {
                reseller_id: reseller,
                hotspot_id: Some(hotspot),
            });
            let action = outcome.action(&format!("{} account", f.role));
            audit::record(c, audit::sso(&sso.address), now, &action, &ext, tenant)?;
            Ok(SsoAccount {
                id,
                hotspot_id: hotspot,
                external_id: ext,
                role: f.role,
                username: user,
                disabled: f.disabled,
                one_time_password: password,
                outcome,
            })
        })
        .await?;
    Ok((a.outcome.status(), axum::Json(a)))
}

/// A new one-time password and its hash.
fn one_time_password() -> (String, String) {
    let p = password::generate();
    let h = password::hash(&p);
    (p, h)
}
