//! Voucher batches and states: the rules shared by every place that makes or lists vouchers
//! (the CLI today, the manager's desk later). Persisting them is the caller's store's job.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;
use thiserror::Error;

use super::entities::{NewProfile, User};
use super::limitation::{Limitation, OutsideWindows, ResetInterval};
use super::profile::{Assignment, ProfileClock, Starts, State};
use super::units::{format_duration, format_rate, format_size};
use super::voucher_code::{CodeError, VoucherCode};

/// Most vouchers in one batch.
pub const MAX_BATCH: u32 = 10_000;

/// A batch request that cannot be made.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BatchError {
    /// Count out of range.
    #[error("count must be 1 to {MAX_BATCH}")]
    Count,
    /// `--uses` is not understood.
    #[error("{0:?} is not single, unlimited or a number ≥ 1")]
    Uses(String),
    /// Fewer than one device.
    #[error("shared users must be at least 1")]
    SharedUsers,
    /// The random source failed.
    #[error(transparent)]
    Code(#[from] CodeError),
}

/// Quick terms given instead of a named profile: they stand for a profile (and limitation)
/// made once and reused by every batch with the same terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdHocTerms {
    /// Validity; `None` = unlimited.
    pub validity_secs: Option<u64>,
    /// When validity starts.
    pub starts: Starts,
    /// Devices at once.
    pub shared_users: u32,
    /// Download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
    /// Data allowance over the voucher's life, bytes.
    pub quota_bytes: Option<u64>,
}

/// The profile, and the limitation if any, that ad-hoc terms stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdHocProfile {
    /// The profile (its name encodes the terms, so equal terms find it again).
    pub profile: NewProfile,
    /// Rates and quota, when the terms set any.
    pub limitation: Option<Limitation>,
}

impl AdHocTerms {
    /// Checks the terms.
    pub fn validate(&self) -> Result<(), BatchError> {
        if self.shared_users == 0 {
            return Err(BatchError::SharedUsers);
        }
        Ok(())
    }

    /// Human summary: "1h from first logon, 1 device(s), down/up 10M/2M, 500.0 MB".
    pub fn describe(&self) -> String {
        let validity = self
            .validity_secs
            .map_or("unlimited time".to_string(), |s| {
                let from = if self.starts == Starts::Now {
                    "creation"
                } else {
                    "first logon"
                };
                format!("{} from {from}", format_duration(s))
            });
        let rate = |r: Option<u64>| r.map_or("-".into(), format_rate);
        let quota = self.quota_bytes.map_or("no data cap".into(), format_size);
        format!(
            "{validity}, {} device(s), down/up {}/{}, {quota}",
            self.shared_users,
            rate(self.rate_down_bps),
            rate(self.rate_up_bps)
        )
    }

    /// The profile these terms stand for.
    pub fn profile(&self) -> AdHocProfile {
        let part = |v: Option<u64>, f: fn(u64) -> String| v.map_or("-".to_string(), f);
        let name = format!(
            "voucher:{}:{}:{}u:{}:{}:{}",
            part(self.validity_secs, format_duration),
            self.starts.as_str(),
            self.shared_users,
            part(self.rate_down_bps, format_rate),
            part(self.rate_up_bps, format_rate),
            part(self.quota_bytes, |b| b.to_string())
        );
        let name_for_users = match self.validity_secs {
            Some(v) => format!("{} access", format_duration(v)),
            None => "Unlimited access".to_string(),
        };
        let limits = self.rate_down_bps.is_some()
            || self.rate_up_bps.is_some()
            || self.quota_bytes.is_some();
        let limitation = limits.then(|| Limitation {
            id: 0,
            name: name.replacen("voucher:", "voucher-limits:", 1),
            uptime_limit: None,
            download_limit: None,
            upload_limit: None,
            transfer_limit: self.quota_bytes,
            rate_down_bps: self.rate_down_bps,
            rate_up_bps: self.rate_up_bps,
            reset: ResetInterval::Never,
        });
        AdHocProfile {
            profile: NewProfile {
                name,
                name_for_users,
                owner: "admin".into(),
                clock: ProfileClock {
                    validity_secs: self.validity_secs,
                    starts: self.starts,
                },
                price_cents: None,
                shared_users: self.shared_users,
                outside_windows: OutsideWindows::Deny,
            },
            limitation,
        }
    }
}

/// Reads a number of uses: `single`, `unlimited` or a number ≥ 1 (`None` = unlimited).
pub fn parse_uses(uses: &str) -> Result<Option<u32>, BatchError> {
    match uses {
        "single" => Ok(Some(1)),
        "unlimited" => Ok(None),
        n => match n.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(BatchError::Uses(n.to_string())),
        },
    }
}

