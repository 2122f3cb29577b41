//! Paid profiles on the portal: the offers, ordering one, and the waiting page that logs the
//! device in once the order is paid.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tracing::error;

use super::PortalState;
use super::i18n::Texts;
use super::messages::{login_error, order_error};
use super::page::Page;
use super::pages::{client_ipv4, guest_lang, keeping_lang, render};
use crate::gateway::{OrderError, OrderProgress};
use crate::model::units::{format_duration, format_price};
use crate::payment::PaymentStep;

/// One offer on the signup page.
struct Offer {
    id: String,
    name: String,
    details: String,
    price: String,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct Signup {
    t: Texts,
    page: Page,
    offers: Vec<Offer>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage<'a> {
    t: Texts,
    page: Page,
    reference: &'a str,
    message: String,
    waiting: bool,
}

async fn offers_page(
    state: &PortalState,
    t: Texts,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let offers = match state.gateway.offers().await {
        Ok(list) => list,
        Err(e) => {
            error!(error = %e, "cannot list offers");
            Vec::new()
        }
    };
    let offers = offers
        .into_iter()
        .map(|p| Offer {
            details: match p.clock.validity_secs {
                Some(v) => t.args(
                    "signup-valid",
                    &[
                        ("validity", format_duration(v)),
                        ("devices", p.shared_users.to_string()),
                    ],
                ),
                None => t.with("signup-devices", "devices", p.shared_users),
            },
            price: format_price(p.price_cents.unwrap_or(0)),
            id: p.name,
            name: p.name_for_users,
        })
        .collect();
    render(
        status,
        &Signup {
            page: Page::new(&state.gateway.hotspot(), &t, "/signup", ""),
            t,
            offers,
            error,
        },
    )
}

/// Query of the signup and order pages.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    /// The language switcher's choice.
    lang: Option<String>,
}

/// `GET /signup`: priced profiles.
pub async fn offers(
    State(state): State<PortalState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, cookie) = guest_lang(&state, q.lang.as_deref(), &headers);
    let page = offers_page(&state, Texts::new(lang), StatusCode::OK, None).await;
    keeping_lang(cookie, page)
}

/// Body of the order form.
#[derive(Debug, Deserialize)]
pub struct OrderForm {
    profile: String,
}

/// `POST /signup`: orders a profile and goes to the waiting page.
pub async fn order(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<OrderForm>,
) -> Response {
    let t = Texts::new(guest_lang(&state, None, &headers).0);
    let Some(ip) = client_ipv4(peer) else {
        let error = Some(order_error(&t, &OrderError::UnknownDevice));
        return offers_page(&state, t, StatusCode::BAD_REQUEST, error).await;
    };
    match state.gateway.create_order(ip, form.profile).await {
        Ok(reference) => Redirect::to(&format!("/order/{reference}")).into_response(),
        Err(e) => {
            if let OrderError::Internal(inner) = &e {
                error!(error = %inner, "order failed");
            }
            let status = match e {
                OrderError::TooManyOrders | OrderError::Busy => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::BAD_REQUEST,
            };
            let error = Some(order_error(&t, &e));
            offers_page(&state, t, status, error).await
        }
    }
}

/// `GET /order/{reference}`: waits for payment (the page reloads itself), then logs the
/// device in and continues to the status page.
pub async fn progress(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(reference): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, cookie) = guest_lang(&state, q.lang.as_deref(), &headers);
    let t = Texts::new(lang);
    let settings = state.gateway.hotspot();
    let path = format!("/order/{reference}");
    let page = |status, message: String, waiting| {
        let page = render(
            status,
            &OrderPage {
                page: Page::new(&settings, &t, &path, ""),
                t,
                reference: &reference,
                message,
                waiting,
            },
        );
        keeping_lang(cookie.clone(), page)
    };
    let Some(ip) = client_ipv4(peer) else {
        let message = order_error(&t, &OrderError::UnknownDevice);
        return page(StatusCode::BAD_REQUEST, message, false);
    };
    match state.gateway.order_progress(ip, reference.clone()).await {
        Ok(OrderProgress::Pending(PaymentStep::Show { key, args })) => {
            page(StatusCode::OK, t.args(key, &args), true)
        }
        Ok(OrderProgress::Pending(PaymentStep::Redirect(url))) => {
            Redirect::to(&url).into_response()
        }
        Ok(OrderProgress::Online(_)) => Redirect::to("/status").into_response(),
        Ok(OrderProgress::Cancelled) => page(StatusCode::OK, t.get("order-cancelled"), false),
        Ok(OrderProgress::Refused(e)) => page(StatusCode::FORBIDDEN, login_error(&t, &e), false),
        Err(e) => page(StatusCode::NOT_FOUND, order_error(&t, &e), false),
    }
}
