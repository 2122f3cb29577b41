//! Profiles, limitations and windows in words, as the CLI's tables, the manager's pages and
//! printed vouchers show them.

use super::spec::DAYS;
use super::{ProfileClock, Starts};
use crate::model::limitation::{Attached, Limitation, Window};
use crate::model::units::{format_duration, format_price, format_rate, format_size};

fn or_dash(v: Option<u64>, f: fn(u64) -> String) -> String {
    v.map_or("-".to_string(), f)
}

/// A limitation in words: "uptime 2h, download 1.0 GB, rate 10M/2M, reset daily".
pub fn describe_limitation(l: &Limitation) -> String {
    let mut parts = Vec::new();
    if let Some(v) = l.uptime_limit {
        parts.push(format!("uptime {}", format_duration(v)));
    }
    for (what, v) in [
        ("download", l.download_limit),
        ("upload", l.upload_limit),
        ("transfer", l.transfer_limit),
    ] {
        if let Some(v) = v {
            parts.push(format!("{what} {}", format_size(v)));
        }
    }
    if l.rate_down_bps.is_some() || l.rate_up_bps.is_some() {
        parts.push(format!(
            "rate {}/{}",
            or_dash(l.rate_down_bps, format_rate),
            or_dash(l.rate_up_bps, format_rate)
        ));
    }
    parts.push(format!("reset {}", l.reset.name()));
    parts.join(", ")
}

/// `HH:MM` of seconds after midnight.
fn clock_time(secs: u32) -> String {
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

fn day_names(mask: u8) -> String {
    let days: Vec<&str> = (DAYS.iter().enumerate())
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, d)| *d)
        .collect();
    days.join(",")
}

/// A window in words: "always", or "08:00–18:00 mon,tue,wed,thu,fri".
pub fn describe_window(w: &Window) -> String {
    if *w == Window::default() {
        return "always".into();
    }
    format!(
        "{}–{} {}",
        clock_time(w.from),
        clock_time(w.till),
        day_names(w.weekdays)
    )
}

/// An attached limitation in words: its name, limits and window.
pub fn describe_attached(a: &Attached) -> String {
    format!(
        "{} ({}) {}",
        a.limitation.name,
        describe_limitation(&a.limitation),
        describe_window(&a.window)
    )
}

/// A profile's terms in words, as vouchers print them: "1d from first logon, 1 device(s),
/// 4.50; uptime 2h, reset daily (08:00–18:00 mon,…)".
pub fn describe_terms(
    clock: ProfileClock,
    shared_users: u32,
    price_cents: Option<u64>,
    limitations: &[Attached],
) -> String {
    let validity = clock
        .validity_secs
        .map_or("unlimited time".to_string(), |s| {
            let from = match clock.starts {
                Starts::Now => "creation",
                Starts::FirstLogon => "first logon",
            };
            format!("{} from {from}", format_duration(s))
        });
    let mut out = format!("{validity}, {shared_users} device(s)");
    if let Some(p) = price_cents {
        out += &format!(", price {}", format_price(p));
    }
    for a in limitations {
        out += &format!(
            "; {} ({})",
            describe_limitation(&a.limitation),
            describe_window(&a.window)
        );
    }
    out
}
