//! Single sign-on provisioning: the external platform holding the master key creates, updates
//! and disables resellers, their hotspots and each hotspot's customer and desk accounts by its
//! own external ids. Every call is a PUT-style upsert: the same request twice changes nothing
//! the second time and answers the same ids. An external id names one object across the
//! platform; one already used under another reseller or hotspot is refused, never moved.
//! Every call is audited as `sso`. (Customer and desk accounts: `sso_accounts`.)

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::hotspots::{self, Fields};
use super::{Json, audit, resellers, taken, text, username};
use crate::manager::ManagerState;
use crate::manager::auth::master_key::Sso;
use crate::manager::auth::{Tenant, password};
use crate::manager::db::{Conn, Mode};
use crate::manager::error::Error;

/// An external id: 1–128 letters, digits and `. _ : @ -`.
pub(super) fn external_id(v: &str) -> Result<String, Error> {
    let ok = (1..=128).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:@-".contains(c));
    if ok {
        Ok(v.to_string())
    } else {
        Err(Error::invalid(
            "external_id",
            "must be 1-128 characters: letters, digits, '.', '_', ':', '@' or '-'",
        ))
    }
}

/// What an upsert did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome {
    /// The object did not exist and was created (status 201).
    pub created: bool,
    /// Something was created or changed; `false` for a repeated request.
    pub changed: bool,
}

impl Outcome {
    pub(super) fn action(&self, what: &str) -> String {
        let how = match (self.created, self.changed) {
            (true, _) => "create",
            (false, true) => "update",
            (false, false) => "confirm unchanged",
        };
        format!("sso {how} {what}")
    }

    pub(super) fn status(&self) -> StatusCode {
        if self.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        }
    }
}

/// A reseller as the platform describes it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResellerIn {
    /// Company name (unique).
    pub name: String,
    /// Its login name (unique).
    pub username: String,
    /// Disabled resellers, their customers and desks cannot log in (default false).
    #[serde(default)]
    pub disabled: bool,
}

/// A reseller after an upsert.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoReseller {
    /// The manager's id.
    pub id: i64,
    /// The platform's id.
    pub external_id: String,
    /// Company name.
    pub name: String,
    /// Login name.
    pub username: String,
    /// Disabled.
    pub disabled: bool,
    /// What the request did.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// `PUT /api/v1/sso/resellers/{external_id}`
pub async fn reseller_api(
    State(s): State<ManagerState>,
    sso: Sso,
    Path(ext): Path<String>,
    Json(f): Json<ResellerIn>,
) -> Result<(StatusCode, axum::Json<SsoReseller>), Error> {
    let ext = external_id(&ext)?;
    let name = text("name", &f.name, 120, true)?;
    let user = username(&f.username)?;
    // Resellers provisioned by the platform log in by its links: the hash of a password nobody
    // knows (made once per process; a real argon2 hash, so a password login costs the same).
    let hash = password::dummy_hash().to_string();
    let now = s.now();
    let r =
        s.db.tx(Mode::Write, move |c| {
            let found = c.query_opt(
                "SELECT r.id, r.name, r.disabled, a.id, a.username FROM resellers r
                 JOIN accounts a ON a.reseller_id = r.id AND a.role = 'reseller'
                 WHERE r.external_id = $1",
                &[(&ext).into()],
            )?;
            let (id, outcome) = match found {
                None => {
                    let id = c
                        .query(
                            "INSERT INTO resellers (name, disabled, external_id, created_at)
                             VALUES ($1, $2, $3, $4) RETURNING id",
                            &[(&name).into(), f.disabled.into(), (&ext).into(), now.into()],
                        )
                        .map_err(taken("name"))?[0]
                        .int(0)?;
                    c.execute(
                        "INSERT INTO accounts (username, role, password_hash,
                         must_change_password, reseller_id, created_at)
                         VALUES ($1, 'reseller', $2, $3, $4, $5)",
                        &[
                            (&user).into(),
                            hash.into(),
                            false.into(),
                            id.into(),
                            now.into(),
                        ],
                    )
                    .map_err(taken("username"))?;
                    (
                        id,
                        Outcome {
                            created: true,
                            changed: true,
                        },
                    )
                }
                Some(row) => {
                    let (id, account) = (row.int(0)?, row.int(3)?);
                    let was_disabled = row.bool(2)?;
                    let changed =
                        row.text(1)? != name || was_disabled != f.disabled || row.text(4)? != user;
                    if changed {
                        c.execute(
                            "UPDATE resellers SET name = $1, disabled = $2 WHERE id = $3",
                            &[(&name).into(), f.disabled.into(), id.into()],
                        )
                        .map_err(taken("name"))?;
                        c.execute(
                            "UPDATE accounts SET username = $1 WHERE id = $2",
                            &[(&user).into(), account.into()],
                        )
                        .map_err(taken("username"))?;
                    }
                    if f.disabled && !was_disabled {
                        resellers::end_sessions(c, id)?;
                        c.execute(
                            "DELETE FROM login_links WHERE account_id IN
                             (SELECT id FROM accounts WHERE reseller_id = $1)",
                            &[id.into()],
                        )?;
                    }
                    (
                        id,
                        Outcome {
                            created: false,
                            changed,
                        },
                    )
                }
            };
            let tenant = Some(Tenant {
                reseller_id: id,
                hotspot_id: None,
            });
            let action = outcome.action("reseller");
            audit::record(c, audit::sso(&sso.address), now, &action, &ext, tenant)?;
            Ok::<_, Error>(SsoReseller {
                id,
                external_id: ext,
                name,
                username: user,
                disabled: f.disabled,
                outcome,
            })
        })
        .await?;
    Ok((r.outcome.status(), axum::Json(r)))
}

