//! Walled-garden domain patterns (`pay.example.com`, `*.example.com`), and the hosts the
//! operating systems probe to detect a captive portal: those must never be opened before
//! login, or the OS concludes it is online and never shows the portal
//! (`reference/semantics.md` §3).

use thiserror::Error;

/// Probe hosts of Apple, Android/Chrome, Windows and Firefox.
pub const PROBE_HOSTS: &[&str] = &[
    "captive.apple.com",
    "www.apple.com",
    "connectivitycheck.gstatic.com",
    "connectivitycheck.android.com",
    "www.gstatic.com",
    "clients3.google.com",
    "www.google.com",
    "play.googleapis.com",
    "www.msftconnecttest.com",
    "www.msftncsi.com",
    "dns.msftncsi.com",
    "ipv6.msftconnecttest.com",
    "detectportal.firefox.com",
];

/// A pattern that cannot be used.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum PatternError {
    /// Not a host name.
    #[error(
        "{0:?} is not a domain name (letters, digits, hyphens and dots; `*.` in front for every subdomain)"
    )]
    Invalid(String),
    /// It would open a captive-portal probe host.
    #[error(
        "{pattern:?} would open {probe}, which phones and laptops use to detect the portal: the login page would never pop up"
    )]
    ProbeHost {
        /// The pattern.
        pattern: String,
        /// The probe host it matches.
        probe: &'static str,
    },
}

/// A domain pattern of the walled garden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPattern {
    suffix: String,
    wildcard: bool,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
        && name.contains('.')
}

impl DomainPattern {
    /// Reads `name` or `*.name`; refuses patterns that would open a probe host.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let lower = text.trim().trim_end_matches('.').to_ascii_lowercase();
        let (wildcard, suffix) = match lower.strip_prefix("*.") {
            Some(rest) => (true, rest.to_string()),
            None => (false, lower.clone()),
        };
        if !valid_name(&suffix) {
            return Err(PatternError::Invalid(text.to_string()));
        }
        let pattern = DomainPattern { suffix, wildcard };
        if let Some(probe) = PROBE_HOSTS.iter().find(|p| pattern.matches(p)) {
            return Err(PatternError::ProbeHost {
                pattern: text.to_string(),
                probe,
            });
        }
        Ok(pattern)
    }

    /// Does a queried name fall under the pattern? (`*.example.com` covers example.com too.)
    pub fn matches(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.');
        if name.eq_ignore_ascii_case(&self.suffix) {
            return true;
        }
        self.wildcard
            && name.len() > self.suffix.len()
            && name
                .to_ascii_lowercase()
                .ends_with(&format!(".{}", self.suffix))
    }
}

impl std::fmt::Display for DomainPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.wildcard {
            write!(f, "*.{}", self.suffix)
        } else {
            f.write_str(&self.suffix)
        }
    }
}

/// Is `name` one of the probe hosts?
pub fn is_probe_host(name: &str) -> bool {
    PROBE_HOSTS
        .iter()
        .any(|p| p.eq_ignore_ascii_case(name.trim_end_matches('.')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names() {
        let exact = DomainPattern::parse("Pay.Example.com.").unwrap();
        assert!(exact.matches("pay.example.com") && exact.matches("PAY.example.com."));
        assert!(!exact.matches("www.pay.example.com"));
        let wild = DomainPattern::parse("*.example.com").unwrap();
        assert!(wild.matches("a.b.example.com") && wild.matches("example.com"));
        assert!(!wild.matches("badexample.com"));
        assert_eq!(wild.to_string(), "*.example.com");
    }

    #[test]
    fn probe_hosts_are_never_opened() {
        for bad in [
            "captive.apple.com",
            "*.apple.com",
            "*.gstatic.com",
            "*.google.com",
            "detectportal.firefox.com",
            "*.msftconnecttest.com",
        ] {
            assert!(
                matches!(
                    DomainPattern::parse(bad),
                    Err(PatternError::ProbeHost { .. })
                ),
                "{bad}"
            );
        }
        assert!(DomainPattern::parse("*.stripe.com").is_ok());
        assert!(is_probe_host("connectivitycheck.gstatic.com."));
        assert!(!is_probe_host("example.com"));
    }

    #[test]
    fn invalid_names_are_refused() {
        for bad in [
            "",
            "*",
            "*.",
            "localhost",
            "exa mple.com",
            "-a.com",
            "a..com",
            "http://x.com",
        ] {
            assert!(
                matches!(DomainPattern::parse(bad), Err(PatternError::Invalid(_))),
                "{bad}"
            );
        }
    }
}
