//! The addresses and numbers guests type for a code: checked and normalised before anything
//! is stored or sent, against the hotspot's allowlists.

use std::str::FromStr;

use phonenumber::country;
use phonenumber::{Mode, PhoneNumber};
use thiserror::Error;

/// Why a typed address or number is refused; the message is shown to the guest.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContactError {
    /// Not an email address (or one with characters that do not belong in one).
    #[error("not an email address")]
    BadEmail,
    /// The domain is not among those the hotspot accepts.
    #[error("email domain not accepted")]
    DomainNotAllowed,
    /// Not a phone number that exists.
    #[error("not a valid phone number")]
    BadPhone,
    /// A number of a country the hotspot does not send to.
    #[error("phone numbers of this country are not accepted")]
    CountryNotAllowed,
}

/// A checked email address: local part as typed, domain in lower case, at most 254 bytes,
/// printable ASCII only (no spaces, no line breaks, no quotes or brackets), so it can go into a
/// header and a URL as is.
pub fn parse_email(typed: &str, allowed_domains: &[String]) -> Result<String, ContactError> {
    let typed = typed.trim();
    let (local, domain) = typed.rsplit_once('@').ok_or(ContactError::BadEmail)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    let domain = domain.to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !local_ok || !domain_ok || typed.len() > 254 {
        return Err(ContactError::BadEmail);
    }
    let allowed = allowed_domains.is_empty()
        || allowed_domains.iter().any(|a| {
            let a = a.trim().trim_start_matches('@').to_ascii_lowercase();
            domain == a || domain.ends_with(&format!(".{a}"))
        });
    if !allowed {
        return Err(ContactError::DomainNotAllowed);
    }
    Ok(format!("{local}@{domain}"))
}

/// A country code of the allowlist (ISO 3166 alpha-2, e.g. `IT`), if it is one.
pub fn country_id(code: &str) -> Option<country::Id> {
    country::Id::from_str(&code.trim().to_ascii_uppercase()).ok()
}

/// A checked number in E.164 (`+393331234567`). A number typed without `+` is read as a
/// number of `countries[0]` (the hotspot's own country); the number's country must be in
/// `countries` (empty: any).
pub fn parse_phone(typed: &str, countries: &[String]) -> Result<String, ContactError> {
    let typed = typed.trim();
    if typed.len() > 32 || typed.chars().any(char::is_control) {
        return Err(ContactError::BadPhone);
    }
    let home = countries.first().and_then(|c| country_id(c));
    let number: PhoneNumber =
        phonenumber::parse(home, typed).map_err(|_| ContactError::BadPhone)?;
    if !phonenumber::is_valid(&number) || number.extension().is_some() {
        return Err(ContactError::BadPhone);
    }
    let id = number.country().id();
    let allowed = countries.is_empty()
        || id.is_some_and(|id| countries.iter().any(|c| country_id(c) == Some(id)));
    if !allowed {
        return Err(ContactError::CountryNotAllowed);
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// A number shown to the guest: the country code and the last three digits (`+39 … 567`), so
/// a shoulder-surfer learns little.
pub fn masked_phone(e164: &str) -> String {
    let tail: String = e164
        .chars()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let head: String = e164.chars().take(3).collect();
    format!("{head} … {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn emails_are_checked_and_the_domain_lowercased() {
        assert_eq!(
            parse_email(" Anna.Rossi+wifi@Example.ORG ", &[]),
            Ok("Anna.Rossi+wifi@example.org".into())
        );
        for bad in [
            "a@b.c\r\nBcc: x@y.z",
            "a@b.c\nBcc: x@y.z",
            "a b@c.de",
            "\"a\"@b.cd",
            "a@b",
            "@b.cd",
            "a@-b.cd",
            "a..b@c.de",
            "a@b.c, x@y.z",
            "<a@b.cd>",
        ] {
            assert_eq!(
                parse_email(bad, &[]),
                Err(ContactError::BadEmail),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_domain_allowlist_takes_subdomains_but_not_lookalikes() {
        let allowed = list(&["hotel.example"]);
        assert!(parse_email("a@hotel.example", &allowed).is_ok());
        assert!(parse_email("a@staff.hotel.example", &allowed).is_ok());
        assert_eq!(
            parse_email("a@evilhotel.example", &allowed),
            Err(ContactError::DomainNotAllowed)
        );
    }

    #[test]
    fn numbers_become_e164_and_foreign_countries_are_refused() {
        let it = list(&["IT", "CH"]);
        assert_eq!(parse_phone("333 123 4567", &it), Ok("+393331234567".into()));
        assert_eq!(
            parse_phone("+39 333 1234567", &it),
            Ok("+393331234567".into())
        );
        assert_eq!(
            parse_phone("+41 79 123 45 67", &it),
            Ok("+41791234567".into())
        );
        assert_eq!(
            parse_phone("+44 7911 123456", &it),
            Err(ContactError::CountryNotAllowed)
        );
        assert_eq!(
            parse_phone("+44 7911 123456", &[]),
            Ok("+447911123456".into())
        );
        for bad in ["12", "abc", "+39 000", "+39 333 1234567\r\nx", ""] {
            assert_eq!(
                parse_phone(bad, &it),
                Err(ContactError::BadPhone),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_masked_number_shows_its_country_code_and_last_digits() {
        assert_eq!(masked_phone("+393331234567"), "+39 … 567");
    }
}
