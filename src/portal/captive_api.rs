//! RFC 8908 Captive Portal API: `application/captive+json` (the portal-wide `no-store` is
//! stricter than the `private` the RFC asks for).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::PortalState;

/// `{"captive": true, "user-portal-url": …}` before login; remaining time and bytes after.
pub async fn captive(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let client = state.client_at(peer).await;
    let portal = format!("{}/", state.portal_url_for(peer));
    let body = match client {
        None => json!({"captive": true, "user-portal-url": portal}),
        Some(c) => {
            let mut body = json!({
                "captive": false,
                "user-portal-url": portal,
                "seconds-remaining": c.seconds_left,
                "can-extend-session": false,
            });
            if let Some(left) = c.bytes_left {
                body["bytes-remaining"] = json!(left);
            }
            body
        }
    };
    let mut res = body.to_string().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/captive+json"),
    );
    res
}
