//! Where outbound messages go: the SMTP server and the SMS provider, as the machine config
//! names them. Pure data and its checks; `delivery` turns them into transports.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// A password or token: compared and used, never printed (a `Debug` of the config shows
/// `"***"`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain connect, then STARTTLS required (port 587).
    Starttls,
    /// No encryption: only to a server on this machine (a local relay).
    Plain,
}

impl SmtpSecurity {
    /// The port a server usually listens on for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Plain => 25,
        }
    }
}

/// The SMTP server codes are sent through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    /// Host name (checked against the certificate) or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// TLS, STARTTLS or plain (loopback only).
    pub security: SmtpSecurity,
    /// The sender address, e.g. `wifi@hotel.example`.
    pub from: String,
    /// The sender's display name; the hotspot's name when unset.
    pub from_name: Option<String>,
    /// Login, if the server wants one.
    pub credentials: Option<(String, Secret)>,
}

/// Why an SMTP server cannot be used as configured.
pub fn smtp_problem(server: &SmtpServer) -> Option<String> {
    if server.security == SmtpSecurity::Plain && !is_loopback_host(&server.host) {
        return Some(format!(
            "plain SMTP to {:?} would send codes and passwords readable on the network; \
             use security = \"tls\" or \"starttls\", or a relay on 127.0.0.1",
            server.host
        ));
    }
    if server.from.contains(['\r', '\n']) || !server.from.contains('@') {
        return Some(format!("{:?} is not an email address", server.from));
    }
    if let Some(name) = &server.from_name
        && name.contains(['\r', '\n'])
    {
        return Some("the sender's name may not contain line breaks".into());
    }
    None
}

/// Whether `host` is this machine: a loopback address or `localhost`.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The request method of a generic HTTP SMS gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// Values in the URL's query (Kannel's `sendsms`).
    Get,
    /// Values in a form-encoded body.
    Post,
}

/// A gateway that takes a URL with the number and text filled in (Kannel, most SMS resellers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGateway {
    /// GET or POST.
    pub method: HttpMethod,
    /// e.g. `http://127.0.0.1:13013/cgi-bin/sendsms?username=u&password=p&to={to}&from={from}&text={text}`.
    pub url: String,
    /// For POST: the form body with the same placeholders, e.g. `to={to}&text={text}`.
    pub body: Option<String>,
    /// The sender shown on the phone (`{from}`).
    pub from: String,
    /// A regular expression the answer's body must match for the message to count as sent
    /// (besides a 2xx status), e.g. `Accepted`.
    pub success_body: Option<String>,
}

/// Twilio's Messages API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Twilio {
    /// `https://api.twilio.com` (a test points it elsewhere).
    pub api_base: String,
    /// Account SID (`AC…`), the Basic-auth user.
    pub account_sid: String,
    /// Auth token, the Basic-auth password.
    pub auth_token: Secret,
    /// Sender number in E.164, or…
    pub from: Option<String>,
    /// …a Messaging Service (`MG…`), which picks the sender.
    pub messaging_service_sid: Option<String>,
}

/// Who sends the SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsProvider {
    /// A generic HTTP gateway.
    Http(HttpGateway),
    /// Twilio.
    Twilio(Twilio),
}

/// Placeholders a generic gateway's templates may use.
pub const SMS_PLACEHOLDERS: [&str; 3] = ["{to}", "{text}", "{from}"];

/// Why an SMS provider cannot be used as configured.
pub fn sms_problem(provider: &SmsProvider) -> Option<String> {
    match provider {
        SmsProvider::Http(g) => {
            if !(g.url.starts_with("http://") || g.url.starts_with("https://")) {
                return Some(format!("{:?} is not an http(s) URL", g.url));
            }
            let all = format!("{}{}", g.url, g.body.as_deref().unwrap_or(""));
            for needed in ["{to}", "{text}"] {
                if !all.contains(needed) {
                    return Some(format!("the URL or body has no {needed} placeholder"));
                }
            }
            if g.method == HttpMethod::Get && g.body.is_some() {
                return Some("a GET gateway has no body; use method = \"POST\"".into());
            }
            None
        }
        SmsProvider::Twilio(t) => match (&t.from, &t.messaging_service_sid) {
            (Some(_), Some(_)) | (None, None) => {
                Some("give exactly one of `from` and `messaging_service_sid`".into())
            }
            _ if !t.account_sid.starts_with("AC") => {
                Some(format!("{:?} is not an account SID (AC…)", t.account_sid))
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(host: &str, security: SmtpSecurity) -> SmtpServer {
        SmtpServer {
            host: host.into(),
            port: 25,
            security,
            from: "wifi@hotel.example".into(),
            from_name: None,
            credentials: None,
        }
    }

    #[test]
    fn plain_smtp_is_only_for_this_machine() {
        assert_eq!(
            smtp_problem(&server("127.0.0.1", SmtpSecurity::Plain)),
            None
        );
        assert_eq!(
            smtp_problem(&server("localhost", SmtpSecurity::Plain)),
            None
        );
        assert_eq!(smtp_problem(&server("[::1]", SmtpSecurity::Plain)), None);
        assert!(smtp_problem(&server("mail.example", SmtpSecurity::Plain)).is_some());
        assert!(smtp_problem(&server("192.0.2.1", SmtpSecurity::Plain)).is_some());
        assert_eq!(
            smtp_problem(&server("mail.example", SmtpSecurity::Starttls)),
            None
        );
    }

    #[test]
    fn a_sender_with_a_line_break_is_refused() {
        let mut s = server("127.0.0.1", SmtpSecurity::Plain);
        s.from = "wifi@hotel.example\r\nBcc: x@y.z".into();
        assert!(smtp_problem(&s).is_some());
    }

    #[test]
    fn a_gateway_needs_the_number_and_the_text() {
        let g = HttpGateway {
            method: HttpMethod::Get,
            url: "http://127.0.0.1/send?to={to}".into(),
            body: None,
            from: "Venue".into(),
            success_body: None,
        };
        assert!(sms_problem(&SmsProvider::Http(g.clone())).is_some());
        let ok = HttpGateway {
            url: "http://127.0.0.1/send?to={to}&text={text}".into(),
            ..g
        };
        assert_eq!(sms_problem(&SmsProvider::Http(ok)), None);
    }
}
