//! Profiles, limitations and time windows as people write them (the CLI's options, the
//! manager's forms and JSON) and the one reading of them with its rules (their description in
//! words: `words`). Every caller goes through here, so a profile the manager accepts is one
//! the gateway accepts.

use serde::Deserialize;
use thiserror::Error;

use crate::model::entities::{NewProfile, Profile};
use crate::model::limitation::{ALL_DAYS, Limitation, OutsideWindows, ResetInterval, Window};
use crate::model::profile::{ProfileClock, Starts};
use crate::model::units::{
    format_duration, format_price, format_rate, parse_duration, parse_rate, parse_size,
};

/// A value that breaks a rule: the field (as the form and JSON name it) and what to write.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {problem}")]
pub struct SpecError {
    /// The field.
    pub field: &'static str,
    /// What is wrong and how to write it.
    pub problem: String,
}

fn bad(field: &'static str, problem: impl ToString) -> SpecError {
    SpecError {
        field,
        problem: problem.to_string(),
    }
}

/// Longest profile or limitation name (the settings document's limit for a profile it names).
pub const MAX_NAME: usize = 64;

/// A name: 1–64 characters, no surrounding spaces, no control characters.
pub fn name(field: &'static str, text: &str) -> Result<String, SpecError> {
    if text.trim().is_empty() {
        return Err(bad(field, "is empty; give it a name"));
    }
    if text.trim() != text {
        return Err(bad(field, "has spaces around it; remove them"));
    }
    if text.chars().count() > MAX_NAME || text.chars().any(char::is_control) {
        return Err(bad(
            field,
            format!("must be at most {MAX_NAME} characters, without control characters"),
        ));
    }
    Ok(text.to_string())
}

/// `HH:MM` or `HH:MM:SS` (up to `24:00`) → seconds after midnight.
pub fn time_of_day(field: &'static str, text: &str) -> Result<u32, SpecError> {
    let wrong = || {
        bad(
            field,
            format!("{text:?} is not a time like 08:30 or 18:00:00"),
        )
    };
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(wrong());
    }
    let nums: Vec<u32> = parts
        .iter()
        .map(|p| p.parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| wrong())?;
    let (h, m, s) = (nums[0], nums[1], nums.get(2).copied().unwrap_or(0));
    if h > 24 || m >= 60 || s >= 60 || h * 3600 + m * 60 + s > 86_400 {
        return Err(wrong());
    }
    Ok(h * 3600 + m * 60 + s)
}

/// Weekday names, Monday first (bit 0 of a window's mask).
pub(super) const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `all`, or `mon-fri,sun` → weekday bitmask (bit 0 = Monday).
pub fn weekdays(text: &str) -> Result<u8, SpecError> {
    if text.trim() == "all" {
        return Ok(ALL_DAYS);
    }
    let day = |d: &str| {
        DAYS.iter()
            .position(|x| *x == d.trim().to_ascii_lowercase())
            .ok_or_else(|| bad("days", format!("{d:?} is not a day (mon … sun, or all)")))
    };
    let mut mask = 0u8;
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let mut d = a;
                loop {
                    mask |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => mask |= 1 << day(part)?,
        }
    }
    Ok(mask)
}

/// `4.50` or `4` → cents.
pub fn price_cents(text: &str) -> Result<u64, SpecError> {
    let wrong = || bad("price", format!("{text:?} is not a price like 4.50"));
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 2 || whole.is_empty() {
        return Err(wrong());
    }
    let whole: u64 = whole.parse().map_err(|_| wrong())?;
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| wrong())?
    };
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac))
        .ok_or_else(wrong)
}

/// A validity: a duration, or `unlimited`.
pub fn validity(text: &str) -> Result<Option<u64>, SpecError> {
    match text.trim() {
        "unlimited" => Ok(None),
        t => parse_duration(t)
            .map(Some)
            .map_err(|e| bad("validity", format!("{e}; or write unlimited"))),
    }
}

