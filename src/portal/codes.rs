//! Email and SMS code pages: the address or number form posts here, the guest types the code
//! (or opens the mail's link), asks for a new one after the cooldown. Every post carries the
//! page's form token; the router refuses cross-site origins (see `forgery`).

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;
use tracing::error;

mod words;

use super::PortalState;
use super::consent::ConsentForm;
use super::forgery;
use super::i18n::Texts;
use super::messages::login_error;
use super::page::Page;
use super::pages::{client_ipv4, guest_lang, render, safe_dst};
use crate::gateway::{Asked, LoginError, OtpError, PendingView};
use crate::model::contact::ContactError;
use crate::model::otp::Channel;
use words::Words;

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage<'a> {
    page: Page,
    t: Texts,
    channel: &'a str,
    sent_to: Option<String>,
    temporary: bool,
    resend_wait: Option<String>,
    error: Option<String>,
    notice: Option<String>,
    dst: &'a str,
    token: String,
}

/// The guest's language: the form's or query's choice, else the switcher's cookie, else
/// Accept-Language, else the hotspot's default (as every portal page).
fn texts(state: &PortalState, choice: Option<&str>, headers: &HeaderMap) -> Texts {
    Texts::new(guest_lang(state, choice, headers).0)
}

fn channel_of(name: &str) -> Option<Channel> {
    match name {
        "email" => Some(Channel::Email),
        "sms" => Some(Channel::Sms),
        _ => None,
    }
}

