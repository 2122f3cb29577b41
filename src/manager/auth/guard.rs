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
use super::{Principal, Role, Tenant, master_key, session};
use crate::manager::ManagerState;
use crate::manager::areas::tokens::{self, Holder};
use crate::manager::db::{Conn, DbError, Mode};
use crate::manager::error::Error;
use crate::manager::multipart;
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
    if route.access == Access::MasterKey {
        let sso = master_key::admit(state, req.headers(), address(req.extensions())).await?;
        let mut req = req;
        req.extensions_mut().insert(sso);
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let api = route.path.starts_with("/api/");
    let credential = match (
        bearer(&parts.headers),
        session::cookie(&parts.headers, session::COOKIE),
    ) {
        // A token never manages tokens: a leaked one cannot make more.
        (Some(_), _) if route.scope == Scope::Token || route.path.starts_with("/api/v1/tokens") => {
            return Err(Error::NotFound);
        }
        (Some(t), _) if api => Credential::Bearer(t.to_string()),
        (_, Some(c)) => Credential::Cookie(c.to_string()),
        _ => return Err(Error::Unauthenticated),
    };
    // A malformed id is a 404, but only for someone logged in (anonymous gets 401 throughout).
    let object = object_of(route.scope, &mut parts).await;
    let lookup = object.as_ref().ok().copied().flatten();
    let address = address(&parts.extensions);
    let now = state.now();
    // Reads only: requests run side by side (SQLite's one writer is not taken per request).
    let (found, visible) = {
        let credential = credential.clone();
        state
            .db
            .tx(Mode::Read, move |c| -> Result<_, DbError> {
                let found = match &credential {
                    Credential::Cookie(t) => session::load(c, t, &address, now)?.into(),
                    Credential::Bearer(t) => tokens::holder(c, t, &address, now)?.into(),
                };
                let visible = match (&found, lookup) {
                    (
                        Caller::Session { principal, .. } | Caller::Token(Holder { principal, .. }),
                        Some((scope, id)),
                    ) => Some(visible(c, principal, scope, id)?),
                    _ => None,
                };
                Ok((found, visible))
            })
            .await?
    };
    let (principal, token) = match (found, credential) {
        (Caller::Nobody, _) => return Err(Error::Unauthenticated),
        (Caller::Expired, Credential::Cookie(token)) => {
            state
                .db
                .tx(Mode::Write, move |c| session::delete(c, &token))
                .await?;
            return Err(Error::Unauthenticated);
        }
        (Caller::Session { principal, touch }, Credential::Cookie(token)) => {
            if touch {
                state
                    .db
                    .tx(Mode::Write, move |c| session::touch(c, &token, now))
                    .await?;
            }
            (principal, None)
        }
        (Caller::Token(h), _) => {
            if let Some(id) = h.touch {
                state
                    .db
                    .tx(Mode::Write, move |c| tokens::touch(c, id, now))
                    .await?;
            }
            (h.principal, Some(h.write))
        }
        _ => return Err(Error::Unauthenticated),
    };
    if let Access::Role(least) = route.access {
        if principal.role > least {
            return Err(Error::NotFound);
        }
        if principal.must_change_password {
            return Err(Error::PasswordChangeRequired);
        }
    }
    if object?.is_some() && visible != Some(true) {
        return Err(Error::NotFound);
    }
    // A bearer token is no ambient credential (a cross-site page cannot send it): it needs no
    // CSRF token, but a read token changes nothing.
    let body = match (unsafe_method, token) {
        (false, _) | (true, Some(true)) => body,
        (true, Some(false)) => return Err(Error::ReadOnlyToken),
        (true, None) => check_csrf(&principal, &parts, body).await?,
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
        Scope::Token => "token",
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

/// How the request proves who it is.
#[derive(Clone)]
enum Credential {
    /// The browser session cookie.
    Cookie(String),
    /// An API token (`Authorization: Bearer …`).
    Bearer(String),
}

/// Who the credential turned out to be.
enum Caller {
    Nobody,
    Expired,
    Session { principal: Principal, touch: bool },
    Token(Holder),
}

impl From<Found> for Caller {
    fn from(f: Found) -> Self {
        match f {
            Found::None => Caller::Nobody,
            Found::Expired => Caller::Expired,
            Found::Live { principal, touch } => Caller::Session { principal, touch },
        }
    }
}

impl From<Option<Holder>> for Caller {
    fn from(h: Option<Holder>) -> Self {
        h.map_or(Caller::Nobody, Caller::Token)
    }
}

/// The value of an `Authorization: Bearer …` header.
fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Whether object `id` of `scope` exists and is in `p`'s scope.
fn visible(c: &mut dyn Conn, p: &Principal, scope: Scope, id: i64) -> Result<bool, DbError> {
    if scope == Scope::Token {
        return Ok(tokens::owner(c, id)? == Some(p.account_id));
    }
    Ok(tenant_of(c, scope, id)?.is_some_and(|t| p.sees(t)))
}

/// The tenant of object `id`, or `None` if there is no such object.
pub fn tenant_of(c: &mut dyn Conn, scope: Scope, id: i64) -> Result<Option<Tenant>, DbError> {
    let row = match scope {
        Scope::None | Scope::Token => return Ok(None),
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
    // A form with a file (an image upload) is larger and split differently.
    let (bytes, given) = if let Some(boundary) = multipart::boundary(&parts.headers) {
        let bytes = multipart::read(body).await?;
        let fields = multipart::parts(&boundary, bytes.clone()).await?;
        let given = multipart::text(&fields, CSRF_FIELD).map(str::to_string);
        (bytes, given)
    } else {
        let bytes = to_bytes(body, MAX_FORM)
            .await
            .map_err(|_| Error::invalid("body", format!("is over {MAX_FORM} bytes")))?;
        let given = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|f| f.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v));
        (bytes, given)
    };
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