/// `first-logon` or `now`.
pub fn starts(text: &str) -> Result<Starts, SpecError> {
    Starts::from_name(text.trim())
        .ok_or_else(|| bad("starts", format!("{text:?} is not first-logon or now")))
}

/// An optional value: empty is none, otherwise `parse` must read it.
pub fn optional<E: std::fmt::Display>(
    field: &'static str,
    text: &str,
    parse: fn(&str) -> Result<u64, E>,
) -> Result<Option<u64>, SpecError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    parse(t)
        .map(Some)
        .map_err(|e| bad(field, format!("{e}; or leave it empty")))
}

/// A text field JSON may also give as a whole number.
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Number(u64),
    }
    Ok(match Given::deserialize(d)? {
        Given::Text(t) => t,
        Given::Number(n) => n.to_string(),
    })
}

fn unlimited() -> String {
    "unlimited".into()
}
fn first_logon() -> String {
    "first-logon".into()
}
fn one() -> String {
    "1".into()
}
fn deny() -> String {
    "deny".into()
}
fn never() -> String {
    "never".into()
}
fn midnight() -> String {
    "00:00".into()
}
fn end_of_day() -> String {
    "24:00".into()
}
fn all() -> String {
    "all".into()
}

/// A profile as written; empty optional fields take their defaults.
#[derive(Debug, Clone, Deserialize)]
pub struct ProfileSpec {
    /// Unique name (methods and voucher batches name it).
    pub name: String,
    /// Shown to guests and printed on vouchers; empty: the name.
    #[serde(default)]
    pub name_for_users: String,
    /// A duration (1h, 3d) or `unlimited`.
    #[serde(default = "unlimited")]
    pub validity: String,
    /// `first-logon` or `now`.
    #[serde(default = "first_logon")]
    pub starts: String,
    /// A price like 4.50; empty: free.
    #[serde(default)]
    pub price: String,
    /// Devices online at once per user (≥ 1); JSON may give it as a number.
    #[serde(default = "one", deserialize_with = "text_or_number")]
    pub shared_users: String,
    /// `deny` or `unlimited` outside every window of its limitations.
    #[serde(default = "deny")]
    pub outside_windows: String,
}

impl ProfileSpec {
    /// The profile, owned by `owner`, or the first rule it breaks.
    pub fn checked(&self, owner: &str) -> Result<NewProfile, SpecError> {
        let name = name("name", &self.name)?;
        let for_users = self.name_for_users.trim();
        let name_for_users = if for_users.is_empty() {
            name.clone()
        } else {
            self::name("name_for_users", for_users)?
        };
        let shared_users = match self.shared_users.trim().parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(bad(
                    "shared_users",
                    "must be a number of devices, at least 1",
                ));
            }
        };
        let outside_windows = OutsideWindows::from_name(self.outside_windows.trim())
            .ok_or_else(|| bad("outside_windows", "must be deny or unlimited"))?;
        let price = self.price.trim();
        Ok(NewProfile {
            name,
            name_for_users,
            owner: owner.to_string(),
            clock: ProfileClock {
                validity_secs: validity(&self.validity)?,
                starts: starts(&self.starts)?,
            },
            price_cents: (!price.is_empty())
                .then(|| price_cents(price))
                .transpose()?,
            shared_users,
            outside_windows,
        })
    }
}

/// A limitation as written: every limit optional (empty: none).
#[derive(Debug, Clone, Deserialize)]
pub struct LimitationSpec {
    /// Unique name.
    pub name: String,
    /// Online time per period, e.g. 2h.
    #[serde(default)]
    pub uptime: String,
    /// Bytes to the guest per period, e.g. 1GB.
    #[serde(default)]
    pub download: String,
    /// Bytes from the guest per period.
    #[serde(default)]
    pub upload: String,
    /// Download + upload per period.
    #[serde(default)]
    pub transfer: String,
    /// Download rate, bits/s, e.g. 10M.
    #[serde(default)]
    pub down: String,
    /// Upload rate, bits/s.
    #[serde(default)]
    pub up: String,
    /// never, hourly, daily, weekly, monthly, or a duration like 4h.
    #[serde(default = "never")]
    pub reset: String,
}

