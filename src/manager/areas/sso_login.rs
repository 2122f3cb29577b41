//! Single sign-on: the platform asks for a one-time login link for one of its resellers; the
//! reseller's browser follows it and lands in the manager logged in, without a password. The
//! link's secret is kept only as a SHA-256, works once, for [`LINK_SECS`]. Following it starts
//! a new session and leaves through a same-site refresh (the session cookie is SameSite=Strict,
//! which a browser withholds across a redirect chain that began on another site; a refresh that
//! replaces the page also keeps the secret out of the history). Also the admin's master key
//! page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Extensions, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::audit;
use super::sso::reseller_of;
use crate::manager::ManagerState;
use crate::manager::auth::guard::address;
use crate::manager::auth::master_key::{self, Sso};
use crate::manager::auth::{Principal, Tenant, session};
use crate::manager::db::{Conn, DbError, Mode};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// How long a login link works.
pub const LINK_SECS: i64 = 60;

/// A login link: open it in the reseller's browser within `expires_at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginLink {
    /// The link (works once).
    pub url: String,
    /// Unix seconds after which it no longer works.
    pub expires_at: i64,
}

/// `POST /api/v1/sso/resellers/{external_id}/login-link`
pub async fn link_api(
    State(s): State<ManagerState>,
    sso: Sso,
    Path(ext): Path<String>,
) -> Result<axum::Json<LoginLink>, Error> {
    let secret = session::random_token();
    let hash = session::digest(&secret);
    let now = s.now();
    let expires_at = now + LINK_SECS;
    s.db.tx(Mode::Write, move |c| {
        let reseller = reseller_of(c, &ext)?;
        let row = c
            .query_opt(
                "SELECT a.id, r.disabled, a.disabled FROM resellers r
                 JOIN accounts a ON a.reseller_id = r.id AND a.role = 'reseller' WHERE r.id = $1",
                &[reseller.into()],
            )?
            .ok_or(Error::NotFound)?;
        if row.bool(1)? || row.bool(2)? {
            return Err(Error::invalid(
                "external_id",
                "names a disabled reseller; enable it (\"disabled\": false) first",
            ));
        }
        c.execute(
            "DELETE FROM login_links WHERE expires_at < $1",
            &[now.into()],
        )?;
        c.execute(
            "INSERT INTO login_links (id_hash, account_id, created_at, expires_at, used)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                hash.into(),
                row.int(0)?.into(),
                now.into(),
                expires_at.into(),
                false.into(),
            ],
        )?;
        let tenant = Some(Tenant {
            reseller_id: reseller,
            hotspot_id: None,
        });
        audit::record(
            c,
            audit::sso(&sso.address),
            now,
            "sso make login link",
            &ext,
            tenant,
        )?;
        Ok(())
    })
    .await?;
    Ok(axum::Json(LoginLink {
        url: format!("{}/sso/login/{secret}", s.public_url),
        expires_at,
    }))
}

#[derive(Template)]
#[template(path = "manager/sso_login.html")]
struct FollowPage {
    ok: bool,
}

/// Uses the link of `secret` up (once, unexpired) and starts a session for its enabled
/// reseller; `None` if there is nothing to log into.
fn consume(
    c: &mut dyn Conn,
    secret: &str,
    addr: &str,
    now: i64,
) -> Result<Option<String>, DbError> {
    let Some(account) = c
        .query_opt(
            "UPDATE login_links SET used = $1 WHERE id_hash = $2 AND used = $3 AND expires_at >= $4
             RETURNING account_id",
            &[
                true.into(),
                session::digest(secret).into(),
                false.into(),
                now.into(),
            ],
        )?
        .map(|r| r.int(0))
        .transpose()?
    else {
        return Ok(None);
    };
    let Some(row) = c.query_opt(
        "SELECT a.username, a.reseller_id FROM accounts a JOIN resellers r ON r.id = a.reseller_id
         WHERE a.id = $1 AND a.disabled = $2 AND r.disabled = $2",
        &[account.into(), false.into()],
    )?
    else {
        return Ok(None);
    };
    let token = session::create(c, account, addr, now)?;
    let tenant = Some(Tenant {
        reseller_id: row.int(1)?,
        hotspot_id: None,
    });
    audit::record(
        c,
        audit::sso(addr),
        now,
        "sso log in",
        &row.text(0)?,
        tenant,
    )?;
    Ok(Some(token))
}

/// `GET /sso/login/{secret}`: a used, expired or unknown link gets a page saying so and no
/// session.
pub async fn follow(
    State(s): State<ManagerState>,
    ext: Extensions,
    Path(secret): Path<String>,
) -> Result<Response, Error> {
    let addr = address(&ext);
    let now = s.now();
    let token = {
        let addr = addr.clone();
        s.db.tx(Mode::Write, move |c| consume(c, &secret, &addr, now))
            .await?
    };
    let mut res = render(&FollowPage {
        ok: token.is_some(),
    })?;
    match token {
        Some(token) => {
            res.headers_mut().append(
                header::SET_COOKIE,
                session::set_cookie(session::COOKIE, &token, s.secure()),
            );
        }
        None => {
            tracing::info!(%addr, "unusable single sign-on link");
            *res.status_mut() = StatusCode::GONE;
        }
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "manager/master_key.html")]
struct KeyPage {
    nav: Nav,
    since: Option<String>,
    new_key: Option<String>,
}

fn key_page(p: &Principal, since: Option<i64>, new_key: Option<String>) -> Result<Response, Error> {
    let since = since.and_then(|t| chrono::DateTime::from_timestamp(t, 0));
    render(&KeyPage {
        nav: Nav::of(p),
        since: since.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        new_key,
    })
}

/// `GET /master-key`
pub async fn key_form(State(s): State<ManagerState>, p: Principal) -> Result<Response, Error> {
    let since = s.db.tx(Mode::Read, master_key::created_at).await?;
    key_page(&p, since, None)
}

/// `POST /master-key`: a new key, shown once; the old one stops working now.
pub async fn key_rotate(State(s): State<ManagerState>, p: Principal) -> Result<Response, Error> {
    let (who, now) = (p.clone(), s.now());
    let key =
        s.db.tx(Mode::Write, move |c| {
            let key = master_key::rotate(c, now)?;
            audit::record(c, who.actor(), now, "rotate master key", "master key", None)?;
            Ok::<_, DbError>(key)
        })
        .await?;
    key_page(&p, Some(now), Some(key))
}
