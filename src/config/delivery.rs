//! `[smtp]` and `[sms]`: where codes are sent through. They belong to the machine config, not
//! the hotspot settings: they hold secrets (passwords, API tokens) that must stay in a 0600
//! file on this box, never travel in a document the venue edits, exports or a manager syncs;
//! and the server to use depends on this machine's network (a local relay on loopback, a
//! firewall that lets port 587 out). The hotspot settings say whether the methods are on and
//! with which limits.

use std::path::Path;

use serde::Deserialize;

use super::{ConfigError, invalid};
use crate::model::outbound::{
    HttpGateway, HttpMethod, Secret, SmsProvider, SmtpSecurity, SmtpServer, Twilio, sms_problem,
    smtp_problem,
};

/// `[smtp]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSmtp {
    /// Server host name or address.
    pub host: String,
    /// Port (default by `security`: 465, 587 or 25).
    pub port: Option<u16>,
    /// `tls`, `starttls` (default) or `plain` (only to 127.0.0.1 / ::1 / localhost).
    pub security: Option<SmtpSecurity>,
    /// Sender address.
    pub from: String,
    /// Sender's display name (default: the hotspot's name).
    pub from_name: Option<String>,
    /// Login name, if the server wants one.
    pub username: Option<String>,
    /// Password, here or…
    pub password: Option<String>,
    /// …in a file of its own (first line).
    pub password_file: Option<String>,
}

/// `[sms]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "provider", rename_all = "lowercase")]
pub enum RawSms {
    /// A generic HTTP gateway (Kannel's `sendsms`, resellers' URL APIs).
    Http {
        /// `GET` (default) or `POST`.
        method: Option<HttpMethod>,
        /// URL template with `{to}`, `{text}`, `{from}`.
        url: String,
        /// POST form body template.
        body: Option<String>,
        /// Sender name or number.
        #[serde(default)]
        from: String,
        /// Regular expression the answer must match.
        success_body: Option<String>,
    },
    /// Twilio's Messages API.
    Twilio {
        /// Default `https://api.twilio.com`.
        api_base: Option<String>,
        /// `AC…`
        account_sid: String,
        /// Auth token, here or…
        auth_token: Option<String>,
        /// …in a file of its own.
        auth_token_file: Option<String>,
        /// Sender number, or…
        from: Option<String>,
        /// …a Messaging Service `MG…`.
        messaging_service_sid: Option<String>,
    },
}

/// A secret given inline or in a file (first line; the file should be 0600 like the config).
fn secret(
    key: &'static str,
    inline: Option<String>,
    file: Option<String>,
) -> Result<Option<Secret>, ConfigError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(invalid(
            key,
            "given both inline and as a file",
            "keep one of the two",
        )),
        (Some(s), None) => Ok(Some(Secret(s))),
        (None, Some(path)) => std::fs::read_to_string(Path::new(&path))
            .map(|text| Some(Secret(text.lines().next().unwrap_or("").to_string())))
            .map_err(|e| {
                invalid(
                    key,
                    format!("cannot read {path:?}: {e}"),
                    "check the path and its permissions",
                )
            }),
        (None, None) => Ok(None),
    }
}

/// The SMTP server, checked.
pub fn smtp(raw: Option<RawSmtp>) -> Result<Option<SmtpServer>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let security = raw.security.unwrap_or(SmtpSecurity::Starttls);
    let password = secret("smtp.password", raw.password, raw.password_file)?;
    let credentials = match (raw.username, password) {
        (Some(user), Some(password)) => Some((user, password)),
        (None, None) => None,
        _ => {
            return Err(invalid(
                "smtp.username",
                "a username without a password or a password without a username",
                "give both, or neither for a server that needs no login",
            ));
        }
    };
    let server = SmtpServer {
        port: raw.port.unwrap_or(security.default_port()),
        host: raw.host,
        security,
        from: raw.from,
        from_name: raw.from_name,
        credentials,
    };
    if let Some(problem) = smtp_problem(&server) {
        let key = if problem.contains("plain") {
            "smtp.security"
        } else {
            "smtp.from"
        };
        return Err(invalid(key, problem, "see README, \"Email and SMS codes\""));
    }
    Ok(Some(server))
}

