//! The one-tap logins (click-through, the offline pass) and the status page's consent
//! withdrawal.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tracing::warn;

use super::PortalState;
use super::consent::{ConsentForm, venue_name};
use super::forgery::{self, expired};
use super::i18n::Texts;
use super::messages::{login_error, login_error_status};
use super::pages::{
    SplashMessage, StatusMessage, client_ipv4, guest_lang, safe_dst, splash_page, status_page_with,
};
use super::questionnaire;
use crate::gateway::LoginError;
use crate::model::consent::{Purpose, latest_granted};
use crate::model::settings::HotspotSettings;

/// Body of the click-through form.
#[derive(Debug, Deserialize)]
pub struct ClickForm {
    dst: Option<String>,
    /// The page's form token (see `forgery`).
    token: Option<String>,
    #[serde(flatten)]
    consent: ConsentForm,
}

/// The two one-tap logins: accept the terms (and tick optional consents), go online.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OneTap {
    /// Click-through, under the method's profile.
    Click,
    /// The offline pass, under its capped profile (only while it is offered).
    Offline,
}

/// `POST /login/click`: with the terms and privacy notice accepted, the device goes online
/// under the method's profile and continues to the page first asked for; without them nothing
/// is recorded and the splash says what to tick.
pub async fn click(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ClickForm>,
) -> Response {
    one_tap(state, peer, headers, form, OneTap::Click).await
}

/// `POST /login/offline`: the same for the offline pass, refused once the manager answers
/// again. A required questionnaire is not asked first: the pass is the degraded mode.
pub async fn offline(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ClickForm>,
) -> Response {
    one_tap(state, peer, headers, form, OneTap::Offline).await
}

async fn one_tap(
    state: PortalState,
    peer: SocketAddr,
    headers: HeaderMap,
    form: ClickForm,
    kind: OneTap,
) -> Response {
    // The language the form was shown in, else the request's.
    let lang = form.consent.lang(guest_lang(&state, None, &headers).0);
    let t = Texts::new(lang);
    let dst = safe_dst(form.dst.as_deref()).to_string();
    let splash = |code, error: String, dst: String| {
        let state = state.clone();
        async move {
            let message = SplashMessage {
                error: Some(error),
                ..SplashMessage::default()
            };
            splash_page(&state, peer, lang, code, &dst, message).await
        }
    };
    if !forgery::token_valid(&state, peer, form.token.as_deref()) {
        // Not the forged post's destination either.
        return splash(StatusCode::FORBIDDEN, expired(&t), String::new()).await;
    }
    let Some(ip) = client_ipv4(peer) else {
        let e = LoginError::UnknownDevice;
        return splash(StatusCode::BAD_REQUEST, login_error(&t, &e), dst).await;
    };
    let hotspot = state.gateway.hotspot();
    let choices = match form.consent.choices(&hotspot, lang) {
        Ok(choices) => choices,
        Err(_) => {
            let text = t.get("consent-terms-missing");
            return splash(StatusCode::UNPROCESSABLE_ENTITY, text, dst).await;
        }
    };
    let login = match kind {
        OneTap::Click if hotspot.questionnaire.enabled && hotspot.questionnaire.required => {
            // Online only by answering: the answers' post logs the device in.
            let carried = Some(form.consent.clone());
            return questionnaire::page(&state, peer, lang, StatusCode::OK, &dst, carried, None)
                .await;
        }
        OneTap::Click => state.gateway.click_login(ip, lang, choices).await,
        OneTap::Offline => state.gateway.offline_login(ip, lang, choices).await,
    };
    match login {
        Ok(_) => Redirect::to(&questionnaire::after_login(&hotspot, &dst)).into_response(),
        Err(e) => {
            let code = login_error_status(&e, ip);
            splash(code, login_error(&t, &e), dst).await
        }
    }
}

/// The optional consents the guest of `peer` has granted (latest record), each with a line in
/// `t`'s language naming it, for the status page's withdraw buttons.
pub async fn withdrawable(
    state: &PortalState,
    peer: SocketAddr,
    hotspot: &HotspotSettings,
    t: &Texts,
) -> Vec<(Purpose, String)> {
    let Some(ip) = client_ipv4(peer) else {
        return Vec::new();
    };
    let guest = match state.gateway.guest_at(ip).await {
        Ok(Some(g)) => g,
        Ok(None) => return Vec::new(),
        Err(e) => {
            warn!(error = %e, %ip, "status page could not read the guest's consents");
            return Vec::new();
        }
    };
    Purpose::OPTIONAL
        .into_iter()
        .filter(|p| latest_granted(&guest.records, *p))
        .map(|p| {
            let key = match p {
                Purpose::Marketing => "status-marketing-granted",
                _ => "status-surveys-granted",
            };
            (p, t.with(key, "venue", venue_name(hotspot)))
        })
        .collect()
}

/// Body of a withdraw button.
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    /// `marketing` or `surveys`.
    purpose: String,
    /// The page's form token (see `forgery`).
    token: Option<String>,
}

/// `POST /consent/withdraw`: one click withdraws an optional consent of the guest asking; the
/// ledger gets a new row (how: status page). A forged post changes nothing.
pub async fn withdraw(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<WithdrawForm>,
) -> Response {
    let (lang, _) = guest_lang(&state, None, &headers);
    let t = Texts::new(lang);
    let page = |code, message| status_page_with(&state, peer, lang, code, "", message);
    if !forgery::token_valid(&state, peer, form.token.as_deref()) {
        let message = StatusMessage {
            error: Some(expired(&t)),
            notice: None,
        };
        return page(StatusCode::FORBIDDEN, message).await;
    }
    let purpose = form
        .purpose
        .parse::<Purpose>()
        .ok()
        .filter(|p| Purpose::OPTIONAL.contains(p));
    let (Some(ip), Some(purpose)) = (client_ipv4(peer), purpose) else {
        return (
            StatusCode::BAD_REQUEST,
            "purpose must be marketing or surveys",
        )
            .into_response();
    };
    let message = match state.gateway.withdraw_consent(ip, purpose).await {
        // Nothing granted to withdraw (a second click, a stale page): the page as it is.
        Ok(withdrawn) => StatusMessage {
            error: None,
            notice: withdrawn.then(|| t.get("status-withdrawn")),
        },
        Err(e) => {
            let code = login_error_status(&e, ip);
            let message = StatusMessage {
                error: Some(login_error(&t, &e)),
                notice: None,
            };
            return page(code, message).await;
        }
    };
    page(StatusCode::OK, message).await
}
