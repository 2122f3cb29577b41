//! Option values of the profile and limitation commands.

use crate::model::limitation::ALL_DAYS;
use crate::model::profile::Starts;
#[cfg(test)]
use crate::model::units::format_price;
use crate::model::units::{parse_duration, parse_rate, parse_size};

use super::error::{CliError, usage};

/// `HH:MM` or `HH:MM:SS` (up to `24:00`) → seconds after midnight.
pub fn time_of_day(option: &'static str, text: &str) -> Result<u32, CliError> {
    let bad = || {
        usage(
            option,
            format!("{text:?} is not a time like 08:30 or 18:00:00"),
        )
    };
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let nums: Vec<u32> = parts
        .iter()
        .map(|p| p.parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let (h, m, s) = (nums[0], nums[1], nums.get(2).copied().unwrap_or(0));
    let secs = h * 3600 + m * 60 + s;
    if m >= 60 || s >= 60 || secs > 86_400 {
        return Err(bad());
    }
    Ok(secs)
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `all`, or `mon-fri,sun` → weekday bitmask (bit 0 = Monday).
pub fn weekdays(text: &str) -> Result<u8, CliError> {
    if text == "all" {
        return Ok(ALL_DAYS);
    }
    let day = |d: &str| {
        DAYS.iter()
            .position(|x| *x == d.trim().to_ascii_lowercase())
            .ok_or_else(|| usage("days", format!("{d:?} is not a day (mon … sun)")))
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
pub fn price_cents(text: &str) -> Result<u64, CliError> {
    let bad = || usage("price", format!("{text:?} is not a price like 4.50"));
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 2 || whole.is_empty() {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac))
        .ok_or_else(bad)
}

/// `--validity`: a duration, or `unlimited`.
pub fn validity(text: &str) -> Result<Option<u64>, CliError> {
    match text {
        "unlimited" => Ok(None),
        text => parse_duration(text)
            .map(Some)
            .map_err(|e| usage("validity", e)),
    }
}

/// `--starts`: `first-logon` or `now`.
pub fn starts(text: &str) -> Result<Starts, CliError> {
    Starts::from_name(text)
        .ok_or_else(|| usage("starts", format!("{text:?} is not first-logon or now")))
}

/// An optional duration option.
pub fn opt_duration(option: &'static str, v: &Option<String>) -> Result<Option<u64>, CliError> {
    v.as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|e| usage(option, e))
}

/// An optional size option.
pub fn opt_size(option: &'static str, v: &Option<String>) -> Result<Option<u64>, CliError> {
    v.as_deref()
        .map(parse_size)
        .transpose()
        .map_err(|e| usage(option, e))
}

/// An optional rate option.
pub fn opt_rate(option: &'static str, v: &Option<String>) -> Result<Option<u64>, CliError> {
    v.as_deref()
        .map(parse_rate)
        .transpose()
        .map_err(|e| usage(option, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_days_prices() {
        assert_eq!(time_of_day("from", "08:30").unwrap(), 30_600);
        assert_eq!(time_of_day("till", "24:00").unwrap(), 86_400);
        assert_eq!(time_of_day("from", "23:59:59").unwrap(), 86_399);
        for bad in ["8", "25:00", "12:60", "24:01", "aa:bb"] {
            assert!(time_of_day("from", bad).is_err(), "{bad}");
        }
        assert_eq!(weekdays("all").unwrap(), 0x7f);
        assert_eq!(weekdays("mon-fri").unwrap(), 0b001_1111);
        assert_eq!(weekdays("sat,sun").unwrap(), 0b110_0000);
        assert_eq!(weekdays("fri-mon").unwrap(), 0b111_0001);
        assert!(weekdays("someday").is_err());
        assert_eq!(price_cents("4.50").unwrap(), 450);
        assert_eq!(price_cents("4.5").unwrap(), 450);
        assert_eq!(price_cents("12").unwrap(), 1200);
        assert!(
            price_cents("4.505").is_err()
                && price_cents("-1").is_err()
                && price_cents(".5").is_err()
        );
        assert_eq!(format_price(450), "4.50");
    }
}
