//! Limitations (seed `user-manager-profiles.txt`, `reference/semantics.md` §1.1, §1.3): uptime,
//! download/upload/total transfer and rate limits, active inside a time window, with usage
//! counted per reset period. When several limitations apply, all must hold.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::calendar::{LocalTime, civil_from_days, days_from_civil};

/// When a limitation's usage counters start again from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResetInterval {
    /// Usage accumulates for the profile's whole life.
    Never,
    /// At the start of every local hour.
    Hourly,
    /// At local midnight.
    Daily,
    /// At local midnight between Sunday and Monday.
    Weekly,
    /// At local midnight on the 1st.
    Monthly,
    /// Every N seconds, counted from the Unix epoch (for short test cycles or odd shifts).
    Every(u64),
}

impl ResetInterval {
    /// Reads `never|hourly|daily|weekly|monthly` or a duration such as `4h`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "never" | "disabled" => ResetInterval::Never,
            "hourly" => ResetInterval::Hourly,
            "daily" => ResetInterval::Daily,
            "weekly" => ResetInterval::Weekly,
            "monthly" => ResetInterval::Monthly,
            other => ResetInterval::Every(super::units::parse_duration(other).ok()?),
        })
    }

    /// The stored / printed form.
    pub fn name(self) -> String {
        match self {
            ResetInterval::Never => "never".into(),
            ResetInterval::Hourly => "hourly".into(),
            ResetInterval::Daily => "daily".into(),
            ResetInterval::Weekly => "weekly".into(),
            ResetInterval::Monthly => "monthly".into(),
            ResetInterval::Every(secs) => super::units::format_duration(secs),
        }
    }

    /// Unix time at which the period containing `t` began (0 for `Never`).
    pub fn period_start(self, t: LocalTime) -> i64 {
        let day = t.local_day();
        match self {
            ResetInterval::Never => 0,
            ResetInterval::Hourly => t.unix - i64::from(t.second_of_day() % 3600),
            ResetInterval::Daily => t.unix_of_local_day(day),
            ResetInterval::Weekly => t.unix_of_local_day(day - i64::from(t.weekday())),
            ResetInterval::Monthly => {
                let (y, m, _) = civil_from_days(day);
                t.unix_of_local_day(days_from_civil(y, m, 1))
            }
            ResetInterval::Every(secs) => {
                let secs = i64::try_from(secs.max(1)).unwrap_or(i64::MAX);
                t.unix - t.unix.rem_euclid(secs)
            }
        }
    }
}

/// Days of the week a window applies on: bit 0 = Monday … bit 6 = Sunday.
pub const ALL_DAYS: u8 = 0x7f;

/// A daily time window, `from` inclusive to `till` exclusive, in seconds after local midnight.
/// `from > till` wraps past midnight (22:00–06:00); the weekday is that of the window's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Start, seconds after midnight.
    pub from: u32,
    /// End, seconds after midnight (86,400 = end of day).
    pub till: u32,
    /// Weekday bitmask.
    pub weekdays: u8,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            from: 0,
            till: 86_400,
            weekdays: ALL_DAYS,
        }
    }
}

impl Window {
    /// Is `t` inside the window?
    pub fn contains(&self, t: LocalTime) -> bool {
        let s = t.second_of_day();
        let day_bit = |weekday: u8| self.weekdays & (1 << weekday) != 0;
        if self.from <= self.till {
            day_bit(t.weekday()) && s >= self.from && s < self.till
        } else if s >= self.from {
            day_bit(t.weekday())
        } else {
            // Early morning of a window that started yesterday evening.
            s < self.till && day_bit((t.weekday() + 6) % 7)
        }
    }
}

/// A limitation's numbers; `None` = no limit of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limitation {
    /// Id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Total online time per period, seconds.
    pub uptime_limit: Option<u64>,
    /// Bytes to the guest per period.
    pub download_limit: Option<u64>,
    /// Bytes from the guest per period.
    pub upload_limit: Option<u64>,
    /// Download + upload bytes per period.
    pub transfer_limit: Option<u64>,
    /// Download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
    /// When usage starts again from zero.
    pub reset: ResetInterval,
}

