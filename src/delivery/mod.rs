//! Outbound messages to guests: codes by email (SMTP, lettre) and by SMS (HTTP providers
//! behind [`SmsSender`]). Nothing here decides whether to send; the gateway does, with the
//! limits in `model::otp`.

mod mail;
mod sms;
mod twilio;

use thiserror::Error;

pub use mail::{Mail, Mailer};
pub use sms::{HttpSmsGateway, SmsSender, sms_sender};
pub use twilio::TwilioSender;

/// Why a message was not sent. Retryable failures (a server down, throttling) may succeed a
/// moment later; permanent ones (a refused address, wrong credentials) will not.
#[derive(Debug, Error)]
pub enum DeliveryError {
    /// The configured server or provider cannot be used as it is (checked before sending).
    #[error("delivery is misconfigured: {0}")]
    Config(String),
    /// The recipient is not an address or number the provider can send to.
    #[error("the recipient {0:?} is not valid")]
    Recipient(String),
    /// A failure that may pass: connection, timeout, 5xx, throttling.
    #[error("temporary delivery failure: {0}")]
    Retryable(String),
    /// A failure that will not pass on its own: refused recipient, wrong credentials, 4xx.
    #[error("delivery refused: {0}")]
    Permanent(String),
}

impl DeliveryError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, DeliveryError::Retryable(_))
    }
}

/// HTTP status → retryable (429, 5xx) or permanent (other non-2xx).
fn http_failure(status: u16, detail: String) -> DeliveryError {
    if status == 429 || status >= 500 {
        DeliveryError::Retryable(format!("HTTP {status}: {detail}"))
    } else {
        DeliveryError::Permanent(format!("HTTP {status}: {detail}"))
    }
}

/// A reqwest failure before any answer: timeouts and connection failures pass.
fn transport_failure(e: &reqwest::Error) -> DeliveryError {
    // reqwest's Display leaves out the cause ("error sending request"); the chain names it.
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_builder() {
        DeliveryError::Config(detail)
    } else {
        DeliveryError::Retryable(detail)
    }
}

/// The HTTP client every SMS provider uses: no redirects (a provider that redirects is
/// misconfigured, and following would leak credentials), bounded time.
fn http_client() -> Result<reqwest::Client, DeliveryError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| DeliveryError::Config(e.to_string()))
}
