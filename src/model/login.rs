//! Who may log in: the user-level and device-level checks around profile activation.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::limitation::LimitReached;

/// Why a login is refused; the message is shown to the guest.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum LoginRefusal {
    /// The operator disabled the user (a revoked voucher).
    #[error("this voucher or account has been withdrawn")]
    Disabled,
    /// No profile is left (validity ended).
    #[error("this voucher or account has expired")]
    Expired,
    /// All allowed logins are used.
    #[error("this voucher has already been used")]
    UsedUp,
    /// Too many devices are online with it.
    #[error("this voucher or account is already in use on {0} device(s), the most it allows")]
    TooManyDevices(u32),
    /// A limitation allows no traffic now.
    #[error("{0}")]
    Limit(#[from] LimitReached),
}

/// What to do when a user already has as many devices online as the profile allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SharedUsersPolicy {
    /// Refuse the new login (the guest is told why).
    #[default]
    RefuseNew,
    /// Log the oldest session off and let the new device in (what User Manager does).
    EndOldest,
}

/// User-level checks. Returns whether the login counts against `max_logins` (a device that is
/// already online logging in again does not).
pub fn admit_user(
    disabled: bool,
    max_logins: Option<u32>,
    logins: u32,
    device_online: bool,
) -> Result<bool, LoginRefusal> {
    if disabled {
        return Err(LoginRefusal::Disabled);
    }
    if device_online {
        return Ok(false);
    }
    if max_logins.is_some_and(|max| logins >= max) {
        return Err(LoginRefusal::UsedUp);
    }
    Ok(true)
}

/// Device-level check against the profile's shared users. Returns whether the oldest session
/// must be ended to make room.
pub fn admit_device(
    shared_users: u32,
    online_devices: u32,
    device_online: bool,
    policy: SharedUsersPolicy,
) -> Result<bool, LoginRefusal> {
    if device_online || online_devices < shared_users {
        return Ok(false);
    }
    match policy {
        SharedUsersPolicy::RefuseNew => Err(LoginRefusal::TooManyDevices(shared_users)),
        SharedUsersPolicy::EndOldest => Ok(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_checks() {
        assert_eq!(
            admit_user(true, None, 0, false),
            Err(LoginRefusal::Disabled)
        );
        assert_eq!(admit_user(true, None, 0, true), Err(LoginRefusal::Disabled));
        assert_eq!(
            admit_user(false, Some(1), 1, false),
            Err(LoginRefusal::UsedUp)
        );
        assert_eq!(
            admit_user(false, Some(1), 1, true),
            Ok(false),
            "re-login of an online device"
        );
        assert_eq!(admit_user(false, Some(2), 1, false), Ok(true));
        assert_eq!(admit_user(false, None, 1000, false), Ok(true));
    }

    #[test]
    fn device_checks_follow_the_policy() {
        use SharedUsersPolicy::*;
        assert_eq!(admit_device(2, 1, false, RefuseNew), Ok(false));
        assert_eq!(
            admit_device(2, 2, false, RefuseNew),
            Err(LoginRefusal::TooManyDevices(2))
        );
        assert_eq!(admit_device(2, 2, true, RefuseNew), Ok(false));
        assert_eq!(admit_device(2, 2, false, EndOldest), Ok(true));
        assert_eq!(admit_device(1, 0, false, EndOldest), Ok(false));
    }
}
