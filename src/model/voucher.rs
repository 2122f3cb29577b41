//! Voucher terms and the pure login decision: may this code start a session now, and until when
//! is it valid? The clock is passed in (unix seconds) so every rule is testable.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// When a voucher's validity clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Starts {
    /// At the first login: a voucher on the shelf does not age.
    FirstLogon,
    /// At creation.
    Now,
}

impl Starts {
    /// The name stored in the database and shown in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Starts::FirstLogon => "first-logon",
            Starts::Now => "now",
        }
    }

    /// Reads the stored name back.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "first-logon" => Some(Starts::FirstLogon),
            "now" => Some(Starts::Now),
            _ => None,
        }
    }
}

/// What the operator sold: fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherTerms {
    /// Wall-clock lifetime once started; `None` = unlimited.
    pub validity_secs: Option<u64>,
    /// When the validity clock starts.
    pub starts: Starts,
    /// How many logins the code allows; `None` = unlimited. A device that is already online
    /// logging in again does not use one up.
    pub max_uses: Option<u32>,
    /// How many devices may be online at once on this code.
    pub shared_users: u32,
    /// Download rate limit (to the guest), bits per second.
    pub rate_down_bps: Option<u64>,
    /// Upload rate limit (from the guest), bits per second.
    pub rate_up_bps: Option<u64>,
    /// Data allowance, download + upload bytes, over the voucher's whole life.
    pub quota_bytes: Option<u64>,
}

/// What has happened to a voucher so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherUsage {
    /// Unix time of the first login.
    pub first_used_at: Option<i64>,
    /// Fixed end of validity once known; never moves afterwards.
    pub expires_at: Option<i64>,
    /// Logins counted against `max_uses`.
    pub uses: u32,
    /// Bytes (down + up) used over all sessions.
    pub bytes_used: u64,
    /// Set when the operator revoked the voucher.
    pub revoked_at: Option<i64>,
}

/// Why a voucher cannot log a device in.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum LoginRefusal {
    /// The operator revoked the code.
    #[error("this voucher has been withdrawn")]
    Revoked,
    /// Its validity has ended.
    #[error("this voucher has expired")]
    Expired,
    /// All its logins are used.
    #[error("this voucher has already been used")]
    UsedUp,
    /// Its data allowance is used.
    #[error("this voucher's data allowance is used up")]
    QuotaExhausted,
    /// Too many devices are online with it.
    #[error("this voucher is already in use on {0} device(s), the most it allows")]
    TooManyDevices(u32),
}

/// The outcome of an accepted login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginGrant {
    /// End of validity (fixed by this login if it is the first), `None` = unlimited.
    pub expires_at: Option<i64>,
    /// True when this login starts the validity clock.
    pub first_use: bool,
    /// True when this login uses one of `max_uses`.
    pub counts_as_use: bool,
}

/// When a voucher's validity ends if it were created at `created_at` and first used `now`.
fn validity_end(terms: &VoucherTerms, created_at: i64, now: i64) -> Option<i64> {
    let validity = i64::try_from(terms.validity_secs?).unwrap_or(i64::MAX);
    let start = match terms.starts {
        Starts::FirstLogon => now,
        Starts::Now => created_at,
    };
    Some(start.saturating_add(validity))
}

/// The expiry a new voucher gets at creation (only `Starts::Now` vouchers have one).
pub fn expiry_at_creation(terms: &VoucherTerms, created_at: i64) -> Option<i64> {
    match terms.starts {
        Starts::Now => validity_end(terms, created_at, created_at),
        Starts::FirstLogon => None,
    }
}