/// What the guest reads for an error, and the HTTP status.
fn explain(t: &Texts, e: &OtpError) -> (StatusCode, String) {
    let key = match e {
        OtpError::Login(LoginError::UnknownDevice) => "codes-device",
        // Refused by the admit funnel (expired profile, devices, …): its own words.
        OtpError::Login(other) => return (StatusCode::FORBIDDEN, login_error(t, other)),
        OtpError::Off => "codes-off",
        OtpError::Contact(ContactError::BadEmail) => "codes-bad-email",
        OtpError::Contact(ContactError::DomainNotAllowed) => "codes-domain",
        OtpError::Contact(ContactError::BadPhone) => "codes-bad-phone",
        OtpError::Contact(ContactError::CountryNotAllowed) => "codes-country",
        OtpError::Limit(_) => "codes-limit",
        OtpError::Budget => "codes-budget",
        OtpError::Cooldown(secs) => {
            let text = t.with_args(
                "codes-resend-wait",
                &[("seconds", FluentValue::from(*secs))],
            );
            return (StatusCode::TOO_MANY_REQUESTS, text);
        }
        OtpError::NoCode => "codes-no-code",
        OtpError::Malformed => "codes-malformed",
        OtpError::Wrong { left } => {
            let text = t.with_args("codes-wrong", &[("left", FluentValue::from(*left))]);
            return (StatusCode::UNAUTHORIZED, text);
        }
        OtpError::Dead => "codes-dead",
        OtpError::Expired => "codes-expired",
        OtpError::Used => "codes-used",
        OtpError::OtherDevice => "codes-other-device",
        OtpError::Send(_) => "codes-send-failed",
        OtpError::Internal(_) => "codes-internal",
    };
    let status = match e {
        OtpError::Limit(_) | OtpError::Budget => StatusCode::TOO_MANY_REQUESTS,
        OtpError::Send(_) => StatusCode::BAD_GATEWAY,
        OtpError::Internal(inner) => {
            error!(error = %inner, "code login failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        OtpError::Off | OtpError::OtherDevice | OtpError::Login(_) => StatusCode::FORBIDDEN,
        OtpError::Dead | OtpError::Expired | OtpError::Used => StatusCode::GONE,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, t.get(key))
}

/// The code page for the device at `peer`: its pending code, if any, with `error` or `notice`.
async fn code_page(
    state: &PortalState,
    peer: SocketAddr,
    channel: Channel,
    t: Texts,
    dst: &str,
    status: StatusCode,
    message: Result<Option<String>, String>,
) -> Response {
    let pending: Option<PendingView> = match client_ipv4(peer) {
        Some(ip) => state.gateway.pending_code(ip, channel).await,
        None => None,
    };
    let online = state.client_at(peer).await.is_some();
    let (error, notice) = match message {
        Ok(notice) => (None, notice),
        Err(error) => (Some(error), None),
    };
    let resend_wait = (pending.as_ref()).filter(|p| p.resend_in > 0).map(|p| {
        t.with_args(
            "codes-resend-wait",
            &[("seconds", FluentValue::from(p.resend_in))],
        )
    });
    render(
        status,
        &CodePage {
            page: Page::new(
                &state.gateway.hotspot(),
                &t,
                &format!("/code/{}", channel.as_str()),
                dst,
            ),
            t,
            channel: channel.as_str(),
            sent_to: pending
                .as_ref()
                .map(|p| t.with("codes-sent-to", "target", &p.sent_to)),
            temporary: channel == Channel::Email && online,
            resend_wait,
            error,
            notice,
            dst,
            token: forgery::token_for(state, peer),
        },
    )
}

/// Query of the code page.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
    dst: Option<String>,
}

/// `GET /code/{email|sms}`: the device's pending code (never sends one).
pub async fn page(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(channel) = channel_of(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let t = texts(&state, q.lang.as_deref(), &headers);
    let dst = safe_dst(q.dst.as_deref());
    code_page(&state, peer, channel, t, dst, StatusCode::OK, Ok(None)).await
}

/// Any of the code forms.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    /// The email address (the email form).
    address: Option<String>,
    /// The phone number (the SMS form).
    number: Option<String>,
    /// The typed code (the confirm form).
    code: Option<String>,
    dst: Option<String>,
    /// The page's form token.
    token: Option<String>,
    /// The consent partial's boxes and the page's language (the address and number forms).
    #[serde(flatten)]
    consent: ConsentForm,
}

/// `POST /code/{channel}`: the address or number; sends a code unless one is live for it.
pub async fn send(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(name): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    handle(state, peer, &name, "send", headers, form).await
}

/// `POST /code/{channel}/confirm` (the typed code) and `/code/{channel}/resend`.
pub async fn act(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((name, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    handle(state, peer, &name, &action, headers, form).await
}

async fn handle(
    state: PortalState,
    peer: SocketAddr,
    name: &str,
    action: &str,
    headers: HeaderMap,
    form: CodeForm,
) -> Response {
    let Some(channel) = channel_of(name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let t = texts(&state, form.consent.lang.as_deref(), &headers);
    let dst = safe_dst(form.dst.as_deref()).to_owned();
    if !forgery::token_valid(&state, peer, form.token.as_deref()) {
        let expired = Err(forgery::expired(&t));
        return code_page(&state, peer, channel, t, "", StatusCode::FORBIDDEN, expired).await;
    }
    let Some(ip) = client_ipv4(peer) else {
        return code_page(
            &state,
            peer,
            channel,
            t,
            &dst,
            StatusCode::BAD_REQUEST,
            Err(t.get("codes-device")),
        )
        .await;
    };
    let words = Words {
        t,
        name: state.gateway.hotspot().name.clone(),
    };
    let portal_url = state.portal_url_for(peer);
    let g = &state.gateway;
    let sent = |r: Result<PendingView, OtpError>, notice: Option<String>| r.map(|_| notice);
    // The address and number forms carry the consent partial: without the terms and the
    // privacy notice accepted, no code is sent (and nothing recorded).
    let settings = state.gateway.hotspot();
    let asked = match form.consent.choices(&settings, t.lang) {
        Ok(consents) => Asked {
            consents,
            lang: t.lang,
        },
        Err(_) if action == "send" => {
            let missing = Err(t.get("consent-terms-missing"));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return code_page(&state, peer, channel, t, &dst, status, missing).await;
        }
        // Confirm and resend forms have no consent boxes: the pending code keeps its own.
        Err(_) => Asked {
            consents: Vec::new(),
            lang: t.lang,
        },
    };
    let outcome = match (action, channel) {
        ("send", Channel::Email) => {
            let typed = form.address.unwrap_or_default();
            sent(
                g.request_email_code(ip, &typed, asked, &words, &portal_url)
                    .await,
                None,
            )
        }
        ("send", Channel::Sms) => {
            let typed = form.number.unwrap_or_default();
            sent(g.request_sms_code(ip, &typed, asked, &words).await, None)
        }
        ("resend", _) => sent(
            g.resend_code(ip, channel, &words, &portal_url).await,
            Some(t.get("codes-resent")),
        ),
        ("confirm", _) => {
            let typed = form.code.unwrap_or_default();
            match g.confirm_code(ip, channel, &typed).await {
                Ok(_) => return continue_to(&dst),
                Err(e) => Err(e),
            }
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match outcome {
        Ok(notice) => code_page(&state, peer, channel, t, &dst, StatusCode::OK, Ok(notice)).await,
        Err(e) => {
            let (status, text) = explain(&t, &e);
            let page = code_page(&state, peer, channel, t, &dst, status, Err(text)).await;
            match e {
                OtpError::Cooldown(secs) => {
                    ([(header::RETRY_AFTER, secs.to_string())], page).into_response()
                }
                _ => page,
            }
        }
    }
}

/// `GET /e/{token}`: the mail's link; any browser of the device that asked.
pub async fn link(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let t = texts(&state, None, &headers);
    let Some(ip) = client_ipv4(peer) else {
        return code_page(
            &state,
            peer,
            Channel::Email,
            t,
            "",
            StatusCode::BAD_REQUEST,
            Err(t.get("codes-device")),
        )
        .await;
    };
    match state.gateway.confirm_email_link(ip, &token).await {
        Ok(_) => continue_to(""),
        Err(e) => {
            let (status, text) = explain(&t, &e);
            code_page(&state, peer, Channel::Email, t, "", status, Err(text)).await
        }
    }
}

/// After a login: the page first asked for, else the status page.
fn continue_to(dst: &str) -> Response {
    if dst.is_empty() {
        Redirect::to("/status").into_response()
    } else {
        Redirect::to(dst).into_response()
    }
}

/// A device coming back to the splash: logged in again if it verified a code within its
/// method's validity (MAC auto-login), or sent to the code it is waiting for (never a new
/// one). `None`: show the splash.
pub async fn returning(state: &PortalState, peer: SocketAddr, dst: &str) -> Option<Response> {
    let ip = client_ipv4(peer)?;
    if state.gateway.auto_login(ip).await.is_some() {
        return Some(continue_to(dst));
    }
    for channel in [Channel::Sms, Channel::Email] {
        if state
            .gateway
            .pending_code(ip, channel)
            .await
            .is_some_and(|p| p.live)
        {
            return Some(Redirect::to(&format!("/code/{}", channel.as_str())).into_response());
        }
    }
    None
}
