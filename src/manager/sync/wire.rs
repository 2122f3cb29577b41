//! The one error of every sync route and its mapping to a status and `proto::ErrorBody`:
//! units read `code` (stable) and log `message` (what to do).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::manager::db::DbError;
use crate::manager::error::Error;
use crate::proto::auth::MAX_SKEW_SECS;
use crate::proto::{ErrorBody, WireError};

/// Why a sync request was refused.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A signature header is missing or malformed.
    #[error("the request is not signed: send x-hotspotd-unit, -time, -nonce and -signature")]
    Unsigned,
    /// No unit has this id.
    #[error("no unit {0} is registered at this manager; register the unit again")]
    UnknownUnit(i64),
    /// The signature does not verify under the unit's registered key.
    #[error("the signature does not verify under this unit's registered key")]
    BadSignature,
    /// The request's time is too far from the manager's clock.
    #[error(
        "the request was signed {0} s away from the manager's clock (at most {MAX_SKEW_SECS}); set the unit's clock (NTP)"
    )]
    ClockSkew(i64),
    /// The nonce was already seen within the clock window.
    #[error("this request was already received (same nonce); each request must be signed anew")]
    Replayed,
    /// The unit was removed in the manager.
    #[error("this unit was removed from the manager: {0}")]
    Removed(String),
    /// No registration token has this value.
    #[error("the registration token is unknown; create one in the manager's Units view")]
    TokenUnknown,
    /// The token registered a unit already.
    #[error("the registration token was already used; create a new one")]
    TokenUsed,
    /// The token expired.
    #[error("the registration token expired; create a new one")]
    TokenExpired,
    /// The token was revoked.
    #[error("the registration token was revoked; create a new one")]
    TokenRevoked,
    /// A field is refused.
    #[error("{field} {problem}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong and what to do.
        problem: String,
    },
    /// The body is not the JSON the route reads.
    #[error("the body is not valid JSON for this request: {0}")]
    BadJson(String),
    /// The body exceeds the limit.
    #[error("the body exceeds {0} bytes; send smaller batches")]
    TooLarge(usize),
    /// Not found (in this unit's hotspot).
    #[error("not found")]
    NotFound,
    /// Something failed inside; logged.
    #[error("something went wrong on the manager; try again later")]
    Internal,
}

impl SyncError {
    fn status(&self) -> StatusCode {
        use SyncError as E;
        match self {
            E::Unsigned
            | E::UnknownUnit(_)
            | E::BadSignature
            | E::ClockSkew(_)
            | E::Replayed
            | E::TokenUnknown => StatusCode::UNAUTHORIZED,
            E::Removed(_) => StatusCode::FORBIDDEN,
            E::TokenUsed => StatusCode::CONFLICT,
            E::TokenExpired | E::TokenRevoked => StatusCode::GONE,
            E::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            E::BadJson(_) => StatusCode::BAD_REQUEST,
            E::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            E::NotFound => StatusCode::NOT_FOUND,
            E::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code units act on.
    pub fn code(&self) -> &'static str {
        use SyncError as E;
        match self {
            E::Unsigned => "unsigned",
            E::UnknownUnit(_) => "unknown_unit",
            E::BadSignature => "bad_signature",
            E::ClockSkew(_) => "clock_skew",
            E::Replayed => "replayed",
            E::Removed(_) => "unit_removed",
            E::TokenUnknown => "token_unknown",
            E::TokenUsed => "token_used",
            E::TokenExpired => "token_expired",
            E::TokenRevoked => "token_revoked",
            E::Invalid { .. } => "invalid",
            E::BadJson(_) => "bad_request",
            E::TooLarge(_) => "too_large",
            E::NotFound => "not_found",
            E::Internal => "internal",
        }
    }
}

impl From<DbError> for SyncError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "manager database (sync)");
        SyncError::Internal
    }
}

/// The staff areas' errors, met when sync reuses their functions.
impl From<Error> for SyncError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound => SyncError::NotFound,
            Error::Invalid { field, problem } => SyncError::Invalid { field, problem },
            e => {
                tracing::error!(error = %e, "manager area (sync)");
                SyncError::Internal
            }
        }
    }
}

impl IntoResponse for SyncError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: WireError {
                code: self.code().to_string(),
                message: self.to_string(),
            },
        };
        (self.status(), Json(body)).into_response()
    }
}

/// Reads a request body as `T`.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, SyncError> {
    serde_json::from_slice(body).map_err(|e| SyncError::BadJson(e.to_string()))
}

/// An Ed25519 public key as units send it: 64 hex digits.
pub fn public_key(value: &str) -> Result<String, SyncError> {
    let v = value.trim().to_ascii_lowercase();
    match hex::decode(&v) {
        Ok(bytes) if bytes.len() == 32 => Ok(v),
        _ => Err(SyncError::Invalid {
            field: "public_key",
            problem: "must be 64 hex digits (an Ed25519 public key)".into(),
        }),
    }
}
