//! One-time codes sent by email or SMS (NIST SP 800-63B-4 §3.1.3, reference/login-methods.md
//! §7.2): 6 digits from the OS's CSPRNG, kept only as keyed hashes, valid 10 minutes, used
//! once, dead after 5 wrong tries; a resend replaces the code but keeps the count. Send
//! limits per device, per address or number and gateway-wide, and a monthly SMS budget.

use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use thiserror::Error;

use super::consent::ConsentChoice;
use super::guest::Method;
use super::settings::Lang;

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;
/// How long a code is valid, seconds.
pub const CODE_VALIDITY_SECS: i64 = 600;
/// Wrong tries that kill a code (also across resends).
pub const MAX_TRIES: u32 = 5;
/// Bytes of randomness in an email link token (256 bits, hex in the link).
const LINK_TOKEN_BYTES: usize = 32;

/// The OS could not give randomness.
#[derive(Debug, Error)]
#[error("no randomness from the operating system: {0}")]
pub struct RandomError(String);

/// A fresh code: six decimal digits, uniform (bytes ≥ 250 are drawn again, so no digit is
/// more likely than another).
pub fn new_code() -> Result<String, RandomError> {
    let mut code = String::with_capacity(CODE_DIGITS);
    let mut bytes = [0u8; 2 * CODE_DIGITS];
    while code.len() < CODE_DIGITS {
        OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| RandomError(e.to_string()))?;
        for &b in bytes.iter().filter(|&&b| b < 250) {
            if code.len() < CODE_DIGITS {
                code.push(char::from(b'0' + b % 10));
            }
        }
    }
    Ok(code)
}

/// A fresh link token: 256 random bits, hex.
pub fn new_link_token() -> Result<String, RandomError> {
    let mut bytes = [0u8; LINK_TOKEN_BYTES];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| RandomError(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// The typed text as a code: digits only, spaces and dashes ignored; `None` if it cannot be
/// one (not counted as a wrong try: a typo, not a guess).
pub fn normalize_code(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The stored form of a code: HMAC with the gateway's key over the pending login's target and
/// the code, so a copy of the database does not reveal codes (a million candidates are
/// nothing to try without the key) and one target's code is no other's.
pub fn code_hash(key: &[u8], target: &str, code: &str) -> Vec<u8> {
    keyed(key, &["otp-code", target, code])
}

/// The stored form of a link token.
pub fn token_hash(key: &[u8], token: &str) -> Vec<u8> {
    keyed(key, &["otp-link", token])
}

/// Whether `code` is the one whose [`code_hash`] is `stored`, compared in constant time: how
/// long a wrong guess takes must not tell how many leading bytes of its hash were right.
pub fn code_matches(key: &[u8], target: &str, code: &str, stored: &[u8]) -> bool {
    keyed_mac(key, &["otp-code", target, code])
        .verify_slice(stored)
        .is_ok()
}

fn keyed(key: &[u8], parts: &[&str]) -> Vec<u8> {
    keyed_mac(key, parts).finalize().into_bytes().to_vec()
}

fn keyed_mac(key: &[u8], parts: &[&str]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key size");
    for part in parts {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    mac
}

/// How a code travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// By email, with a link.
    Email,
    /// By SMS.
    Sms,
}

impl Channel {
    /// The guest method a verified code is recorded under.
    pub fn method(self) -> Method {
        match self {
            Channel::Email => Method::Email,
            Channel::Sms => Method::Sms,
        }
    }

    /// Its name in the store and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// A code waiting to be typed, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCode {
    /// Row id.
    pub id: i64,
    /// Email or SMS.
    pub channel: Channel,
    /// The address or E.164 number.
    pub target: String,
    /// The device that asked.
    pub mac: String,
    /// Keyed hash of the current code.
    pub code_hash: Vec<u8>,
    /// Wrong tries so far (kept across resends).
    pub tries: u32,
    /// Codes sent for this login (the first and each resend).
    pub sends: u32,
    /// When it was asked for.
    pub created_at: i64,
    /// When the latest code was sent.
    pub sent_at: i64,
    /// When the latest code stops working.
    pub expires_at: i64,
    /// When it was used (then it never works again).
    pub used_at: Option<i64>,
    /// The choices made on the form that asked for it, recorded with the guest once the code
    /// proves the address or number.
    pub consents: Vec<ConsentChoice>,
    /// The language the guest saw.
    pub lang: Lang,
}

/// What a typed code does to a pending login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Right code, in time: the guest is verified.
    Accepted,
    /// Wrong code; this many tries are left.
    Wrong {
        /// Tries left before the code dies.
        left: u32,
    },
    /// Too many wrong tries: a new code is needed.
    Dead,
    /// Ten minutes passed: a new code is needed.
    Expired,
    /// Already used.
    Used,
}

impl PendingCode {
    /// Whether a code can still be typed for it (not used, not dead, not expired).
    pub fn is_live(&self, now: i64) -> bool {
        self.used_at.is_none() && self.tries < MAX_TRIES && now < self.expires_at
    }

    /// The verdict on a typed code whose hash `matches` (or not). A wrong code is counted by
    /// the caller (`tries + 1`); the last allowed wrong try kills the code.
    pub fn verdict(&self, matches: bool, now: i64) -> Verdict {
        if self.used_at.is_some() {
            Verdict::Used
        } else if self.tries >= MAX_TRIES {
            Verdict::Dead
        } else if now >= self.expires_at {
            Verdict::Expired
        } else if matches {
            Verdict::Accepted
        } else if self.tries + 1 >= MAX_TRIES {
            Verdict::Dead
        } else {
            Verdict::Wrong {
                left: MAX_TRIES - self.tries - 1,
            }
        }
    }

    /// Seconds until a resend is allowed (0: now).
    pub fn resend_wait(&self, cooldown_secs: u32, now: i64) -> i64 {
        (self.sent_at + i64::from(cooldown_secs) - now).max(0)
    }
}

/// Send limits (0 means no limit of that kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendLimits {
    /// Seconds between a code and its resend.
    pub resend_cooldown_secs: u32,
    /// Codes one device may ask for per hour.
    pub per_device_hour: u32,
    /// … per day.
    pub per_device_day: u32,
    /// Codes one address or number may receive per hour.
    pub per_target_hour: u32,
    /// … per day.
    pub per_target_day: u32,
    /// Codes the whole hotspot may send per hour by this method (against SMS pumping with
    /// rotating MACs and numbers).
    pub hotspot_hour: u32,
}

impl Default for SendLimits {
    fn default() -> Self {
        SendLimits {
            resend_cooldown_secs: 45,
            per_device_hour: 5,
            per_device_day: 10,
            per_target_hour: 3,
            per_target_day: 5,
            hotspot_hour: 100,
        }
    }
}

/// Codes sent in the windows the limits look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendCounts {
    /// By this device in the last hour.
    pub device_hour: u32,
    /// By this device in the last day.
    pub device_day: u32,
    /// To this target in the last hour.
    pub target_hour: u32,
    /// To this target in the last day.
    pub target_day: u32,
    /// By the hotspot (this method) in the last hour.
    pub hotspot_hour: u32,
}

