//! Guests: people known to this hotspot by the way they logged in (the device for click-through,
//! a voucher, an account, an email address, a phone number). Pure: identifiers are normalised
//! here so that one person's logins land on one guest.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::settings::Lang;

/// How a guest logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Click-through: the device is the identity.
    Click,
    /// A voucher code (known by the voucher's id: codes are kept only as hashes).
    Voucher,
    /// Username and password.
    Account,
    /// A code sent by email.
    Email,
    /// A code sent by SMS.
    Sms,
    /// A social login brokered by the manager (known as `provider:subject`).
    Social,
    /// The capped pass offered while the manager is unreachable (the device is the
    /// identity, as for click-through).
    Offline,
}

impl Method {
    /// Every method.
    pub const ALL: [Method; 7] = [
        Method::Click,
        Method::Voucher,
        Method::Account,
        Method::Email,
        Method::Sms,
        Method::Social,
        Method::Offline,
    ];

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Click => "click",
            Method::Voucher => "voucher",
            Method::Account => "account",
            Method::Email => "email",
            Method::Sms => "sms",
            Method::Social => "social",
            Method::Offline => "offline",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = GuestError;

    fn from_str(s: &str) -> Result<Method, GuestError> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| GuestError::UnknownMethod(s.to_owned()))
    }
}

/// A guest's id in this hotspot's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GuestId(pub i64);

impl fmt::Display for GuestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An identifier that cannot name a guest of its method.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GuestError {
    /// Not one of the methods.
    #[error("{0:?} is not a login method (click, voucher, account, email, sms, social, offline)")]
    UnknownMethod(String),
    /// The identifier does not fit the method.
    #[error("{value:?} is not a valid {what}")]
    BadIdentifier {
        /// What was expected.
        what: &'static str,
        /// What was given.
        value: String,
    },
}

/// The identifier in the one form it is stored in: a MAC in lower-case colon form, an email
/// address trimmed and in lower case, a phone number in E.164 (`+` and 8–15 digits; parsing a
/// national number is the SMS method's job), a voucher's id, an account's username as typed.
pub fn normalize_identifier(method: Method, raw: &str) -> Result<String, GuestError> {
    let bad = |what| GuestError::BadIdentifier {
        what,
        value: raw.to_owned(),
    };
    let value = raw.trim();
    match method {
        Method::Click | Method::Offline => {
            let parts: Vec<&str> = value.split([':', '-']).collect();
            let ok = parts.len() == 6
                && parts
                    .iter()
                    .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
            ok.then(|| parts.join(":").to_ascii_lowercase())
                .ok_or_else(|| bad("MAC address"))
        }
        Method::Voucher => value
            .parse::<u64>()
            .map(|id| id.to_string())
            .map_err(|_| bad("voucher id")),
        Method::Account => (!value.is_empty() && value.len() <= 256)
            .then(|| value.to_owned())
            .ok_or_else(|| bad("username")),
        Method::Email => {
            let lower = value.to_lowercase();
            let ok = lower.len() <= 254
                && lower.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !domain.contains('@')
                })
                && !lower.chars().any(|c| c.is_whitespace() || c.is_control());
            ok.then_some(lower).ok_or_else(|| bad("email address"))
        }
        Method::Sms => {
            let digits = value.strip_prefix('+').unwrap_or("");
            let ok = (8..=15).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0');
            ok.then(|| value.to_owned())
                .ok_or_else(|| bad("phone number in E.164 form (+ and 8–15 digits)"))
        }
        Method::Social => {
            let ok = value.len() <= 300
                && value
                    .split_once(':')
                    .is_some_and(|(provider, subject)| !provider.is_empty() && !subject.is_empty())
                && !value.chars().any(char::is_control);
            ok.then(|| value.to_owned())
                .ok_or_else(|| bad("provider:subject of a social login"))
        }
    }
}

/// A guest as stored. After erasure the identifier is gone and `erased_at` is set; the row
/// stays so that anonymised sessions and consent rows still count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guest {
    /// Id.
    pub id: GuestId,
    /// How the guest logs in.
    pub method: Method,
    /// MAC, voucher id, username, email or E.164 number; `None` once erased.
    pub identifier: Option<String>,
    /// Whether the identifier was proven (a code reached the address or phone, a voucher or
    /// password matched); a click-through guest's device is never "verified".
    pub verified: bool,
    /// The language of the last login.
    pub lang: Lang,
    /// The user its logins run as (profile, limits and usage).
    pub user_id: Option<i64>,
    /// Unix time of the first login.
    pub first_seen: i64,
    /// Unix time of the latest login.
    pub last_seen: i64,
    /// Unix time the personal data was erased.
    pub erased_at: Option<i64>,
}

/// The code hash of the user a guest of `method` logs in as under a profile: keyed with the
/// gateway's secret, so the user is found again on the guest's next visit and cannot be typed
/// as a voucher code (no code maps to it).
pub fn guest_user_hash(key: &[u8], method: Method, identifier: &str, profile_id: i64) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key size");
    mac.update(format!("guest-user:{method}:{identifier}\0{profile_id}").as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_stored_in_one_form() {
        let n = normalize_identifier;
        assert_eq!(
            n(Method::Click, "02-77-00-00-00-0B").unwrap(),
            "02:77:00:00:00:0b"
        );
        assert_eq!(
            n(Method::Email, " Anna@Example.COM ").unwrap(),
            "anna@example.com"
        );
        assert_eq!(n(Method::Sms, "+393471234567").unwrap(), "+393471234567");
        assert_eq!(n(Method::Voucher, "12").unwrap(), "12");
        assert_eq!(n(Method::Account, "anna").unwrap(), "anna");
        assert_eq!(n(Method::Social, "op:alice").unwrap(), "op:alice");
    }

    #[test]
    fn identifiers_that_do_not_fit_the_method_are_refused() {
        let n = normalize_identifier;
        assert!(n(Method::Click, "02:77:00:00:00").is_err());
        assert!(n(Method::Click, "zz:77:00:00:00:0b").is_err());
        assert!(n(Method::Email, "anna").is_err());
        assert!(n(Method::Email, "a@b@c.d").is_err());
        assert!(n(Method::Email, "a b@c.d").is_err());
        assert!(n(Method::Sms, "3471234567").is_err());
        assert!(n(Method::Sms, "+39 347 1234567").is_err());
        assert!(n(Method::Voucher, "abc").is_err());
        assert!(n(Method::Account, "  ").is_err());
        assert!(n(Method::Social, "alice").is_err());
        assert!(n(Method::Social, "op:").is_err());
    }

    #[test]
    fn methods_round_trip_through_their_names() {
        for m in Method::ALL {
            assert_eq!(m.as_str().parse::<Method>(), Ok(m));
        }
        assert!("facebook".parse::<Method>().is_err());
    }
}
