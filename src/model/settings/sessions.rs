//! How long guests stay online, and the rates of guests whose profile sets none.

use serde::{Deserialize, Serialize};

use super::SettingsError;
use super::human::{Duration, Rate};
use crate::model::login::SharedUsersPolicy;

/// Defaults for every session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sessions {
    /// Longest single session.
    pub session_timeout: Duration,
    /// A session ends after this long without traffic from the guest.
    pub idle_timeout: Duration,
    /// Download rate for guests whose profile sets none (unset: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_down: Option<Rate>,
    /// Upload rate for guests whose profile sets none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_up: Option<Rate>,
    /// A user already online on as many devices as allowed: `refuse-new` or `end-oldest`.
    pub shared_users_policy: SharedUsersPolicy,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            session_timeout: Duration(86_400),
            idle_timeout: Duration(900),
            rate_down: None,
            rate_up: None,
            shared_users_policy: SharedUsersPolicy::RefuseNew,
        }
    }
}

/// The longest session or idle timeout (a year: longer is a mistake, not a policy).
const MAX_TIMEOUT: u64 = 366 * 86_400;

/// The slowest rate the shaper can hold a guest to usefully (below, pages time out).
const MIN_RATE: u64 = 64_000;

/// The fastest rate a guest can be given (HTB's rates are 32-bit bytes per second, ~34G).
const MAX_RATE: u64 = 10_000_000_000;

impl Sessions {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        for (field, d) in [
            ("sessions.session_timeout", self.session_timeout),
            ("sessions.idle_timeout", self.idle_timeout),
        ] {
            if d.0 > MAX_TIMEOUT {
                errors.push(SettingsError::new(
                    field,
                    format!("{d} is longer than a year"),
                    "use at most 366d",
                ));
            }
        }
        for (field, rate) in [
            ("sessions.rate_down", self.rate_down),
            ("sessions.rate_up", self.rate_up),
        ] {
            match rate {
                Some(r) if r.0 < MIN_RATE => errors.push(SettingsError::new(
                    field,
                    format!("{r} bit/s is too slow for a web page"),
                    "use at least 64k, or remove it for no limit",
                )),
                Some(r) if r.0 > MAX_RATE => errors.push(SettingsError::new(
                    field,
                    format!("{r} is faster than the shaper can hold"),
                    "use at most 10G, or remove it for no limit",
                )),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_name_their_field() {
        let s = Sessions {
            idle_timeout: Duration(400 * 86_400),
            rate_up: Some(Rate(1_000)),
            ..Sessions::default()
        };
        let mut errors = Vec::new();
        s.validate(&mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sessions.idle_timeout", "sessions.rate_up"]);
    }
}
