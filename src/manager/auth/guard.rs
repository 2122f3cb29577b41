//! The guard in front of every route: who is asking (session cookie), whether their role may
//! call the route, whether the path's object is in their scope, and, for anything that
//! changes state, whether the request carries the session's CSRF token. All of it before the
//! handler runs; a refused request reaches no handler and changes nothing.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::session::Found;
use super::{Principal, Role, Tenant, session};
use crate::manager::ManagerState;
use crate::manager::db::{Conn, DbError, Mode};
use crate::manager::error::Error;
use crate::manager::routes::{Access, Route, Scope};

/// Largest form body the guard reads to find the CSRF token.
const MAX_FORM: usize = 64 * 1024;

/// The form field and the header that carry the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
const CSRF_HEADER: &str = "x-csrf-token";

/// The requesting peer's address as the audit log records it.
pub fn address(req_ext: &axum::http::Extensions) -> String {
    req_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// Runs the checks of `route`, then the handler.
pub async fn check(
    State((state, route)): State<(ManagerState, &'static Route)>,
    req: Request,
    next: Next,
) -> Response {
    match admit(&state, route, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn admit(state: &ManagerState, route: &Route, req: Request) -> Result<Request, Error> {
    let unsafe_method = !matches!(req.method(), &Method::GET | &Method::HEAD);
    if unsafe_method && !same_origin(state, &req) {
        return Err(Error::Forbidden);
    }
    if route.access == Access::Public {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let Some(token) = session::cookie(&parts.headers, session::COOKIE).map(str::to_string) else {
        return Err(Error::Unauthenticated);
    };
    // A malformed id is a 404, but only for someone logged in (anonymous gets 401 throughout).
    let object = object_of(route.scope, &mut parts).await;
    let lookup = object.as_ref().ok().copied().flatten();
    let address = address(&parts.extensions);
    let now = state.now();
    // Reads only: requests run side by side (SQLite's one writer is not taken per request).
    let (found, tenant) = {
        let token = token.clone();
        state
            .db
            .tx(Mode::Read, move |c| -> Result<_, DbError> {
                let found = session::load(c, &token, &address, now)?;
                let tenant = match (&found, lookup) {
                    (Found::Live { .. }, Some((scope, id))) => tenant_of(c, scope, id)?,
                    _ => None,
                };
                Ok((found, tenant))
            })
            .await?
    };
    let principal = match found {
        Found::None => return Err(Error::Unauthenticated),
        Found::Expired => {
            state
                .db
                .tx(Mode::Write, move |c| session::delete(c, &token))
                .await?;
            return Err(Error::Unauthenticated);
        }
        Found::Live { principal, touch } => {
            if touch {
                state
                    .db
                    .tx(Mode::Write, move |c| session::touch(c, &token, now))
                    .await?;
            }
            principal
        }
    };
    if let Access::Role(least) = route.access {
        if principal.role > least {
            return Err(Error::NotFound);
        }
        if principal.must_change_password {
            return Err(Error::PasswordChangeRequired);
        }
    }
    if object?.is_some() && !tenant.is_some_and(|t| principal.sees(t)) {
        return Err(Error::NotFound);
    }
    let body = if unsafe_method {
        check_csrf(&principal, &parts, body).await?
    } else {
        body
    };
    parts.extensions.insert(principal);
    Ok(Request::from_parts(parts, body))
}

/// A state-changing request must come from the manager's own pages: a browser's `Origin`
/// (or, without one, `Referer`) names the public URL's origin. Requests without either
/// (API clients, curl) pass here and meet the CSRF token instead.
fn same_origin(state: &ManagerState, req: &Request) -> bool {
    let claimed = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    claimed.is_none_or(|c| {
        let origin = state.origin();
        c == origin
            || c.strip_prefix(origin)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// The scoped object named in the path, if the route has one; a malformed id is a 404.
async fn object_of(scope: Scope, parts: &mut Parts) -> Result<Option<(Scope, i64)>, Error> {
    let name = match scope {
        Scope::None => return Ok(None),
        Scope::Reseller => "reseller",
        Scope::Hotspot => "hotspot",
        Scope::Account => "account",
    };
    let params = RawPathParams::from_request_parts(parts, &())
        .await
        .map_err(|_| Error::NotFound)?;
    let id = params
        .iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .ok_or(Error::NotFound)?;
    Ok(Some((scope, id)))
}

/// The tenant of object `id`, or `None` if there is no such object.
pub fn tenant_of(c: &mut dyn Conn, scope: Scope, id: i64) -> Result<Option<Tenant>, DbError> {
    let row = match scope {
        Scope::None => return Ok(None),
        Scope::Reseller => {
            c.query_opt("SELECT id, NULL FROM resellers WHERE id = $1", &[id.into()])?
        }
        Scope::Hotspot => c.query_opt(
            "SELECT reseller_id, id FROM hotspots WHERE id = $1",
            &[id.into()],
        )?,
        Scope::Account => c.query_opt(
            "SELECT reseller_id, hotspot_id FROM accounts
             WHERE id = $1 AND role IN ('customer', 'desk')",
            &[id.into()],
        )?,
    };
    row.map(|r| {
        Ok(Tenant {
            reseller_id: r.int(0)?,
            hotspot_id: r.opt_int(1)?,
        })
    })
    .transpose()
}

/// Reads the token from the `X-CSRF-Token` header or, for a form, its `csrf` field (the body
/// is read here and handed on unchanged).
async fn check_csrf(principal: &Principal, parts: &Parts, body: Body) -> Result<Body, Error> {
    if let Some(h) = parts.headers.get(CSRF_HEADER) {
        return if h.as_bytes() == principal.csrf.as_bytes() {
            Ok(body)
        } else {
            Err(Error::Forbidden)
        };
    }
    let bytes = to_bytes(body, MAX_FORM)
        .await
        .map_err(|_| Error::invalid("body", format!("is over {MAX_FORM} bytes")))?;
    let given = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|f| f.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v));
    if given.as_deref() == Some(principal.csrf.as_str()) {
        Ok(Body::from(bytes))
    } else {
        Err(Error::Forbidden)
    }
}

/// The principal the guard admitted (in handlers of non-public routes).
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(Error::Unauthenticated)
    }
}

impl Role {
    /// Whether this role is at least `least` (admin > reseller > customer > desk).
    pub fn at_least(self, least: Role) -> bool {
        self <= least
    }
}
