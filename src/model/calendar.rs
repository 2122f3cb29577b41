//! Local wall-clock arithmetic without a time-zone database: the caller passes the UTC offset
//! in force (from the OS), so every rule stays a pure function of its inputs.

/// A moment: unix seconds plus the local UTC offset in seconds at that moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Unix seconds.
    pub unix: i64,
    /// Local offset from UTC, seconds (e.g. 3600 for CET).
    pub offset: i32,
}

impl LocalTime {
    /// A UTC moment (offset 0), handy in tests.
    pub fn utc(unix: i64) -> Self {
        LocalTime { unix, offset: 0 }
    }

    fn local(&self) -> i64 {
        self.unix + i64::from(self.offset)
    }

    /// Days since 1970-01-01 in local time.
    pub fn local_day(&self) -> i64 {
        self.local().div_euclid(86_400)
    }

    /// Seconds since local midnight.
    pub fn second_of_day(&self) -> u32 {
        self.local().rem_euclid(86_400) as u32
    }

    /// Day of the week, Monday = 0 … Sunday = 6.
    pub fn weekday(&self) -> u8 {
        // 1970-01-01 was a Thursday (3).
        (self.local_day() + 3).rem_euclid(7) as u8
    }

    /// Unix time of the start of a local day.
    pub fn unix_of_local_day(&self, day: i64) -> i64 {
        day * 86_400 - i64::from(self.offset)
    }
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01 (proleptic Gregorian;
/// Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date (inverse of [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        // 2026-11-22 is a Sunday.
        let t = LocalTime::utc(days_from_civil(2026, 11, 22) * 86_400 + 3600);
        assert_eq!(t.weekday(), 6);
        assert_eq!(t.second_of_day(), 3600);
        // 23:30 UTC is already the next day at UTC+1.
        let late = LocalTime {
            unix: days_from_civil(2026, 11, 22) * 86_400 + 23 * 3600 + 1800,
            offset: 3600,
        };
        assert_eq!(civil_from_days(late.local_day()), (2026, 11, 23));
        assert_eq!(late.second_of_day(), 1800);
    }

    proptest! {
        #[test]
        fn civil_round_trips(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