/// A limitation as attached to a profile: only active inside its window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    /// The limitation.
    pub limitation: Limitation,
    /// When it applies.
    pub window: Window,
}

/// Usage counted against one limitation in its current period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Online seconds.
    pub uptime: u64,
    /// Bytes from the guest.
    pub up: u64,
    /// Bytes to the guest.
    pub down: u64,
}

/// What happens when a profile has windowed limitations and none of them is in force now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutsideWindows {
    /// No access outside the windows ("internet 8:00–18:00").
    Deny,
    /// Access without any of these limits (limits for busy hours only).
    Unlimited,
}

impl OutsideWindows {
    /// The stored / printed form.
    pub fn as_str(self) -> &'static str {
        match self {
            OutsideWindows::Deny => "deny",
            OutsideWindows::Unlimited => "unlimited",
        }
    }

    /// Reads the stored form.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "deny" => Some(OutsideWindows::Deny),
            "unlimited" => Some(OutsideWindows::Unlimited),
            _ => None,
        }
    }
}

/// Why the limitations allow no traffic now.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum LimitReached {
    /// Outside every time window of a profile that denies access there.
    #[error("access is not available at this time of day")]
    OutsideWindow,
    /// The uptime limit is used.
    #[error("your online time is used up")]
    Uptime,
    /// A download, upload or transfer limit is used.
    #[error("your data allowance is used up")]
    Transfer,
}

/// The limits in force now: the tightest of every applicable limitation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effective {
    /// Download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
    /// Online seconds left.
    pub uptime_left: Option<u64>,
    /// Bytes to the guest left.
    pub down_left: Option<u64>,
    /// Bytes from the guest left.
    pub up_left: Option<u64>,
    /// Download + upload bytes left.
    pub total_left: Option<u64>,
}

fn tighter(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn left(limit: Option<u64>, used: u64) -> Option<u64> {
    limit.map(|l| l.saturating_sub(used))
}

impl Effective {
    /// The first exhausted limit, if any.
    pub fn reached(&self) -> Option<LimitReached> {
        if self.uptime_left == Some(0) {
            return Some(LimitReached::Uptime);
        }
        if [self.down_left, self.up_left, self.total_left].contains(&Some(0)) {
            return Some(LimitReached::Transfer);
        }
        None
    }
}

/// Combines the profile's limitations at `now`. `usage` gives each limitation's usage in its
/// current period. Only limitations whose window contains `now` apply.
pub fn effective(
    attached: &[Attached],
    outside: OutsideWindows,
    usage: impl Fn(&Limitation) -> Usage,
    now: LocalTime,
) -> Result<Effective, LimitReached> {
    let applicable: Vec<&Attached> = attached.iter().filter(|a| a.window.contains(now)).collect();
    if applicable.is_empty() && !attached.is_empty() && outside == OutsideWindows::Deny {
        return Err(LimitReached::OutsideWindow);
    }
    let mut eff = Effective::default();
    for a in applicable {
        let l = &a.limitation;
        let u = usage(l);
        eff.rate_down_bps = tighter(eff.rate_down_bps, l.rate_down_bps);
        eff.rate_up_bps = tighter(eff.rate_up_bps, l.rate_up_bps);
        eff.uptime_left = tighter(eff.uptime_left, left(l.uptime_limit, u.uptime));
        eff.down_left = tighter(eff.down_left, left(l.download_limit, u.down));
        eff.up_left = tighter(eff.up_left, left(l.upload_limit, u.up));
        eff.total_left = tighter(eff.total_left, left(l.transfer_limit, u.up + u.down));
    }
    match eff.reached() {
        Some(reason) => Err(reason),
        None => Ok(eff),
    }
}

#[cfg(test)]
mod tests;
