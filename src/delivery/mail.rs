//! Email over SMTP with lettre: TLS, STARTTLS, or plain only to this machine. Addresses are
//! parsed into lettre's types and every header value is checked for line breaks, so nothing a
//! guest types can add a header.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tracing::{info, warn};

use super::DeliveryError;
use crate::model::outbound::{SmtpSecurity, SmtpServer, smtp_problem};

/// One message: the subject and the same text as plain text and HTML.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Subject line (no line breaks).
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part (already escaped by its template).
    pub html: String,
}

/// Sends mail through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Address,
    from_name: Option<String>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `server`; refuses plain SMTP to another machine.
    pub fn new(server: &SmtpServer) -> Result<Mailer, DeliveryError> {
        if let Some(problem) = smtp_problem(server) {
            return Err(DeliveryError::Config(problem));
        }
        let from: Address = (server.from.parse())
            .map_err(|e| DeliveryError::Config(format!("sender {:?}: {e}", server.from)))?;
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned()).map_err(|e| DeliveryError::Config(e.to_string()))
        };
        let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server.host)
            .port(server.port)
            .timeout(Some(std::time::Duration::from_secs(15)));
        let builder = match server.security {
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls(&server.host)?)),
            SmtpSecurity::Starttls => builder.tls(Tls::Required(tls(&server.host)?)),
            SmtpSecurity::Plain => builder.tls(Tls::None),
        };
        let builder = match &server.credentials {
            Some((user, password)) => {
                builder.credentials(Credentials::new(user.clone(), password.0.clone()))
            }
            None => builder,
        };
        Ok(Mailer {
            transport: builder.build(),
            from,
            from_name: server.from_name.clone(),
        })
    }

    /// Sends `mail` to `to`, from the configured sender shown as `sender_name` (the hotspot's
    /// name) unless the config names one.
    pub async fn send(&self, to: &str, sender_name: &str, mail: Mail) -> Result<(), DeliveryError> {
        let message = self.message(to, sender_name, mail)?;
        match self.transport.send(message).await {
            Ok(response) => {
                info!(code = %response.code(), "mail accepted by the SMTP server");
                Ok(())
            }
            Err(e) => {
                warn!(error = %e, "mail not sent");
                Err(if e.is_permanent() {
                    DeliveryError::Permanent(e.to_string())
                } else {
                    DeliveryError::Retryable(e.to_string())
                })
            }
        }
    }

    /// The message as it goes on the wire.
    fn message(&self, to: &str, sender_name: &str, mail: Mail) -> Result<Message, DeliveryError> {
        let to: Address = to
            .parse()
            .map_err(|_| DeliveryError::Recipient(to.to_owned()))?;
        let name = single_line(self.from_name.as_deref().unwrap_or(sender_name));
        Message::builder()
            .from(Mailbox::new(Some(name), self.from.clone()))
            .to(Mailbox::new(None, to))
            .subject(single_line(&mail.subject))
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| DeliveryError::Config(e.to_string()))
    }

    /// The message's bytes (for tests of what a recipient receives).
    #[cfg(test)]
    fn formatted(&self, to: &str, mail: Mail) -> Result<String, DeliveryError> {
        let m = self.message(to, "Café", mail)?;
        Ok(String::from_utf8_lossy(&m.formatted()).into_owned())
    }
}

/// A header value on one line: a line break a name or subject carried becomes a space.
fn single_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        Mailer::new(&SmtpServer {
            host: "127.0.0.1".into(),
            port: 2525,
            security: SmtpSecurity::Plain,
            from: "wifi@hotel.example".into(),
            from_name: None,
            credentials: None,
        })
        .unwrap()
    }

    fn mail(subject: &str) -> Mail {
        Mail {
            subject: subject.into(),
            text: "Your code: 123456".into(),
            html: "<p>Your code: <b>123456</b></p>".into(),
        }
    }

    #[test]
    fn plain_smtp_to_another_machine_is_refused() {
        let e = Mailer::new(&SmtpServer {
            host: "smtp.example.com".into(),
            port: 25,
            security: SmtpSecurity::Plain,
            from: "wifi@hotel.example".into(),
            from_name: None,
            credentials: None,
        })
        .unwrap_err();
        assert!(matches!(e, DeliveryError::Config(_)), "{e}");
    }

    #[test]
    fn an_injected_header_in_the_recipient_is_refused() {
        let e = mailer()
            .formatted("a@b.c\r\nBcc: x@y.z", mail("Code"))
            .unwrap_err();
        assert!(matches!(e, DeliveryError::Recipient(_)), "{e}");
        assert!(
            mailer()
                .formatted("a@b.c\nBcc: x@y.z", mail("Code"))
                .is_err()
        );
        assert!(mailer().formatted("a@b.c, x@y.z", mail("Code")).is_err());
    }

    #[test]
    fn a_line_break_in_the_subject_stays_inside_the_subject() {
        let out = mailer()
            .formatted("guest@example.org", mail("Code\r\nBcc: x@y.z"))
            .unwrap();
        assert!(!out.lines().any(|l| l.starts_with("Bcc:")), "{out}");
        assert!(out.contains("To: guest@example.org"), "{out}");
        assert!(out.contains("text/html"), "{out}");
        assert!(out.contains("text/plain"), "{out}");
    }
}