impl LimitationSpec {
    /// The limitation (id 0), or the first rule it breaks.
    pub fn checked(&self) -> Result<Limitation, SpecError> {
        Ok(Limitation {
            id: 0,
            name: name("name", &self.name)?,
            uptime_limit: optional("uptime", &self.uptime, parse_duration)?,
            download_limit: optional("download", &self.download, parse_size)?,
            upload_limit: optional("upload", &self.upload, parse_size)?,
            transfer_limit: optional("transfer", &self.transfer, parse_size)?,
            rate_down_bps: optional("down", &self.down, parse_rate)?,
            rate_up_bps: optional("up", &self.up, parse_rate)?,
            reset: ResetInterval::parse(self.reset.trim()).ok_or_else(|| {
                bad(
                    "reset",
                    "use never, hourly, daily, weekly, monthly or a duration like 4h",
                )
            })?,
        })
    }
}

/// When an attached limitation applies, as written.
#[derive(Debug, Clone, Deserialize)]
pub struct WindowSpec {
    /// Start, local HH:MM[:SS].
    #[serde(default = "midnight")]
    pub from: String,
    /// End, HH:MM[:SS] (24:00 = end of day; before `from` wraps past midnight).
    #[serde(default = "end_of_day")]
    pub till: String,
    /// `all`, or days and ranges like mon-fri,sun.
    #[serde(default = "all")]
    pub days: String,
}

impl WindowSpec {
    /// The window, or the first rule it breaks.
    pub fn checked(&self) -> Result<Window, SpecError> {
        let window = Window {
            from: time_of_day("from", &self.from)?,
            till: time_of_day("till", &self.till)?,
            weekdays: weekdays(&self.days)?,
        };
        if window.from == window.till {
            return Err(bad(
                "till",
                "the window is empty (from = till); change one of them",
            ));
        }
        Ok(window)
    }
}

impl Default for ProfileSpec {
    fn default() -> Self {
        ProfileSpec {
            name: String::new(),
            name_for_users: String::new(),
            validity: unlimited(),
            starts: first_logon(),
            price: String::new(),
            shared_users: one(),
            outside_windows: deny(),
        }
    }
}

impl ProfileSpec {
    /// A stored profile written back as a form shows it (reads back to the same profile).
    pub fn of(p: &Profile) -> ProfileSpec {
        ProfileSpec {
            name: p.name.clone(),
            name_for_users: p.name_for_users.clone(),
            validity: p
                .clock
                .validity_secs
                .map_or_else(unlimited, format_duration),
            starts: p.clock.starts.as_str().into(),
            price: p.price_cents.map(format_price).unwrap_or_default(),
            shared_users: p.shared_users.to_string(),
            outside_windows: p.outside_windows.as_str().into(),
        }
    }
}

impl Default for LimitationSpec {
    fn default() -> Self {
        LimitationSpec {
            name: String::new(),
            uptime: String::new(),
            download: String::new(),
            upload: String::new(),
            transfer: String::new(),
            down: String::new(),
            up: String::new(),
            reset: never(),
        }
    }
}

impl LimitationSpec {
    /// A stored limitation written back exactly (sizes as `500MB`, rates as `10M`).
    pub fn of(l: &Limitation) -> LimitationSpec {
        let text = |v: Option<u64>, f: fn(u64) -> String| v.map(f).unwrap_or_default();
        let size = |b: u64| format!("{}B", format_rate(b));
        LimitationSpec {
            name: l.name.clone(),
            uptime: text(l.uptime_limit, format_duration),
            download: text(l.download_limit, size),
            upload: text(l.upload_limit, size),
            transfer: text(l.transfer_limit, size),
            down: text(l.rate_down_bps, format_rate),
            up: text(l.rate_up_bps, format_rate),
            reset: l.reset.name(),
        }
    }
}

#[cfg(test)]
mod tests;
