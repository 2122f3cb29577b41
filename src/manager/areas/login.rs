//! Logging in and out. The login form is protected against login CSRF by a double-submit
//! token (a pre-login cookie equal to a hidden field); failures are throttled per account name
//! and per address; a successful login always starts a new session.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Form;
use crate::manager::ManagerState;
use crate::manager::areas::audit;
use crate::manager::auth::guard::address;
use crate::manager::auth::{Principal, Tenant, password, session};
use crate::manager::db::{DbError, Mode};
use crate::manager::error::Error;
use crate::manager::pages::{render, see_other};

/// The pre-login cookie.
const PRE_LOGIN: &str = "hsm_login";

#[derive(Template)]
#[template(path = "manager/login.html")]
struct LoginPage {
    token: String,
    error: Option<String>,
}

fn login_page(
    state: &ManagerState,
    error: Option<String>,
    status: axum::http::StatusCode,
) -> Result<Response, Error> {
    let token = session::random_token();
    let mut res = render(&LoginPage {
        token: token.clone(),
        error,
    })?;
    *res.status_mut() = status;
    res.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(PRE_LOGIN, &token, state.secure()),
    );
    Ok(res)
}

/// `GET /login`
pub async fn form(State(state): State<ManagerState>) -> Result<Response, Error> {
    login_page(&state, None, axum::http::StatusCode::OK)
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
    token: String,
}

/// `POST /login`
pub async fn submit(
    State(state): State<ManagerState>,
    headers: HeaderMap,
    req_parts: axum::http::Extensions,
    Form(f): Form<Credentials>,
) -> Result<Response, Error> {
    use axum::http::StatusCode;
    if session::cookie(&headers, PRE_LOGIN) != Some(f.token.as_str()) || f.token.is_empty() {
        return login_page(
            &state,
            Some(Error::Forbidden.to_string()),
            StatusCode::FORBIDDEN,
        );
    }
    let addr = address(&req_parts);
    match authenticate(&state, &f.username, &f.password, &addr).await {
        Ok((token, must_change)) => {
            let mut res = see_other(if must_change { "/password" } else { "/" });
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                session::set_cookie(session::COOKIE, &token, state.secure()),
            );
            h.append(
                header::SET_COOKIE,
                session::set_cookie(PRE_LOGIN, "", state.secure()),
            );
            Ok(res)
        }
        Err(e @ (Error::Unauthenticated | Error::Throttled(_))) => {
            let msg = match &e {
                Error::Unauthenticated => "wrong name or password".to_string(),
                e => e.to_string(),
            };
            let mut res = login_page(&state, Some(msg), e.status())?;
            if let Error::Throttled(secs) = e {
                res.headers_mut().insert(header::RETRY_AFTER, secs.into());
            }
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// An account whose password was right.
pub struct Checked {
    id: i64,
    name: String,
    must_change: bool,
    reseller_id: Option<i64>,
    hotspot_id: Option<i64>,
}

/// Checks a name and password under the throttle; on success starts a session and returns
/// its token and whether the password is a one-time one.
pub async fn authenticate(
    state: &ManagerState,
    username: &str,
    pass: &str,
    addr: &str,
) -> Result<(String, bool), Error> {
    let a = check(state, username, pass, addr).await?;
    let now = state.now();
    let addr = addr.to_string();
    let must_change = a.must_change;
    let token = state
        .db
        .tx(Mode::Write, move |c| {
            let token = session::create(c, a.id, &addr, now)?;
            let who = audit::Actor {
                account_id: Some(a.id),
                username: &a.name,
                address: &addr,
            };
            let tenant = a.reseller_id.map(|r| Tenant {
                reseller_id: r,
                hotspot_id: a.hotspot_id,
            });
            audit::record(c, who, now, "log in", &a.name, tenant)?;
            Ok::<_, DbError>(token)
        })
        .await?;
    Ok((token, must_change))
}

/// Whether `pass` is the password of the enabled account `username`, under the throttle (per
/// name and per address).
pub async fn check(
    state: &ManagerState,
    username: &str,
    pass: &str,
    addr: &str,
) -> Result<Checked, Error> {
    let name = username.trim().to_lowercase();
    let now_ms = state.now_ms();
    let (by_name, by_addr) = {
        let mut t = state.throttle.lock().unwrap_or_else(|p| p.into_inner());
        let by_addr = t
            .reserve(&format!("addr:{addr}"), now_ms)
            .map_err(throttled)?;
        match t.reserve(&format!("name:{name}"), now_ms) {
            Ok(by_name) => (by_name, by_addr),
            Err(w) => {
                t.give_back(by_addr);
                return Err(throttled(w));
            }
        }
    };
    let found = {
        let name = name.clone();
        state
            .db
            .tx(Mode::Read, move |c| {
                c.query_opt(
                    "SELECT a.id, a.password_hash, a.must_change_password, a.reseller_id,
                            a.hotspot_id
                     FROM accounts a LEFT JOIN resellers r ON r.id = a.reseller_id
                     WHERE a.username = $1 AND a.disabled = $2
                       AND (r.id IS NULL OR r.disabled = $2)",
                    &[name.into(), false.into()],
                )?
                .map(|r| -> Result<_, DbError> {
                    Ok((
                        r.int(0)?,
                        r.text(1)?,
                        r.bool(2)?,
                        r.opt_int(3)?,
                        r.opt_int(4)?,
                    ))
                })
                .transpose()
            })
            .await?
    };
    // Hashing is CPU work: off the async threads. Unknown names hash too (same time).
    let hash = found
        .as_ref()
        .map_or_else(|| password::dummy_hash().to_string(), |f| f.1.clone());
    let pass = pass.to_string();
    let ok = tokio::task::spawn_blocking(move || password::verify(&hash, &pass))
        .await
        .map_err(|_| Error::Internal)?;
    let Some((id, _, must_change, reseller_id, hotspot_id)) = found.filter(|_| ok) else {
        tracing::info!(user = %name, %addr, "manager login failed");
        return Err(Error::Unauthenticated);
    };
    {
        let mut t = state.throttle.lock().unwrap_or_else(|p| p.into_inner());
        t.give_back(by_name);
        t.give_back(by_addr);
    }
    Ok(Checked {
        id,
        name,
        must_change,
        reseller_id,
        hotspot_id,
    })
}

/// A throttle refusal as the error users see.
fn throttled(w: crate::model::throttle::Throttled) -> Error {
    Error::Throttled(w.retry_after())
}

/// `POST /logout`
pub async fn logout(
    State(state): State<ManagerState>,
    headers: HeaderMap,
    _p: Principal,
) -> Result<Response, Error> {
    if let Some(token) = session::cookie(&headers, session::COOKIE).map(str::to_string) {
        state
            .db
            .tx(Mode::Write, move |c| session::delete(c, &token))
            .await?;
    }
    let mut res = see_other("/login");
    res.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(session::COOKIE, "", state.secure()),
    );
    Ok(res.into_response())
}
