//! Every user changes their own password here; a one-time password must be changed before
//! anything else. The change ends the account's other sessions and renews this one.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Form, Json, audit};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, password, session};
use crate::manager::db::{DbError, Mode};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};

#[derive(Template)]
#[template(path = "manager/password.html")]
struct PasswordPage {
    nav: Nav,
    one_time: bool,
    error: Option<String>,
}

/// `GET /password`
pub async fn form(p: Principal) -> Result<Response, Error> {
    render(&PasswordPage {
        one_time: p.must_change_password,
        nav: Nav::of(&p),
        error: None,
    })
}

/// The change: the current password and the new one (twice in the form).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Change {
    current: String,
    new: String,
    #[serde(default)]
    repeat: Option<String>,
}

/// Changes `p`'s password; returns the new session's token.
async fn change(state: &ManagerState, p: &Principal, f: Change) -> Result<String, Error> {
    if f.repeat.as_ref().is_some_and(|r| *r != f.new) {
        return Err(Error::invalid(
            "repeat",
            "differs from the new password; type it again",
        ));
    }
    if let Some(problem) = password::problem(&f.new) {
        return Err(Error::invalid("new", problem));
    }
    if f.new == f.current {
        return Err(Error::invalid(
            "new",
            "is the current password; choose another",
        ));
    }
    // The current password proves it is the user and not someone at their open browser;
    // wrong guesses go through the login throttle.
    super::login::check(state, &p.username, &f.current, &p.address)
        .await
        .map_err(|e| match e {
            Error::Unauthenticated => Error::invalid("current", "is not your password"),
            e => e,
        })?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&f.new))
        .await
        .map_err(|_| Error::Internal)?;
    let p = p.clone();
    let now = state.now();
    Ok(state
        .db
        .tx(Mode::Write, move |c| {
            c.execute(
                "UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3",
                &[hash.into(), false.into(), p.account_id.into()],
            )?;
            c.execute(
                "DELETE FROM browser_sessions WHERE account_id = $1",
                &[p.account_id.into()],
            )?;
            let token = session::create(c, p.account_id, &p.address, now)?;
            audit::record(
                c,
                p.actor(),
                now,
                "change own password",
                &p.username,
                p.tenant(),
            )?;
            Ok::<_, DbError>(token)
        })
        .await?)
}

fn with_session(state: &ManagerState, mut res: Response, token: &str) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(session::COOKIE, token, state.secure()),
    );
    res
}

/// `POST /password`
pub async fn submit(
    State(state): State<ManagerState>,
    p: Principal,
    Form(f): Form<Change>,
) -> Result<Response, Error> {
    match change(&state, &p, f).await {
        Ok(token) => Ok(with_session(&state, see_other("/"), &token)),
        Err(e @ Error::Invalid { .. }) => {
            let mut res = render(&PasswordPage {
                one_time: p.must_change_password,
                nav: Nav::of(&p),
                error: Some(e.to_string()),
            })?;
            *res.status_mut() = e.status();
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// `POST /api/v1/me/password` (`{"current", "new"}`): 204, with the renewed session cookie.
pub async fn change_api(
    State(state): State<ManagerState>,
    p: Principal,
    Json(f): Json<Change>,
) -> Result<Response, Error> {
    let token = change(&state, &p, f).await?;
    let res = axum::response::IntoResponse::into_response(axum::http::StatusCode::NO_CONTENT);
    Ok(with_session(&state, res, &token))
}

/// Who is logged in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    username: String,
    role: crate::manager::auth::Role,
    reseller_id: Option<i64>,
    hotspot_id: Option<i64>,
    must_change_password: bool,
    csrf_token: String,
}

/// `GET /api/v1/me`: the account, and the CSRF token API calls with the cookie must send
/// as `X-CSRF-Token`.
pub async fn me_api(p: Principal) -> axum::Json<Me> {
    axum::Json(Me {
        username: p.username,
        role: p.role,
        reseller_id: p.reseller_id,
        hotspot_id: p.hotspot_id,
        must_change_password: p.must_change_password,
        csrf_token: p.csrf,
    })
}