/// The id of the reseller with external id `ext`, or 404.
pub(super) fn reseller_of(c: &mut dyn Conn, ext: &str) -> Result<i64, Error> {
    c.query_opt(
        "SELECT id FROM resellers WHERE external_id = $1",
        &[ext.into()],
    )?
    .ok_or(Error::NotFound)?
    .int(0)
    .map_err(Error::from)
}

/// A hotspot after an upsert.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoHotspot {
    /// The manager's id.
    pub id: i64,
    /// Its reseller (the manager's id).
    pub reseller_id: i64,
    /// The platform's id.
    pub external_id: String,
    /// Its fields.
    #[serde(flatten)]
    pub fields: Fields,
    /// What the request did.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// `PUT /api/v1/sso/resellers/{external_id}/hotspots/{hotspot_external_id}`
pub async fn hotspot_api(
    State(s): State<ManagerState>,
    sso: Sso,
    Path((reseller_ext, ext)): Path<(String, String)>,
    Json(f): Json<Fields>,
) -> Result<(StatusCode, axum::Json<SsoHotspot>), Error> {
    let ext = external_id(&ext)?;
    let f = f.validated()?;
    let now = s.now();
    let h =
        s.db.tx(Mode::Write, move |c| {
            let reseller = reseller_of(c, &reseller_ext)?;
            let found = c.query_opt(
                "SELECT id, reseller_id FROM hotspots WHERE external_id = $1",
                &[(&ext).into()],
            )?;
            let (id, outcome) = match found {
                Some(row) if row.int(1)? != reseller => {
                    return Err(Error::invalid(
                        "external_id",
                        "names a hotspot of another reseller; external ids are unique",
                    ));
                }
                Some(row) => {
                    let id = row.int(0)?;
                    let changed = hotspots::get(c, id)?.fields != f;
                    if changed {
                        hotspots::update(c, id, &f)?;
                    }
                    (
                        id,
                        Outcome {
                            created: false,
                            changed,
                        },
                    )
                }
                None => {
                    let id = hotspots::insert(c, reseller, &f, now)?;
                    c.execute(
                        "UPDATE hotspots SET external_id = $1 WHERE id = $2",
                        &[(&ext).into(), id.into()],
                    )?;
                    (
                        id,
                        Outcome {
                            created: true,
                            changed: true,
                        },
                    )
                }
            };
            let tenant = Some(Tenant {
                reseller_id: reseller,
                hotspot_id: Some(id),
            });
            let action = outcome.action("hotspot");
            audit::record(c, audit::sso(&sso.address), now, &action, &ext, tenant)?;
            Ok(SsoHotspot {
                id,
                reseller_id: reseller,
                external_id: ext,
                fields: f,
                outcome,
            })
        })
        .await?;
    Ok((h.outcome.status(), axum::Json(h)))
}
