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
    /// Too many devices are online with it, some at the hotspot's other units (which this
    /// unit cannot log off).
    #[error(
        "this voucher or account is already in use on {0} device(s), the most it allows, \
         some of them at another access point of this hotspot; log off there first"
    )]
    InUseElsewhere(u32),
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

/// The user's devices online when a device logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Online {
    /// At this unit (this one can log them off).
    pub here: u32,
    /// At the hotspot's other units, as the manager last told (0 while it is unreachable).
    pub elsewhere: u32,
    /// The device logging in is one of those here.
    pub this_device: bool,
}

/// Device-level check against the profile's shared users, counted hotspot-wide. Returns
/// whether the oldest session here must be ended to make room. `EndOldest` can only end a
/// session here: when the devices at other units alone fill the profile, the login is
/// refused as `RefuseNew` would (ending one here would not bring the count under the limit).
pub fn admit_device(
    shared_users: u32,
    online: Online,
    policy: SharedUsersPolicy,
) -> Result<bool, LoginRefusal> {
    let total = online.here.saturating_add(online.elsewhere);
    if online.this_device || total < shared_users {
        return Ok(false);
    }
    let full = match online.elsewhere {
        0 => LoginRefusal::TooManyDevices(shared_users),
        _ => LoginRefusal::InUseElsewhere(shared_users),
    };
    match policy {
        SharedUsersPolicy::RefuseNew => Err(full),
        SharedUsersPolicy::EndOldest if online.here > 0 && online.elsewhere < shared_users => {
            Ok(true)
        }
        SharedUsersPolicy::EndOldest => Err(full),
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

    fn online(here: u32, elsewhere: u32, this_device: bool) -> Online {
        Online {
            here,
            elsewhere,
            this_device,
        }
    }

    #[test]
    fn device_checks_follow_the_policy() {
        use SharedUsersPolicy::*;
        assert_eq!(admit_device(2, online(1, 0, false), RefuseNew), Ok(false));
        assert_eq!(
            admit_device(2, online(2, 0, false), RefuseNew),
            Err(LoginRefusal::TooManyDevices(2))
        );
        assert_eq!(admit_device(2, online(2, 0, true), RefuseNew), Ok(false));
        assert_eq!(admit_device(2, online(2, 0, false), EndOldest), Ok(true));
        assert_eq!(admit_device(1, online(0, 0, false), EndOldest), Ok(false));
    }

    #[test]
    fn devices_at_other_units_count_but_cannot_be_ended_from_here() {
        use SharedUsersPolicy::*;
        assert_eq!(
            admit_device(1, online(0, 1, false), RefuseNew),
            Err(LoginRefusal::InUseElsewhere(1))
        );
        assert_eq!(admit_device(2, online(0, 1, false), RefuseNew), Ok(false));
        assert_eq!(
            admit_device(2, online(1, 1, false), RefuseNew),
            Err(LoginRefusal::InUseElsewhere(2))
        );
        // One here and one elsewhere of two: ending the one here makes room.
        assert_eq!(admit_device(2, online(1, 1, false), EndOldest), Ok(true));
        // Every seat taken elsewhere: nothing here to end.
        assert_eq!(
            admit_device(1, online(0, 1, false), EndOldest),
            Err(LoginRefusal::InUseElsewhere(1))
        );
        assert_eq!(
            admit_device(2, online(1, 2, false), EndOldest),
            Err(LoginRefusal::InUseElsewhere(2))
        );
        assert_eq!(admit_device(1, online(1, 3, true), RefuseNew), Ok(false));
    }
}
