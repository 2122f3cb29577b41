//! Splash, login, status and logout pages (askama templates in `portal-templates/`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tracing::error;

use super::PortalState;
use super::forgery::{self, expired};
use super::i18n::{Texts, request_lang};
use super::messages::{login_error, login_error_status};
use super::page::Page;
use super::splash::{self, SplashContext};
use crate::gateway::{Credentials, LoginError, now};
use crate::model::consent::Purpose;
use crate::model::settings::Lang;
use crate::model::settings::design::Day;
use crate::model::units::{format_duration, format_size};
use crate::model::voucher_code::VoucherCode;

#[derive(Template)]
#[template(path = "status.html")]
struct Status<'a> {
    t: Texts,
    page: Page,
    /// Optional consents the guest granted, with their words: each gets a withdraw button.
    withdrawable: Vec<(Purpose, String)>,
    notice: Option<String>,
    profile: String,
    profile_ends: Option<String>,
    uptime_left: Option<String>,
    time_left: String,
    data_left: String,
    downloaded: String,
    uploaded: String,
    dst: &'a str,
    error: Option<String>,
    token: String,
}

/// Renders a template; a rendering failure is our bug, logged and answered with 500.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            error!(error = %e, "portal template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "portal error").into_response()
        }
    }
}

/// The guest's IPv4 address (an IPv4-mapped IPv6 peer counts).
pub fn client_ipv4(peer: SocketAddr) -> Option<Ipv4Addr> {
    match peer.ip() {
        IpAddr::V4(ip) => Some(ip),
        IpAddr::V6(ip) => ip.to_ipv4_mapped(),
    }
}

/// Only absolute http(s) URLs are carried through the login, so `dst` cannot point the
/// browser at a `javascript:` or other scheme. Only printable ASCII without spaces, as in a
/// request line: a CR or LF would not fit in the `Location` header (and must not split it).
pub(super) fn safe_dst(dst: Option<&str>) -> &str {
    match dst {
        Some(d)
            if (d.starts_with("http://") || d.starts_with("https://"))
                && d.len() <= 2048
                && d.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            d
        }
        _ => "",
    }
}

/// What the splash shows besides the form.
#[derive(Default)]
pub(super) struct SplashMessage {
    pub(super) error: Option<String>,
    pub(super) notice: Option<String>,
    /// Open the account form (the error was about it).
    pub(super) account: bool,
    /// A voucher code to fill in (from the page's address).
    pub(super) code: String,
}

/// Splash views so far: each view shows the next of the day's banners.
static VIEWS: AtomicUsize = AtomicUsize::new(0);

pub(super) async fn splash_page(
    state: &PortalState,
    peer: SocketAddr,
    lang: Lang,
    status: StatusCode,
    dst: &str,
    message: SplashMessage,
) -> Response {
    let ctx = SplashContext {
        lang,
        dst: dst.to_owned(),
        token: forgery::token_for(state, peer),
        error: message.error,
        notice: message.notice,
        account_open: message.account,
        code: message.code,
        has_offers: state.has_offers().await,
        today: Day(chrono::Local::now().date_naive()),
        rotation: VIEWS.fetch_add(1, Ordering::Relaxed),
        offline_pass: state.gateway.offline_pass_offered().await,
    };
    match splash::render(&state.gateway.hotspot(), &ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            error!(error = %e, "splash template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "portal error").into_response()
        }
    }
}

/// The guest's language for this request, and the cookie keeping a choice made now.
pub fn guest_lang(
    state: &PortalState,
    query: Option<&str>,
    headers: &HeaderMap,
) -> (Lang, Option<String>) {
    request_lang(query, headers, state.gateway.hotspot().default_language)
}

/// Adds the language cookie to a page when the guest just chose a language.
pub fn keeping_lang(cookie: Option<String>, res: Response) -> Response {
    let mut res = res;
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().append(header::SET_COOKIE, value);
    }
    res
}

