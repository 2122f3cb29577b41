//! Requests the firewall redirected here (any host, port 80) get a redirect to the splash
//! page that remembers where the guest wanted to go.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::PortalState;

/// Longest original URL we carry through the login.
const MAX_DST: usize = 2048;

/// Passes requests for the portal itself; answers captured ones with `302` to the splash.
///
/// A captured request from a guest who is already online arrived over a connection that was
/// redirected before the login (browsers preconnect and keep connections alive). It is sent
/// back to the same URL over a new connection, which the firewall now lets through; the
/// background conntrack flush cleans up the rest.
pub async fn redirect_captured(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    if host.as_ref().is_some_and(|h| state.is_portal_host(h)) {
        return next.run(req).await;
    }
    let original = host.map(|host| format!("http://{host}{}", req.uri()));
    let online = state.client_at(peer).await.is_some();
    let mut location = format!("{}/", state.portal_url_for(peer));
    let mut status = StatusCode::FOUND;
    if let Some(original) = original.filter(|o| o.len() <= MAX_DST) {
        if online {
            status = StatusCode::TEMPORARY_REDIRECT;
            location = original;
        } else if let Ok(query) = serde_urlencoded::to_string([("dst", &original)]) {
            location = format!("{location}?{query}");
        }
    }
    let mut res = (status, "Login required").into_response();
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    // The connection was DNATed to us; closing it means the browser cannot reuse it for the
    // real site after login.
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}
