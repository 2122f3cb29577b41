//! What guests are told when something fails, in their language. Every error a guest can
//! meet maps to a message here (the match is exhaustive: a new error needs its text).

use std::net::Ipv4Addr;

use axum::http::StatusCode;
use tracing::error;

use super::i18n::Texts;
use crate::gateway::{LoginError, OrderError, SocialRefusal};
use crate::model::limitation::LimitReached;
use crate::model::login::LoginRefusal;
use crate::model::voucher_code::{CODE_LEN, CodeError};

/// A failed login or logout.
pub fn login_error(t: &Texts, e: &LoginError) -> String {
    match e {
        LoginError::UnknownDevice => t.get("error-unknown-device"),
        LoginError::AddressConflict => t.get("error-address-conflict"),
        LoginError::Throttled(secs) => t.with("error-throttled", "seconds", secs),
        LoginError::Malformed(CodeError::WrongLength) => {
            t.with("error-code-length", "length", CODE_LEN)
        }
        LoginError::Malformed(CodeError::BadCharacter(c)) => {
            t.with("error-code-character", "character", format!("{c:?}"))
        }
        LoginError::Malformed(CodeError::Random(_)) | LoginError::Internal(_) => {
            t.get("error-internal")
        }
        LoginError::WrongCode => t.get("error-wrong-code"),
        LoginError::WrongPassword => t.get("error-wrong-password"),
        LoginError::Refused(r) => refusal(t, r),
        LoginError::Consent(_) => t.get("consent-terms-missing"),
        LoginError::MethodUnavailable => t.get("click-unavailable"),
        LoginError::OfflinePassClosed => t.get("offline-closed"),
        LoginError::Social(r) => t.get(match r {
            SocialRefusal::Invalid => "error-social-invalid",
            SocialRefusal::Used => "error-social-used",
            SocialRefusal::OtherDevice => "error-social-other-device",
            SocialRefusal::GrantUsed => "error-social-grant-used",
        }),
    }
}

fn refusal(t: &Texts, r: &LoginRefusal) -> String {
    match r {
        LoginRefusal::Disabled => t.get("refused-disabled"),
        LoginRefusal::Expired => t.get("refused-expired"),
        LoginRefusal::UsedUp => t.get("refused-used-up"),
        LoginRefusal::TooManyDevices(n) => t.with("refused-too-many-devices", "devices", n),
        LoginRefusal::InUseElsewhere(_) => t.get("refused-in-use-elsewhere"),
        LoginRefusal::Limit(LimitReached::OutsideWindow) => t.get("refused-outside-window"),
        LoginRefusal::Limit(LimitReached::Uptime) => t.get("refused-uptime"),
        LoginRefusal::Limit(LimitReached::Transfer) => t.get("refused-transfer"),
    }
}

/// The HTTP status of a refused login (an internal error is logged here).
pub fn login_error_status(e: &LoginError, ip: Ipv4Addr) -> StatusCode {
    match e {
        LoginError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        LoginError::Internal(inner) => {
            error!(error = %inner, %ip, "login failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        LoginError::UnknownDevice => StatusCode::BAD_REQUEST,
        LoginError::AddressConflict => StatusCode::CONFLICT,
        LoginError::Refused(_)
        | LoginError::MethodUnavailable
        | LoginError::OfflinePassClosed
        | LoginError::Social(_) => StatusCode::FORBIDDEN,
        LoginError::Consent(_) => StatusCode::UNPROCESSABLE_ENTITY,
        LoginError::Malformed(_) | LoginError::WrongCode | LoginError::WrongPassword => {
            StatusCode::UNAUTHORIZED
        }
    }
}

/// A failed order.
pub fn order_error(t: &Texts, e: &OrderError) -> String {
    match e {
        OrderError::UnknownDevice => t.get("order-unknown-device"),
        OrderError::AddressConflict => t.get("error-address-conflict"),
        OrderError::NoSuchOffer => t.get("order-no-such-offer"),
        OrderError::NotFound => t.get("order-not-found"),
        OrderError::TooManyOrders => t.get("order-too-many"),
        OrderError::Busy => t.get("order-busy"),
        OrderError::Internal(_) => t.get("order-internal"),
    }
}