/// Decides a login. `online_devices` are the devices with an active session on this voucher
/// and `device_online` says whether the device logging in is one of them (a re-login, which
/// neither counts as a use nor as another device).
pub fn decide_login(
    terms: &VoucherTerms,
    usage: &VoucherUsage,
    created_at: i64,
    online_devices: u32,
    device_online: bool,
    now: i64,
) -> Result<LoginGrant, LoginRefusal> {
    if usage.revoked_at.is_some() {
        return Err(LoginRefusal::Revoked);
    }
    let first_use = usage.first_used_at.is_none();
    let expires_at = match usage.expires_at {
        Some(fixed) => Some(fixed),
        None if first_use => validity_end(terms, created_at, now),
        None => None,
    };
    if expires_at.is_some_and(|end| now >= end) {
        return Err(LoginRefusal::Expired);
    }
    if terms.quota_bytes.is_some_and(|q| usage.bytes_used >= q) {
        return Err(LoginRefusal::QuotaExhausted);
    }
    if device_online {
        return Ok(LoginGrant {
            expires_at,
            first_use: false,
            counts_as_use: false,
        });
    }
    if terms.max_uses.is_some_and(|max| usage.uses >= max) {
        return Err(LoginRefusal::UsedUp);
    }
    if online_devices >= terms.shared_users {
        return Err(LoginRefusal::TooManyDevices(terms.shared_users));
    }
    Ok(LoginGrant {
        expires_at,
        first_use,
        counts_as_use: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000;

    fn terms() -> VoucherTerms {
        VoucherTerms {
            validity_secs: Some(3600),
            starts: Starts::FirstLogon,
            max_uses: Some(1),
            shared_users: 1,
            rate_down_bps: None,
            rate_up_bps: None,
            quota_bytes: Some(1000),
        }
    }

    #[test]
    fn first_logon_fixes_the_end_time() {
        let grant = decide_login(&terms(), &VoucherUsage::default(), T0, 0, false, T0 + 500);
        assert_eq!(
            grant,
            Ok(LoginGrant {
                expires_at: Some(T0 + 500 + 3600),
                first_use: true,
                counts_as_use: true
            })
        );
    }

    #[test]
    fn starts_now_counts_from_creation() {
        let t = VoucherTerms {
            starts: Starts::Now,
            ..terms()
        };
        assert_eq!(expiry_at_creation(&t, T0), Some(T0 + 3600));
        assert_eq!(expiry_at_creation(&terms(), T0), None);
        let usage = VoucherUsage {
            expires_at: Some(T0 + 3600),
            ..Default::default()
        };
        let grant = decide_login(&t, &usage, T0, 0, false, T0 + 100).unwrap();
        assert_eq!(grant.expires_at, Some(T0 + 3600));
        assert_eq!(
            decide_login(&t, &usage, T0, 0, false, T0 + 3600),
            Err(LoginRefusal::Expired)
        );
    }

    #[test]
    fn refusals() {
        let used = VoucherUsage {
            first_used_at: Some(T0),
            expires_at: Some(T0 + 3600),
            uses: 1,
            ..Default::default()
        };
        assert_eq!(
            decide_login(&terms(), &used, T0, 0, false, T0 + 10),
            Err(LoginRefusal::UsedUp)
        );
        let revoked = VoucherUsage {
            revoked_at: Some(T0),
            ..Default::default()
        };
        assert_eq!(
            decide_login(&terms(), &revoked, T0, 0, false, T0),
            Err(LoginRefusal::Revoked)
        );
        let drained = VoucherUsage {
            bytes_used: 1000,
            ..used.clone()
        };
        assert_eq!(
            decide_login(&terms(), &drained, T0, 0, true, T0 + 10),
            Err(LoginRefusal::QuotaExhausted)
        );
        let multi = VoucherTerms {
            max_uses: None,
            shared_users: 2,
            ..terms()
        };
        assert_eq!(
            decide_login(&multi, &used, T0, 2, false, T0 + 10),
            Err(LoginRefusal::TooManyDevices(2))
        );
        assert!(decide_login(&multi, &used, T0, 1, false, T0 + 10).is_ok());
    }

    #[test]
    fn a_device_already_online_may_log_in_again() {
        let used = VoucherUsage {
            first_used_at: Some(T0),
            expires_at: Some(T0 + 3600),
            uses: 1,
            ..Default::default()
        };
        let grant = decide_login(&terms(), &used, T0, 1, true, T0 + 10).unwrap();
        assert!(!grant.counts_as_use && !grant.first_use);
        assert_eq!(grant.expires_at, Some(T0 + 3600));
    }

    #[test]
    fn unlimited_validity_never_expires() {
        let t = VoucherTerms {
            validity_secs: None,
            max_uses: None,
            ..terms()
        };
        let grant = decide_login(&t, &VoucherUsage::default(), T0, 0, false, i64::MAX - 1);
        assert_eq!(grant.map(|g| g.expires_at), Ok(None));
    }
}