/// Describes a number of uses: "single use", "3 logins", "unlimited logins".
pub fn describe_uses(max_logins: Option<u32>) -> String {
    match max_logins {
        None => "unlimited logins".into(),
        Some(1) => "single use".into(),
        Some(n) => format!("{n} logins"),
    }
}

/// `count` distinct new codes.
pub fn unique_codes(count: u32) -> Result<Vec<VoucherCode>, BatchError> {
    if count == 0 || count > MAX_BATCH {
        return Err(BatchError::Count);
    }
    let mut codes = Vec::with_capacity(count as usize);
    let mut seen = HashSet::new();
    while codes.len() < count as usize {
        let code = VoucherCode::generate()?;
        if seen.insert(code.display()) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Where a voucher (or account) stands, as listings show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VoucherState {
    /// Not used yet.
    Unused,
    /// Logged in at least once, profile running.
    InUse,
    /// Every login it allows was used.
    Used,
    /// Every profile ended.
    Expired,
    /// Disabled by an operator.
    Revoked,
    /// No profile assigned.
    NoProfile,
}

impl VoucherState {
    /// The state of `user` with its profile `queue` at `now`.
    pub fn of(user: &User, queue: &[Assignment], now: i64) -> VoucherState {
        let ended = |a: &Assignment| a.state == State::Used || a.ends_at.is_some_and(|e| now >= e);
        if user.disabled_at.is_some() {
            VoucherState::Revoked
        } else if !queue.is_empty() && queue.iter().all(ended) {
            VoucherState::Expired
        } else if user.max_logins.is_some_and(|m| user.logins >= m) {
            VoucherState::Used
        } else if user.logins > 0 && queue.iter().any(|a| a.state == State::Active) {
            // A "now" profile is active from its assignment: its voucher is unused until a logon.
            VoucherState::InUse
        } else if queue.is_empty() {
            VoucherState::NoProfile
        } else {
            VoucherState::Unused
        }
    }

    /// The name listings print (the same as in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherState::Unused => "unused",
            VoucherState::InUse => "in-use",
            VoucherState::Used => "used",
            VoucherState::Expired => "expired",
            VoucherState::Revoked => "revoked",
            VoucherState::NoProfile => "no-profile",
        }
    }
}

impl fmt::Display for VoucherState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> AdHocTerms {
        AdHocTerms {
            validity_secs: Some(3600),
            starts: Starts::FirstLogon,
            shared_users: 1,
            rate_down_bps: Some(10_000_000),
            rate_up_bps: None,
            quota_bytes: None,
        }
    }

    #[test]
    fn equal_terms_stand_for_the_same_profile_and_different_ones_do_not() {
        assert_eq!(terms().profile(), terms().profile());
        let other = AdHocTerms {
            shared_users: 2,
            ..terms()
        };
        assert_ne!(terms().profile().profile.name, other.profile().profile.name);
    }

    #[test]
    fn a_limitation_exists_only_when_the_terms_limit_something() {
        assert!(terms().profile().limitation.is_some());
        let free = AdHocTerms {
            rate_down_bps: None,
            ..terms()
        };
        assert!(free.profile().limitation.is_none());
    }

    #[test]
    fn uses_parse_and_bad_counts_are_refused() {
        assert_eq!(parse_uses("single"), Ok(Some(1)));
        assert_eq!(parse_uses("unlimited"), Ok(None));
        assert_eq!(parse_uses("3"), Ok(Some(3)));
        assert!(parse_uses("0").is_err());
        assert_eq!(unique_codes(0).unwrap_err(), BatchError::Count);
        assert_eq!(unique_codes(MAX_BATCH + 1).unwrap_err(), BatchError::Count);
        let codes = unique_codes(200).unwrap();
        let distinct: HashSet<_> = codes.iter().map(VoucherCode::display).collect();
        assert_eq!(distinct.len(), 200);
    }

    #[test]
    fn a_revoked_voucher_is_revoked_whatever_else_holds() {
        let user = User {
            id: 1,
            username: None,
            note: String::new(),
            created_at: 0,
            max_logins: Some(1),
            logins: 1,
            disabled_at: Some(5),
        };
        assert_eq!(VoucherState::of(&user, &[], 10), VoucherState::Revoked);
        let fresh = User {
            disabled_at: None,
            logins: 0,
            ..user
        };
        assert_eq!(VoucherState::of(&fresh, &[], 10), VoucherState::NoProfile);
    }
}