/// Which limit refused a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum LimitHit {
    /// This device asked for too many codes.
    #[error("device")]
    Device,
    /// This address or number received too many codes.
    #[error("target")]
    Target,
    /// The hotspot sent too many codes this hour.
    #[error("hotspot")]
    Hotspot,
}

impl SendLimits {
    /// Whether one more code may be sent, given what was sent.
    pub fn allow(&self, c: SendCounts) -> Result<(), LimitHit> {
        let over = |limit: u32, count: u32| limit > 0 && count >= limit;
        if over(self.hotspot_hour, c.hotspot_hour) {
            Err(LimitHit::Hotspot)
        } else if over(self.per_device_hour, c.device_hour)
            || over(self.per_device_day, c.device_day)
        {
            Err(LimitHit::Device)
        } else if over(self.per_target_hour, c.target_hour)
            || over(self.per_target_day, c.target_day)
        {
            Err(LimitHit::Target)
        } else {
            Ok(())
        }
    }
}

/// A hotspot's monthly SMS budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsBudget {
    /// SMS per calendar month (UTC); 0 means no budget.
    pub monthly: u32,
    /// Percent of the budget at which a warning is logged (once a month).
    pub warn_percent: u8,
}

impl Default for SmsBudget {
    fn default() -> Self {
        SmsBudget {
            monthly: 1000,
            warn_percent: 80,
        }
    }
}

impl SmsBudget {
    /// Whether one more SMS fits in the month.
    pub fn allows(&self, sent_this_month: u32) -> bool {
        self.monthly == 0 || sent_this_month < self.monthly
    }

    /// Whether the SMS that brought the month's count from `before` to `before + 1` crossed
    /// the warning threshold (true exactly once a month).
    pub fn crosses_warning(&self, before: u32) -> bool {
        if self.monthly == 0 {
            return false;
        }
        let threshold = u64::from(self.monthly) * u64::from(self.warn_percent);
        u64::from(before) * 100 < threshold && u64::from(before + 1) * 100 >= threshold
    }
}

/// The calendar month (UTC) of a unix time, as `YYYY-MM`: the SMS budget's period.
pub fn month_of(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    // Civil-from-days (Howard Hinnant), for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}")
}

#[cfg(test)]
#[path = "otp/tests.rs"]
mod tests;
