//! The manager's one error type and its one mapping to status codes. Internals (database
//! errors) are logged and never shown. API requests get the JSON shape
//! `{"error": {"code", "message", "field"?}}`; pages get the same status with an HTML page
//! (rendered by `pages::html_errors`, which reads the [`Error`] left in the response).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::db::DbError;

/// Why a request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Not logged in (pages redirect to the login form).
    #[error("log in first")]
    Unauthenticated,
    /// The object does not exist, or is outside the principal's scope: the same answer.
    #[error("not found")]
    NotFound,
    /// A field's value is refused; the message says how to fix it.
    #[error("{field} {problem}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong and what to do.
        problem: String,
    },
    /// The hotspot settings document refused a change: every field with its problem and fix.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Settings(Vec<crate::model::settings::SettingsError>),
    /// A list's `cursor` is not one the list gave out (garbled or forged).
    #[error("cursor is not one this list gave out; start again from the first page")]
    BadCursor,
    /// The form's CSRF token is missing or not this session's, or it came from another site.
    #[error("this form has expired or came from another site; reload the page and try again")]
    Forbidden,
    /// A read-only API token tried to change something.
    #[error("this API token may only read; use one with the write scope")]
    ReadOnlyToken,
    /// Too many failed logins; try again after this many seconds.
    #[error("too many failed attempts; try again in {0} seconds")]
    Throttled(i64),
    /// The first, one-time password must be changed before anything else.
    #[error("change your one-time password first")]
    PasswordChangeRequired,
    /// Something failed inside; logged.
    #[error("something went wrong on the server; try again later")]
    Internal,
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "manager database");
        Error::Internal
    }
}

impl Error {
    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthenticated => StatusCode::UNAUTHORIZED,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Invalid { .. } | Error::Settings(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadCursor => StatusCode::BAD_REQUEST,
            Error::Forbidden | Error::PasswordChangeRequired | Error::ReadOnlyToken => {
                StatusCode::FORBIDDEN
            }
            Error::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "unauthenticated",
            Error::NotFound => "not_found",
            Error::Invalid { .. } | Error::Settings(_) => "invalid",
            Error::BadCursor => "bad_cursor",
            Error::Forbidden => "forbidden",
            Error::ReadOnlyToken => "read_only_token",
            Error::Throttled(_) => "throttled",
            Error::PasswordChangeRequired => "password_change_required",
            Error::Internal => "internal",
        }
    }

    /// A refused field value.
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> Error {
        Error::Invalid {
            field,
            problem: problem.into(),
        }
    }
}

/// The one error shape of the API: `{"error": {...}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// An error's details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code: unauthenticated, not_found, invalid, forbidden, read_only_token,
    /// throttled, password_change_required, internal.
    pub code: &'static str,
    /// For people: what is wrong and what to do.
    pub message: String,
    /// The refused field, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every refused field of a settings change, with its problem and fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

/// One refused field of a settings change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// Dotted path, e.g. `design.colours.button`.
    pub field: String,
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub fix: String,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (field, errors) = match &self {
            Error::Invalid { field, .. } => (Some(field.to_string()), None),
            Error::BadCursor => (Some("cursor".to_string()), None),
            Error::Settings(errors) => (
                errors.first().map(|e| e.field.clone()),
                Some(
                    errors
                        .iter()
                        .map(|e| FieldProblem {
                            field: e.field.clone(),
                            problem: e.problem.clone(),
                            fix: e.fix.clone(),
                        })
                        .collect(),
                ),
            ),
            _ => (None, None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                field,
                errors,
            },
        };
        let mut res = (self.status(), Json(body)).into_response();
        if let Error::Throttled(secs) = self {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res.extensions_mut().insert(self);
        res
    }
}
