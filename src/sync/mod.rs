//! The unit's side of sync with the Hotspot Manager (protocol in `proto`): registration and
//! key rotation, and the task that pushes the outbox and pulls the change feed. Only this
//! module speaks both the gateway's language and the wire's.

pub mod client;
pub mod register;

use thiserror::Error;

use crate::proto::auth::AuthError;
use crate::store::StoreError;

/// Talking to the manager failed.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The manager's URL cannot be used.
    #[error("manager URL {0}")]
    Url(String),
    /// The trust anchor (CA or pin) cannot be used.
    #[error("manager certificate: {0}")]
    Trust(String),
    /// The manager could not be reached, or the connection broke (certificate refused,
    /// timeout, refused connection).
    #[error("cannot reach the manager: {0}")]
    Transport(String),
    /// The manager answered with an error.
    #[error("the manager refused ({code}, HTTP {status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable code, e.g. `unit_removed`, `token_used`.
        code: String,
        /// The manager's explanation.
        message: String,
    },
    /// The manager's answer does not parse.
    #[error("the manager's answer is unreadable: {0}")]
    Decode(String),
    /// The unit's key is unusable.
    #[error(transparent)]
    Key(#[from] AuthError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Sync needs a registration first.
    #[error("this unit is not registered; run `hotspotd unit register --manager URL --token T`")]
    NotRegistered,
}

impl SyncError {
    /// The manager removed this unit: sync stops until it registers again.
    pub fn is_removal(&self) -> bool {
        matches!(self, SyncError::Refused { code, .. } if code == "unit_removed")
    }
}
