//! SMS providers behind one trait, and the generic HTTP gateway (Kannel's `sendsms` and the
//! many resellers that take a URL with the number and text filled in).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use regex::Regex;
use tracing::info;

use super::twilio::TwilioSender;
use super::{DeliveryError, http_client, http_failure, transport_failure};
use crate::model::outbound::{HttpGateway, HttpMethod, SmsProvider, sms_problem};

/// What a send returns: the provider's message id, or its answer when it gives none.
pub type SendResult<'a> = Pin<Box<dyn Future<Output = Result<String, DeliveryError>> + Send + 'a>>;

/// Something that sends one SMS to an E.164 number.
pub trait SmsSender: Send + Sync {
    /// Sends `text` to `to` (E.164, `+` and digits).
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> SendResult<'a>;
}

/// The sender for a configured provider.
pub fn sms_sender(provider: &SmsProvider) -> Result<Arc<dyn SmsSender>, DeliveryError> {
    if let Some(problem) = sms_problem(provider) {
        return Err(DeliveryError::Config(problem));
    }
    Ok(match provider {
        SmsProvider::Http(g) => Arc::new(HttpSmsGateway::new(g)?),
        SmsProvider::Twilio(t) => Arc::new(TwilioSender::new(t)?),
    })
}

/// A gateway that takes the number and text in a URL (GET) or a form body (POST).
#[derive(Debug)]
pub struct HttpSmsGateway {
    config: HttpGateway,
    success: Option<Regex>,
    client: reqwest::Client,
}

impl HttpSmsGateway {
    /// A gateway as configured; the success pattern must compile.
    pub fn new(config: &HttpGateway) -> Result<HttpSmsGateway, DeliveryError> {
        let success = (config.success_body.as_deref())
            .map(Regex::new)
            .transpose()
            .map_err(|e| DeliveryError::Config(format!("success_body: {e}")))?;
        Ok(HttpSmsGateway {
            config: config.clone(),
            success,
            client: http_client()?,
        })
    }

    async fn deliver(&self, to: &str, text: &str) -> Result<String, DeliveryError> {
        if !is_e164(to) {
            return Err(DeliveryError::Recipient(to.to_owned()));
        }
        let values = [
            ("{to}", to),
            ("{text}", text),
            ("{from}", &self.config.from),
        ];
        let url = fill(&self.config.url, &values);
        let request = match self.config.method {
            HttpMethod::Get => self.client.get(&url),
            HttpMethod::Post => self
                .client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(fill(self.config.body.as_deref().unwrap_or(""), &values)),
        };
        let response = request.send().await.map_err(|e| transport_failure(&e))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| transport_failure(&e))?;
        let body = body.trim().chars().take(200).collect::<String>();
        if !(200..300).contains(&status) {
            return Err(http_failure(status, body));
        }
        if let Some(pattern) = &self.success
            && !pattern.is_match(&body)
        {
            // A 2xx whose body says otherwise: the gateway took the request but not the
            // message (e.g. an unknown route). Nothing suggests a retry would differ.
            return Err(DeliveryError::Permanent(format!(
                "the gateway answered {status} {body:?}, which does not match the success pattern"
            )));
        }
        info!(status, answer = %body, "SMS accepted by the HTTP gateway");
        Ok(body)
    }
}

impl SmsSender for HttpSmsGateway {
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> SendResult<'a> {
        Box::pin(self.deliver(to, text))
    }
}

/// `+` and 8–15 digits: what `model::otp` hands over; anything else never reaches a URL.
pub(super) fn is_e164(to: &str) -> bool {
    to.strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The template with each placeholder replaced by its value, percent-encoded for a URL query
/// or a form body (a `+` in a number would otherwise read as a space).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (placeholder, value) in values {
        let encoded: String = url_encode(value);
        out = out.replace(placeholder, &encoded);
    }
    out
}

fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_so_they_cannot_add_parameters() {
        let url = fill(
            "http://gw/send?to={to}&text={text}",
            &[("{to}", "+393331234567"), ("{text}", "Code: 12 & more=1")],
        );
        assert_eq!(
            url,
            "http://gw/send?to=%2B393331234567&text=Code%3A%2012%20%26%20more%3D1"
        );
    }

    #[test]
    fn only_e164_numbers_are_sent() {
        assert!(is_e164("+393331234567"));
        assert!(!is_e164("393331234567"));
        assert!(!is_e164("+39 333"));
        assert!(!is_e164("+1234567890123456"));
    }
}