/// The SMS provider, checked.
pub fn sms(raw: Option<RawSms>) -> Result<Option<SmsProvider>, ConfigError> {
    let provider = match raw {
        None => return Ok(None),
        Some(RawSms::Http {
            method,
            url,
            body,
            from,
            success_body,
        }) => {
            if let Some(pattern) = &success_body
                && let Err(e) = regex::Regex::new(pattern)
            {
                return Err(invalid(
                    "sms.success_body",
                    e.to_string(),
                    "write a regular expression, e.g. \"Accepted\"",
                ));
            }
            SmsProvider::Http(HttpGateway {
                method: method.unwrap_or(HttpMethod::Get),
                url,
                body,
                from,
                success_body,
            })
        }
        Some(RawSms::Twilio {
            api_base,
            account_sid,
            auth_token,
            auth_token_file,
            from,
            messaging_service_sid,
        }) => {
            let auth_token =
                secret("sms.auth_token", auth_token, auth_token_file)?.ok_or_else(|| {
                    invalid(
                        "sms.auth_token",
                        "missing",
                        "give auth_token or auth_token_file",
                    )
                })?;
            SmsProvider::Twilio(Twilio {
                api_base: api_base.unwrap_or_else(|| "https://api.twilio.com".into()),
                account_sid,
                auth_token,
                from,
                messaging_service_sid,
            })
        }
    };
    if let Some(problem) = sms_problem(&provider) {
        return Err(invalid(
            "sms",
            problem,
            "see README, \"Email and SMS codes\"",
        ));
    }
    Ok(Some(provider))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(e: ConfigError) -> (String, String) {
        match e {
            ConfigError::Invalid { key, problem, .. } => (key.to_string(), problem),
            other => (String::new(), other.to_string()),
        }
    }

    #[test]
    fn plain_smtp_to_another_host_is_refused_at_load() {
        let raw: RawSmtp = toml::from_str(
            "host = \"mail.example.com\"\nsecurity = \"plain\"\nfrom = \"w@h.example\"",
        )
        .unwrap();
        let (key, text) = problem(smtp(Some(raw)).unwrap_err());
        assert_eq!(key, "smtp.security");
        assert!(text.contains("plain SMTP"), "{text}");
        let raw: RawSmtp =
            toml::from_str("host = \"mail.example.com\"\nfrom = \"w@h.example\"").unwrap();
        let server = smtp(Some(raw)).unwrap().unwrap();
        assert_eq!(
            (server.security, server.port),
            (SmtpSecurity::Starttls, 587)
        );
    }

    #[test]
    fn secrets_are_never_printed() {
        let raw: RawSmtp = toml::from_str(
            "host = \"127.0.0.1\"\nsecurity = \"plain\"\nfrom = \"w@h.example\"\nusername = \"u\"\npassword = \"hunter2\"",
        )
        .unwrap();
        let server = smtp(Some(raw)).unwrap().unwrap();
        assert!(!format!("{server:?}").contains("hunter2"));
    }

    #[test]
    fn sms_providers_parse_by_name_and_unknown_keys_are_named() {
        let http: RawSms = toml::from_str(
            "provider = \"http\"\nurl = \"http://127.0.0.1:13013/cgi-bin/sendsms?to={to}&text={text}\"\nsuccess_body = \"Accepted\"",
        )
        .unwrap();
        assert!(matches!(
            sms(Some(http)).unwrap(),
            Some(SmsProvider::Http(_))
        ));
        let twilio: RawSms = toml::from_str(
            "provider = \"twilio\"\naccount_sid = \"AC1\"\nauth_token = \"t\"\nfrom = \"+15005550006\"",
        )
        .unwrap();
        assert!(matches!(
            sms(Some(twilio)).unwrap(),
            Some(SmsProvider::Twilio(_))
        ));
        let e = toml::from_str::<RawSms>("provider = \"http\"\nurl = \"x\"\nsucess = \"1\"")
            .unwrap_err();
        assert!(e.to_string().contains("sucess"), "{e}");
        let no_text: RawSms =
            toml::from_str("provider = \"http\"\nurl = \"http://gw/?to={to}\"").unwrap();
        assert_eq!(problem(sms(Some(no_text)).unwrap_err()).0, "sms");
    }
}
