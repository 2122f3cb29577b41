//! Days in a hotspot's time zone: "today" on the dashboard and the date range of the lists
//! are the hotspot's own calendar days, not the server's. Zones come from the host's tz
//! database (`/usr/share/zoneinfo`, package tzdata); a zone the host does not know counts
//! as UTC (logged), since the hotspot form checks only the name's shape.

use chrono::NaiveDate;
use tz::TimeZone;

const DAY: i64 = 86_400;

/// The zone named `name`, or UTC when the host has no such zone.
pub fn zone(name: &str) -> TimeZone {
    TimeZone::from_posix_tz(name).unwrap_or_else(|e| {
        tracing::warn!(zone = name, error = %e, "unknown time zone; counting days in UTC");
        TimeZone::utc()
    })
}

/// Seconds the zone is ahead of UTC at `unix`.
pub(super) fn offset(z: &TimeZone, unix: i64) -> i64 {
    z.find_local_time_type(unix)
        .map_or(0, |t| i64::from(t.ut_offset()))
}

/// The instant local midnight begins the day whose local seconds since the epoch start at
/// `local`: found by correcting the offset once more, so a change of offset during the day
/// (daylight saving) is taken into account.
fn midnight(z: &TimeZone, local: i64) -> i64 {
    let guess = local - offset(z, local);
    local - offset(z, guess)
}

/// Start and end (exclusive), Unix seconds, of the local day containing `now`.
pub fn today(z: &TimeZone, now: i64) -> (i64, i64) {
    let local = now + offset(z, now);
    let day = local.div_euclid(DAY) * DAY;
    (midnight(z, day), midnight(z, day + DAY))
}

/// The instant the local hour containing `unix` begins: a whole hour of local time, so a
/// local day is exactly its hours in any zone, :30 and :45 offsets included. The hour
/// repeated when daylight saving ends is two hours here (each offset its own).
pub fn hour_of(z: &TimeZone, unix: i64) -> i64 {
    let off = offset(z, unix);
    (unix + off).div_euclid(3600) * 3600 - off
}

/// Local seconds since the epoch at `unix`.
pub fn local(z: &TimeZone, unix: i64) -> i64 {
    unix + offset(z, unix)
}

/// The local date at `unix`.
pub fn date_of(z: &TimeZone, unix: i64) -> NaiveDate {
    let days = (unix + offset(z, unix)).div_euclid(DAY);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch + chrono::Days::new(u64::try_from(days).unwrap_or(0))
}

/// The instant local day `d` begins.
pub fn start_of(z: &TimeZone, d: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    midnight(z, (d - epoch).num_days() * DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rome_days_begin_at_local_midnight_in_winter_and_summer() {
        let z = zone("Europe/Rome");
        // 2026-01-15 23:30 UTC is 00:30 on the 16th in Rome (UTC+1).
        let (start, end) = today(&z, 1_768_519_800);
        assert_eq!((start, end), (1_768_518_000, 1_768_604_400));
        // 2026-07-15 12:00 UTC: Rome is UTC+2, the day began at 22:00 UTC the day before.
        assert_eq!(today(&z, 1_784_116_800).0, 1_784_066_400);
        // The day daylight saving begins (2026-03-29) lasts 23 hours.
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let next = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap();
        assert_eq!(start_of(&z, next) - start_of(&z, d), 23 * 3600);
    }

    #[test]
    fn hours_are_local_hours_and_the_day_daylight_saving_ends_has_25() {
        let rome = zone("Europe/Rome");
        let d = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        let (start, end) = (start_of(&rome, d), start_of(&rome, d.succ_opt().unwrap()));
        let hours: std::collections::BTreeSet<i64> = (start..end)
            .step_by(600)
            .map(|t| hour_of(&rome, t))
            .collect();
        assert_eq!(hours.len(), 25);
        assert!(hours.iter().all(|&h| date_of(&rome, h) == d));
        // India is 5:30 ahead: its hours begin at :30 UTC, and 18:30 UTC is local midnight.
        let india = zone("Asia/Kolkata");
        assert_eq!(hour_of(&india, 1_768_501_800 + 60), 1_768_501_800);
        assert_eq!(
            date_of(&india, 1_768_501_800 - 1).succ_opt(),
            Some(date_of(&india, 1_768_501_800))
        );
    }

    #[test]
    fn an_unknown_zone_counts_as_utc() {
        let z = zone("Nowhere/Atlantis");
        assert_eq!(today(&z, 1_768_519_800), (1_768_435_200, 1_768_521_600));
    }
}
