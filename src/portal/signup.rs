//! Paid profiles on the portal: the offers, ordering one, and the waiting page that logs the
//! device in once the order is paid.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tracing::error;

use super::PortalState;
use super::pages::{client_ipv4, render};
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
struct Signup<'a> {
    hotspot_name: &'a str,
    offers: Vec<Offer>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage<'a> {
    hotspot_name: &'a str,
    reference: &'a str,
    message: String,
    waiting: bool,
}

async fn offers_page(state: &PortalState, status: StatusCode, error: Option<String>) -> Response {
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
                Some(v) => format!(
                    "Valid {} from first use; up to {} device(s).",
                    format_duration(v),
                    p.shared_users
                ),
                None => format!("Up to {} device(s).", p.shared_users),
            },
            price: format_price(p.price_cents.unwrap_or(0)),
            id: p.name,
            name: p.name_for_users,
        })
        .collect();
    render(
        status,
        &Signup {
            hotspot_name: &state.gateway.hotspot().name,
            offers,
            error,
        },
    )
}

/// `GET /signup`: priced profiles.
pub async fn offers(State(state): State<PortalState>) -> Response {
    offers_page(&state, StatusCode::OK, None).await
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
    Form(form): Form<OrderForm>,
) -> Response {
    let Some(ip) = client_ipv4(peer) else {
        return offers_page(
            &state,
            StatusCode::BAD_REQUEST,
            Some(OrderError::UnknownDevice.to_string()),
        )
        .await;
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
            offers_page(&state, status, Some(e.to_string())).await
        }
    }
}

/// `GET /order/{reference}`: waits for payment (the page reloads itself), then logs the
/// device in and continues to the status page.
pub async fn progress(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(reference): Path<String>,
) -> Response {
    let settings = state.gateway.hotspot();
    let name = &settings.name;
    let page = |status, message: String, waiting| {
        render(
            status,
            &OrderPage {
                hotspot_name: name,
                reference: &reference,
                message,
                waiting,
            },
        )
    };
    let Some(ip) = client_ipv4(peer) else {
        return page(
            StatusCode::BAD_REQUEST,
            OrderError::UnknownDevice.to_string(),
            false,
        );
    };
    match state.gateway.order_progress(ip, reference.clone()).await {
        Ok(OrderProgress::Pending(PaymentStep::Show(text))) => page(StatusCode::OK, text, true),
        Ok(OrderProgress::Pending(PaymentStep::Redirect(url))) => {
            Redirect::to(&url).into_response()
        }
        Ok(OrderProgress::Online(_)) => Redirect::to("/status").into_response(),
        Ok(OrderProgress::Cancelled) => {
            page(StatusCode::OK, "This order was cancelled.".into(), false)
        }
        Ok(OrderProgress::Refused(e)) => page(StatusCode::FORBIDDEN, e.to_string(), false),
        Err(e) => page(StatusCode::NOT_FOUND, e.to_string(), false),
    }
}
