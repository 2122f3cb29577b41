//! What every page shares: the navigation, rendering, the style sheet, the HTML form of
//! errors and the security headers (no inline script or style anywhere: the CSP forbids it).

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::auth::{Principal, Role};
use super::error::Error;

/// The header every page shows: who is logged in, the links their role may follow, the
/// session's CSRF token for the forms.
pub struct Nav {
    /// Login name.
    pub username: String,
    /// Role, as shown.
    pub role: &'static str,
    /// Token for every form.
    pub csrf: String,
    /// Admin links.
    pub admin: bool,
    /// Reseller (or admin) links: audit log, technical settings.
    pub reseller: bool,
    /// Customer (or higher) links: units, devices, sessions.
    pub customer: bool,
    /// The reseller's own id (its page), if it is one.
    pub own_reseller: Option<i64>,
}

impl Nav {
    /// The navigation for `p`.
    pub fn of(p: &Principal) -> Nav {
        Nav {
            username: p.username.clone(),
            role: p.role.as_str(),
            csrf: p.csrf.clone(),
            admin: p.role == Role::Admin,
            reseller: p.role.at_least(Role::Reseller),
            customer: p.role.at_least(Role::Customer),
            own_reseller: (p.role == Role::Reseller)
                .then_some(p.reseller_id)
                .flatten(),
        }
    }
}

/// A rendered page, or the internal error its template failed with.
pub fn render(page: &impl Template) -> Result<Response, Error> {
    match page.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "manager template");
            Err(Error::Internal)
        }
    }
}

/// After a change: back to a page with a GET (a reload does not post again).
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

const CSS: &str = include_str!("../../portal-templates/manager/manager.css");

/// The style sheet (the only one; no inline styles).
pub async fn css() -> Response {
    let mut res = ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    res
}

#[derive(Template)]
#[template(path = "manager/error.html")]
struct ErrorPage {
    title: &'static str,
    message: String,
    back: String,
}

/// The path of the page a request came from (its `Referer`), to link back to the form that
/// needs correcting; only a path of this site (never `//other.site`), else the dashboard.
fn back_path(req: &Request) -> String {
    let referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok());
    let path = referer
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()));
    path.filter(|p| !p.starts_with("//") && !p.contains(['"', '<', '>']))
        .unwrap_or_else(|| "/".to_string())
}

/// Pages answer errors in HTML (the API keeps the JSON shape): not logged in → the login
/// form; a one-time password → the password form; anything else → a page with the message.
pub async fn html_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let back = back_path(&req);
    let res = next.run(req).await;
    let Some(error) = res.extensions().get::<Error>().cloned() else {
        return res;
    };
    if api {
        return res;
    }
    match error {
        Error::Unauthenticated => return see_other("/login"),
        Error::PasswordChangeRequired => return see_other("/password"),
        _ => {}
    }
    let title = match error.status() {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Refused",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        StatusCode::UNPROCESSABLE_ENTITY => "Please correct this",
        _ => "Error",
    };
    let page = ErrorPage {
        title,
        message: error.to_string(),
        back,
    };
    match page.render() {
        Ok(html) => (error.status(), Html(html)).into_response(),
        Err(_) => error.status().into_response(),
    }
}

/// Marks a response that carries its own Content-Security-Policy and may be framed by the
/// manager's own pages (the splash preview).
#[derive(Debug, Clone, Copy)]
pub struct FramedBySelf;

/// No script at all, styles only from our own sheet, forms only to ourselves, frames only of
/// ourselves (the splash preview, the one response that allows it), never framed;
/// nothing cached but the style sheet.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    // Only the splash preview sets its own policy (stricter in all but framing by ourselves,
    // see `design_preview`); every other response gets this one.
    let preview = res.extensions().get::<FramedBySelf>().is_some();
    let h = res.headers_mut();
    if !preview {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
