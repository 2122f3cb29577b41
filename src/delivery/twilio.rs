//! Twilio's Messages API: a form POST with Basic auth; errors come as JSON with a numeric
//! `code` (https://www.twilio.com/docs/messaging/api/message-resource).

use serde::Deserialize;
use tracing::info;

use super::sms::{SendResult, SmsSender, is_e164};
use super::{DeliveryError, http_client, http_failure, transport_failure};
use crate::model::outbound::Twilio;

/// Sends through one Twilio account.
#[derive(Debug)]
pub struct TwilioSender {
    config: Twilio,
    client: reqwest::Client,
}

/// The fields of Twilio's answers we read.
#[derive(Debug, Deserialize)]
struct Answer {
    sid: Option<String>,
    code: Option<u32>,
    message: Option<String>,
}

/// Twilio error codes that pass with time: 20429 "Too many requests", 30001 "Queue
/// overflow", 20500/20503 internal or unavailable.
const RETRYABLE_CODES: [u32; 4] = [20429, 30001, 20500, 20503];

impl TwilioSender {
    /// A sender for the account.
    pub fn new(config: &Twilio) -> Result<TwilioSender, DeliveryError> {
        Ok(TwilioSender {
            config: config.clone(),
            client: http_client()?,
        })
    }

    async fn deliver(&self, to: &str, text: &str) -> Result<String, DeliveryError> {
        if !is_e164(to) {
            return Err(DeliveryError::Recipient(to.to_owned()));
        }
        let c = &self.config;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            c.api_base.trim_end_matches('/'),
            c.account_sid
        );
        let mut form = vec![("To", to), ("Body", text)];
        match (&c.from, &c.messaging_service_sid) {
            (_, Some(service)) => form.push(("MessagingServiceSid", service)),
            (Some(from), None) => form.push(("From", from)),
            (None, None) => {
                return Err(DeliveryError::Config("no sender configured".into()));
            }
        }
        let response = (self.client.post(&url))
            .basic_auth(&c.account_sid, Some(&c.auth_token.0))
            .form(&form)
            .send()
            .await
            .map_err(|e| transport_failure(&e))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| transport_failure(&e))?;
        let answer: Option<Answer> = serde_json::from_str(&body).ok();
        if (200..300).contains(&status) {
            let sid = answer.and_then(|a| a.sid).ok_or_else(|| {
                DeliveryError::Retryable(format!("HTTP {status} without a message sid"))
            })?;
            info!(sid, "SMS accepted by Twilio");
            return Ok(sid);
        }
        Err(match answer {
            Some(Answer {
                code: Some(code),
                message,
                sid: _,
            }) => {
                let detail = format!("Twilio error {code}: {}", message.unwrap_or_default());
                if RETRYABLE_CODES.contains(&code) || status >= 500 {
                    DeliveryError::Retryable(detail)
                } else {
                    DeliveryError::Permanent(detail)
                }
            }
            _ => http_failure(status, body.chars().take(200).collect()),
        })
    }
}

impl SmsSender for TwilioSender {
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> SendResult<'a> {
        Box::pin(self.deliver(to, text))
    }
}