/// Query of the splash and status pages.
#[derive(Debug, Deserialize)]
pub struct DstQuery {
    pub(super) dst: Option<String>,
    /// The language switcher's choice.
    pub(super) lang: Option<String>,
    /// A voucher code to fill in: a printed voucher's QR code opens `/?code=…`.
    pub(super) code: Option<String>,
}

/// The code to fill into the voucher form: only a well-formed code, in its printed form (the
/// guest still presses the button: a link never logs anyone in by itself).
fn prefill(code: Option<&str>) -> String {
    code.and_then(|c| VoucherCode::parse(c).ok())
        .map(|c| c.display())
        .unwrap_or_default()
}

/// `GET /`: the splash page, or the status page for a guest already online.
pub async fn splash(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<DstQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, cookie) = guest_lang(&state, q.lang.as_deref(), &headers);
    let online = state.client_at(peer).await.is_some();
    if online {
        return keeping_lang(cookie, Redirect::to("/status").into_response());
    }
    let dst = safe_dst(q.dst.as_deref());
    if let Some(ip) = client_ipv4(peer)
        && state.gateway.click_auto_login(ip).await.is_some()
    {
        let next = if dst.is_empty() { "/status" } else { dst };
        return keeping_lang(cookie, Redirect::to(next).into_response());
    }
    if let Some(r) = super::codes::returning(&state, peer, dst).await {
        return keeping_lang(cookie, r);
    }
    let page = splash_page(
        &state,
        peer,
        lang,
        StatusCode::OK,
        dst,
        SplashMessage {
            code: prefill(q.code.as_deref()),
            ..SplashMessage::default()
        },
    )
    .await;
    keeping_lang(cookie, page)
}

/// Body of either login form: a voucher code, or a username and password.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    code: Option<String>,
    username: Option<String>,
    password: Option<String>,
    dst: Option<String>,
    /// The page's form token (see `forgery`).
    token: Option<String>,
}

/// `POST /login`: a right code authorises the device and continues to the page first asked
/// for; a wrong one shows the splash again with the reason. A post without the token of a
/// page shown to this device (another site's) changes nothing.
pub async fn login(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let (lang, _) = guest_lang(&state, None, &headers);
    let t = Texts::new(lang);
    let dst = safe_dst(form.dst.as_deref()).to_string();
    let account = form.username.is_some();
    let message = |e: &LoginError| SplashMessage {
        error: Some(login_error(&t, e)),
        notice: None,
        account,
        code: String::new(),
    };
    if !forgery::token_valid(&state, peer, form.token.as_deref()) {
        let expired = SplashMessage {
            error: Some(expired(&t)),
            notice: None,
            account,
            code: String::new(),
        };
        // Not the forged post's destination either.
        return splash_page(&state, peer, lang, StatusCode::FORBIDDEN, "", expired).await;
    }
    let Some(ip) = client_ipv4(peer) else {
        return splash_page(
            &state,
            peer,
            lang,
            StatusCode::BAD_REQUEST,
            &dst,
            message(&LoginError::UnknownDevice),
        )
        .await;
    };
    let credentials = match (form.code, form.username) {
        (_, Some(username)) => Credentials::Account {
            username,
            password: form.password.unwrap_or_default(),
        },
        (Some(code), None) => Credentials::Voucher(code),
        (None, None) => Credentials::Voucher(String::new()),
    };
    match state.gateway.login(ip, credentials).await {
        Ok(_) => {
            let next = super::questionnaire::after_login(&state.gateway.hotspot(), &dst);
            Redirect::to(&next).into_response()
        }
        Err(e) => {
            let status = login_error_status(&e, ip);
            let page = splash_page(&state, peer, lang, status, &dst, message(&e)).await;
            match e {
                // The same number of seconds as the message says.
                LoginError::Throttled(secs) => {
                    ([(header::RETRY_AFTER, secs.to_string())], page).into_response()
                }
                _ => page,
            }
        }
    }
}

/// `GET /status`: time and data left, and a logout button.
pub async fn status(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<DstQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, cookie) = guest_lang(&state, q.lang.as_deref(), &headers);
    let page = status_page(
        &state,
        peer,
        lang,
        StatusCode::OK,
        safe_dst(q.dst.as_deref()),
        None,
    )
    .await;
    keeping_lang(cookie, page)
}

