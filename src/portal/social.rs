//! Social login on the portal: the splash's buttons lead to `/social/{provider}`, which
//! sends the guest to the Hotspot Manager with a login attempt bound to this device; the
//! manager sends the guest back to `/social/return?assertion=…`, checked offline by the
//! gateway. Both are plain GETs (links and redirects: the OS captive popup and any browser
//! follow them without JavaScript or cookies); refusals show the splash with the reason.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::PortalState;
use super::forgery::{self, expired};
use super::i18n::Texts;
use super::messages::{login_error, login_error_status};
use super::pages::{SplashMessage, client_ipv4, guest_lang, splash_page};
use super::questionnaire;
use crate::gateway::LoginError;

/// Body of the "continue in your browser" form.
#[derive(Debug, Deserialize)]
pub struct BrowserForm {
    /// The page's form token (see `forgery`).
    token: Option<String>,
}

/// `POST /social/browser`: a few minutes on the network to finish signing in in a normal
/// browser (the splash says where to go), once an hour per device.
pub async fn browser(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<BrowserForm>,
) -> Response {
    let lang = guest_lang(&state, None, &headers).0;
    let t = Texts::new(lang);
    if !forgery::token_valid(&state, peer, form.token.as_deref()) {
        let message = SplashMessage {
            error: Some(expired(&t)),
            ..SplashMessage::default()
        };
        return splash_page(&state, peer, lang, StatusCode::FORBIDDEN, "", message).await;
    }
    let Some(ip) = client_ipv4(peer) else {
        return refused(&state, peer, &headers, LoginError::UnknownDevice).await;
    };
    match state.gateway.social_browser_grant(ip).await {
        Ok(secs) => {
            let portal = format!("{}/", state.portal_url_for(peer));
            let notice = t.args(
                "social-browser-granted",
                &[("minutes", (secs / 60).to_string()), ("portal", portal)],
            );
            let message = SplashMessage {
                notice: Some(notice),
                ..SplashMessage::default()
            };
            splash_page(&state, peer, lang, StatusCode::OK, "", message).await
        }
        Err(e) => refused(&state, peer, &headers, e).await,
    }
}

/// A refusal on the splash, in the guest's language.
async fn refused(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
    e: LoginError,
) -> Response {
    let lang = guest_lang(state, None, headers).0;
    let t = Texts::new(lang);
    let status = match client_ipv4(peer) {
        Some(ip) => login_error_status(&e, ip),
        None => StatusCode::BAD_REQUEST,
    };
    let message = SplashMessage {
        error: Some(login_error(&t, &e)),
        ..SplashMessage::default()
    };
    splash_page(state, peer, lang, status, "", message).await
}

/// `GET /social/{provider}`: on to the manager.
pub async fn start(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(provider): Path<String>,
) -> Response {
    let Some(ip) = client_ipv4(peer) else {
        return refused(&state, peer, &headers, LoginError::UnknownDevice).await;
    };
    let origin = state.portal_url_for(peer);
    match state.gateway.social_start(ip, &provider, &origin).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => refused(&state, peer, &headers, e).await,
    }
}

/// `?assertion=…` of the way back.
#[derive(Debug, Deserialize)]
pub struct Back {
    #[serde(default)]
    assertion: String,
}

/// `GET /social/return?assertion=…`: online, or the splash with the reason.
pub async fn back(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(back): Query<Back>,
) -> Response {
    let Some(ip) = client_ipv4(peer) else {
        return refused(&state, peer, &headers, LoginError::UnknownDevice).await;
    };
    let lang = guest_lang(&state, None, &headers).0;
    match state.gateway.social_login(ip, &back.assertion, lang).await {
        Ok(_) => {
            let hotspot = state.gateway.hotspot();
            Redirect::to(&questionnaire::after_login(&hotspot, "")).into_response()
        }
        Err(e) => refused(&state, peer, &headers, e).await,
    }
}
