//! Requests the firewall redirected here (any host, port 80) get a redirect to the splash
//! page that remembers where the guest wanted to go.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::PortalState;

/// Longest original URL we carry through the login.
const MAX_DST: usize = 2048;

/// Passes requests for the portal itself; answers captured ones with `302` to the splash.
pub async fn redirect_captured(
    State(state): State<PortalState>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    if host.as_deref() == Some(state.portal_host.as_str()) {
        return next.run(req).await;
    }
    let mut location = format!("{}/", state.portal_url);
    if let Some(host) = host {
        let original = format!("http://{host}{}", req.uri());
        if original.len() <= MAX_DST
            && let Ok(query) = serde_urlencoded::to_string([("dst", &original)])
        {
            location = format!("{location}?{query}");
        }
    }
    let mut res = (StatusCode::FOUND, "Login required").into_response();
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    // The connection was DNATed to us; closing it means the browser cannot reuse it for the
    // real site after login.
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}