/// The status page of the device at `peer`, or a redirect to the splash when it is not online.
async fn status_page(
    state: &PortalState,
    peer: SocketAddr,
    lang: Lang,
    code: StatusCode,
    dst: &str,
    error: Option<String>,
) -> Response {
    let message = StatusMessage {
        error,
        notice: None,
    };
    status_page_with(state, peer, lang, code, dst, message).await
}

/// What the status page says besides the usage.
#[derive(Default)]
pub(super) struct StatusMessage {
    pub(super) error: Option<String>,
    pub(super) notice: Option<String>,
}

/// The status page with a notice or an error.
pub(super) async fn status_page_with(
    state: &PortalState,
    peer: SocketAddr,
    lang: Lang,
    code: StatusCode,
    dst: &str,
    StatusMessage { error, notice }: StatusMessage,
) -> Response {
    let Some(c) = state.client_at(peer).await else {
        return Redirect::to("/").into_response();
    };
    let t = Texts::new(lang);
    let hotspot = state.gateway.hotspot();
    render(
        code,
        &Status {
            withdrawable: super::guests::withdrawable(state, peer, &hotspot, &t).await,
            notice,
            page: Page::new(&hotspot, &t, "/status", dst),
            profile: c.profile_for_users.clone(),
            profile_ends: c
                .profile_ends_at
                .map(|end| format_duration(u64::try_from(end - now()).unwrap_or(0)))
                .map(|left| t.with("status-from-now", "left", left)),
            uptime_left: c.uptime_left.map(format_duration),
            time_left: format_duration(c.seconds_left),
            data_left: c
                .bytes_left
                .map_or_else(|| t.get("status-unlimited"), format_size),
            downloaded: format_size(c.bytes_down),
            uploaded: format_size(c.bytes_up),
            dst,
            error,
            token: forgery::token_for(state, peer),
            t,
        },
    )
}

/// Body of the logout form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    /// The page's form token (see `forgery`).
    token: Option<String>,
}

/// `POST /logout`: ends the session of the device asking, and shows the splash again. Another
/// device on the session's address, or a post without the token of a page shown to this
/// device (another site's), changes nothing.
pub async fn logout(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let (lang, _) = guest_lang(&state, None, &headers);
    let t = Texts::new(lang);
    if !forgery::token_valid(&state, peer, form.token.as_deref()) {
        let error = Some(expired(&t));
        return status_page(&state, peer, lang, StatusCode::FORBIDDEN, "", error).await;
    }
    let Some(ip) = client_ipv4(peer) else {
        return Redirect::to("/").into_response();
    };
    let (code, message) = match state.gateway.logout(ip).await {
        Ok(_) => (
            StatusCode::OK,
            SplashMessage {
                notice: Some(t.get("logged-out")),
                ..Default::default()
            },
        ),
        Err(e) => {
            let code = match &e {
                LoginError::UnknownDevice => StatusCode::BAD_REQUEST,
                LoginError::AddressConflict => StatusCode::CONFLICT,
                _ => {
                    error!(error = %e, %ip, "logout failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            let error = match e {
                LoginError::Internal(_) => t.get("logout-failed"),
                e => login_error(&t, &e),
            };
            let failed = SplashMessage {
                error: Some(error),
                ..Default::default()
            };
            (code, failed)
        }
    };
    splash_page(&state, peer, lang, code, "", message).await
}

#[cfg(test)]
mod tests {
    use super::prefill;

    #[test]
    fn only_a_well_formed_code_is_filled_in_and_in_its_printed_form() {
        assert_eq!(prefill(Some("abcde fghjk")), "ABCDE-FGHJK");
        assert_eq!(prefill(Some("ABCDE-FGHJK")), "ABCDE-FGHJK");
        assert_eq!(prefill(Some(r#""><script>"#)), "");
        assert_eq!(prefill(Some("")), "");
        assert_eq!(prefill(None), "");
    }
}
