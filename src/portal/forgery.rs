//! Cross-site requests: a page on another site (any plain-HTTP page or ad a guest loads) could
//! post the portal's forms from the guest's browser — log the guest out, or in with the
//! attacker's code. Posts are refused when the browser names another origin, and every form
//! carries a token bound to the device's address (see `model::form_token`) that another site
//! cannot read.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::warn;

use super::PortalState;
use super::i18n::Texts;
use super::pages::client_ipv4;

/// What a guest sees when a form is refused; the page it came from is shown again with a
/// fresh token, so a real guest just tries again.
pub fn expired(t: &Texts) -> String {
    t.get("error-expired")
}

/// Refuses any request but GET and HEAD whose `Origin` is another site. Browsers send `Origin`
/// with every form post; `null` (a sandboxed frame, a privacy setting) says nothing, and the
/// token decides.
pub async fn same_origin_posts(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return next.run(req).await;
    }
    let origin = req.headers().get(header::ORIGIN).map(|o| o.to_str());
    let foreign = match origin {
        None | Some(Ok("null")) => false,
        Some(Ok(o)) => !o
            .to_ascii_lowercase()
            .strip_prefix("http://")
            .is_some_and(|host| state.is_portal_host(host)),
        Some(Err(_)) => true,
    };
    if foreign {
        warn!(%peer, origin = ?req.headers().get(header::ORIGIN), path = %req.uri().path(),
              "cross-site post refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused").into_response();
    }
    next.run(req).await
}

/// Whether `token` was issued to the device at `peer`.
pub fn token_valid(state: &PortalState, peer: SocketAddr, token: Option<&str>) -> bool {
    let valid = match (client_ipv4(peer), token) {
        (Some(ip), Some(token)) => state.gateway.form_token_valid(ip, token),
        _ => false,
    };
    if !valid {
        warn!(%peer, "portal form without a valid token refused");
    }
    valid
}

/// A token for the forms of a page shown to `peer` ("" for a peer without an IPv4 address,
/// which cannot log in).
pub fn token_for(state: &PortalState, peer: SocketAddr) -> String {
    client_ipv4(peer)
        .map(|ip| state.gateway.form_token(ip))
        .unwrap_or_default()
}
