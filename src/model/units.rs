//! Human units used in the config file and on the command line: durations (`90s`, `1h30m`,
//! `3d`), rates in bits per second (`512k`, `10M`) and byte sizes (`500MB`, `2GiB`).

use thiserror::Error;

/// A value that could not be read as a duration, rate or size.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{value:?} is not a valid {kind}: {hint}")]
pub struct UnitError {
    /// What was being parsed ("duration", "rate", "size").
    pub kind: &'static str,
    /// The offending text.
    pub value: String,
    /// How to write it correctly.
    pub hint: &'static str,
}

const DURATION_HINT: &str = "use a number with s, m, h, d or w, e.g. 30m, 1h30m, 3d";
const RATE_HINT: &str = "use bits per second with an optional k, M or G suffix, e.g. 512k, 10M";
const SIZE_HINT: &str =
    "use bytes with an optional KB, MB, GB (x1000) or KiB, MiB, GiB (x1024) suffix, e.g. 500MB";

fn error(kind: &'static str, value: &str, hint: &'static str) -> UnitError {
    UnitError {
        kind,
        value: value.to_string(),
        hint,
    }
}

/// Parses a duration such as `45s`, `15m`, `1h30m`, `3d` or `2w` into seconds.
pub fn parse_duration(text: &str) -> Result<u64, UnitError> {
    let err = || error("duration", text, DURATION_HINT);
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut saw_unit = false;
    for ch in text.trim().chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(err()),
        };
        let n: u64 = digits.parse().map_err(|_| err())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
        digits.clear();
        saw_unit = true;
    }
    if !digits.is_empty() || !saw_unit || total == 0 {
        return Err(err());
    }
    Ok(total)
}

/// Formats seconds the way [`parse_duration`] reads them (`1h30m`).
pub fn format_duration(mut secs: u64) -> String {
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

fn split_number(text: &str) -> Option<(u64, &str)> {
    let text = text.trim();
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n = text[..end].parse().ok()?;
    Some((n, text[end..].trim()))
}

/// Parses a rate in bits per second: `800`, `512k`, `10M`, `1G` (decimal multipliers, as
/// RouterOS and RADIUS use them).
pub fn parse_rate(text: &str) -> Result<u64, UnitError> {
    let err = || error("rate", text, RATE_HINT);
    let (n, suffix) = split_number(text).ok_or_else(err)?;
    let mult = match suffix {
        "" => 1,
        "k" | "K" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        _ => return Err(err()),
    };
    match n.checked_mul(mult) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(err()),
    }
}

/// Formats bits per second compactly (`10M`, `512k`).
pub fn format_rate(bps: u64) -> String {
    for (suffix, size) in [("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)] {
        if bps >= size && bps % size == 0 {
            return format!("{}{suffix}", bps / size);
        }
    }
    bps.to_string()
}

/// Parses a byte size: `1000`, `500MB`, `2GiB`, `100k` (a bare k/M/G is decimal).
pub fn parse_size(text: &str) -> Result<u64, UnitError> {
    let err = || error("size", text, SIZE_HINT);
    let (n, suffix) = split_number(text).ok_or_else(err)?;
    let mult: u64 = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return Err(err()),
    };
    match n.checked_mul(mult) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(err()),
    }
}

/// Formats a byte count for people (`1.5 MB`).
pub fn format_size(bytes: u64) -> String {
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (name, size) in units {
        if bytes as f64 >= size {
            return format!("{:.1} {name}", bytes as f64 / size);
        }
    }
    format!("{bytes} B")
}

/// Formats a price in cents as `4.50`.
pub fn format_price(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45s"), Ok(45));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("3d"), Ok(259_200));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        for bad in ["", "10", "h", "1x", "-5m", "0s", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(format_duration(5400), "1h30m");
        assert_eq!(format_duration(90_061), "1d1h1m1s");
        assert_eq!(parse_duration(&format_duration(93_784)), Ok(93_784));
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("512k"), Ok(512_000));
        assert_eq!(parse_rate("10M"), Ok(10_000_000));
        assert_eq!(parse_rate("800"), Ok(800));
        assert!(parse_rate("10 mbps").is_err());
        assert!(parse_rate("0").is_err());
        assert_eq!(format_rate(10_000_000), "10M");
        assert_eq!(format_rate(1_500_000), "1500k");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("100k"), Ok(100_000));
        assert_eq!(parse_size("1234"), Ok(1234));
        assert!(parse_size("1.5GB").is_err());
        assert!(parse_size("lots").is_err());
        assert_eq!(format_size(1_500_000), "1.5 MB");
        assert_eq!(format_size(999), "999 B");
    }
}
