//! The login methods a hotspot offers, each switched on or off, with its options.

mod click;
mod codes;
mod email;
mod sms;
mod social;

use serde::{Deserialize, Serialize};

use super::SettingsError;
pub use click::ClickThrough;
pub use codes::CodeGuests;
pub use email::EmailCode;
pub use sms::SmsCode;
pub use social::SocialLogin;

/// A method with no options beyond being offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Switch {
    /// Shown on the splash page.
    pub enabled: bool,
}

impl Default for Switch {
    fn default() -> Self {
        Switch { enabled: true }
    }
}

/// Every login method, in the order the splash shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginMethods {
    /// One tap: accept the terms and go online.
    pub click: ClickThrough,
    /// A code sent by email.
    pub email: EmailCode,
    /// A code sent by SMS.
    pub sms: SmsCode,
    /// A voucher code.
    pub voucher: Switch,
    /// Username and password.
    pub account: Switch,
    /// Sign in with a provider, through the Hotspot Manager.
    pub social: SocialLogin,
}

impl LoginMethods {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        self.click.validate(errors);
        self.email.validate(errors);
        self.sms.validate(errors);
        self.social.validate(errors);
    }
}
