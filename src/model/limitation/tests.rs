use super::*;
use proptest::prelude::*;

/// Monday 2026-11-16 00:00 UTC.
const MONDAY: i64 = 1_794_787_200;

fn at(day: i64, hour: i64, min: i64) -> LocalTime {
    LocalTime::utc(MONDAY + day * 86_400 + hour * 3600 + min * 60)
}

fn lim(id: i64) -> Limitation {
    Limitation {
        id,
        name: format!("l{id}"),
        uptime_limit: None,
        download_limit: None,
        upload_limit: None,
        transfer_limit: None,
        rate_down_bps: None,
        rate_up_bps: None,
        reset: ResetInterval::Never,
    }
}

fn attach(limitation: Limitation, window: Window) -> Attached {
    Attached { limitation, window }
}

#[test]
fn monday_constant_is_a_monday() {
    assert_eq!(at(0, 0, 0).weekday(), 0);
    assert_eq!(
        crate::model::calendar::civil_from_days(at(0, 0, 0).local_day()),
        (2026, 11, 16)
    );
}

#[test]
fn period_starts() {
    let t = at(2, 13, 45); // Wednesday 13:45
    assert_eq!(ResetInterval::Never.period_start(t), 0);
    assert_eq!(ResetInterval::Hourly.period_start(t), at(2, 13, 0).unix);
    assert_eq!(ResetInterval::Daily.period_start(t), at(2, 0, 0).unix);
    assert_eq!(ResetInterval::Weekly.period_start(t), at(0, 0, 0).unix);
    // 2026-11-01 00:00 UTC is 15 days before Monday the 16th.
    assert_eq!(ResetInterval::Monthly.period_start(t), at(-15, 0, 0).unix);
    assert_eq!(
        ResetInterval::Every(600).period_start(t),
        at(2, 13, 40).unix
    );
    // Local midnight at UTC+2 is 22:00 UTC the day before.
    let cest = LocalTime {
        unix: at(2, 23, 0).unix,
        offset: 7200,
    };
    assert_eq!(ResetInterval::Daily.period_start(cest), at(2, 22, 0).unix);
}

#[test]
fn reset_interval_names_round_trip() {
    for r in [
        ResetInterval::Never,
        ResetInterval::Hourly,
        ResetInterval::Daily,
        ResetInterval::Weekly,
        ResetInterval::Monthly,
        ResetInterval::Every(14_400),
    ] {
        assert_eq!(ResetInterval::parse(&r.name()), Some(r));
    }
    assert_eq!(ResetInterval::parse("fortnightly"), None);
}

#[test]
fn windows_by_time_and_weekday() {
    let office = Window {
        from: 8 * 3600,
        till: 18 * 3600,
        weekdays: 0b001_1111,
    };
    assert!(office.contains(at(0, 8, 0)));
    assert!(office.contains(at(4, 17, 59)));
    assert!(!office.contains(at(4, 18, 0)));
    assert!(!office.contains(at(5, 12, 0)), "Saturday");
    let night = Window {
        from: 22 * 3600,
        till: 6 * 3600,
        weekdays: 1 << 4,
    }; // Friday night
    assert!(night.contains(at(4, 23, 0)));
    assert!(
        night.contains(at(5, 5, 59)),
        "Saturday morning belongs to Friday's window"
    );
    assert!(!night.contains(at(5, 23, 0)));
    assert!(
        !night.contains(at(4, 5, 0)),
        "Friday morning belongs to Thursday's window"
    );
    assert!(Window::default().contains(at(6, 23, 59)));
}

#[test]
fn all_applicable_limitations_must_hold() {
    let daily = attach(
        Limitation {
            transfer_limit: Some(1000),
            rate_down_bps: Some(8_000_000),
            reset: ResetInterval::Daily,
            ..lim(1)
        },
        Window::default(),
    );
    let monthly = attach(
        Limitation {
            transfer_limit: Some(20_000),
            rate_down_bps: Some(4_000_000),
            uptime_limit: Some(3600),
            ..lim(2)
        },
        Window::default(),
    );
    let usage = |l: &Limitation| {
        if l.id == 1 {
            Usage {
                uptime: 100,
                up: 100,
                down: 500,
            }
        } else {
            Usage {
                uptime: 3000,
                up: 5000,
                down: 14_500,
            }
        }
    };
    let eff = effective(
        &[daily.clone(), monthly.clone()],
        OutsideWindows::Deny,
        usage,
        at(0, 12, 0),
    )
    .unwrap();
    assert_eq!(
        eff.total_left,
        Some(400),
        "monthly has 500 left, daily 400: the tighter wins"
    );
    assert_eq!(eff.rate_down_bps, Some(4_000_000));
    assert_eq!(eff.uptime_left, Some(600));
    assert_eq!(eff.rate_up_bps, None);
    let used_up = |l: &Limitation| {
        if l.id == 1 {
            Usage {
                down: 1000,
                ..Usage::default()
            }
        } else {
            Usage::default()
        }
    };
    assert_eq!(
        effective(
            &[daily, monthly],
            OutsideWindows::Deny,
            used_up,
            at(0, 12, 0)
        ),
        Err(LimitReached::Transfer)
    );
}

#[test]
fn outside_every_window_follows_the_profile_setting() {
    let busy = attach(
        Limitation {
            rate_down_bps: Some(1_000_000),
            ..lim(1)
        },
        Window {
            from: 9 * 3600,
            till: 17 * 3600,
            weekdays: ALL_DAYS,
        },
    );
    let none = |_: &Limitation| Usage::default();
    let evening = at(0, 20, 0);
    assert_eq!(
        effective(
            std::slice::from_ref(&busy),
            OutsideWindows::Deny,
            none,
            evening
        ),
        Err(LimitReached::OutsideWindow)
    );
    assert_eq!(
        effective(
            std::slice::from_ref(&busy),
            OutsideWindows::Unlimited,
            none,
            evening
        ),
        Ok(Effective::default())
    );
    assert_eq!(
        effective(&[busy], OutsideWindows::Deny, none, at(0, 10, 0))
            .unwrap()
            .rate_down_bps,
        Some(1_000_000)
    );
    // A profile without limitations is unlimited whatever the setting.
    assert_eq!(
        effective(&[], OutsideWindows::Deny, none, evening),
        Ok(Effective::default())
    );
}

#[test]
fn direction_limits_are_separate() {
    let l = attach(
        Limitation {
            download_limit: Some(100),
            upload_limit: Some(50),
            ..lim(1)
        },
        Window::default(),
    );
    let eff = effective(
        std::slice::from_ref(&l),
        OutsideWindows::Deny,
        |_| Usage {
            up: 10,
            down: 30,
            uptime: 0,
        },
        at(0, 0, 0),
    )
    .unwrap();
    assert_eq!(
        (eff.down_left, eff.up_left, eff.total_left),
        (Some(70), Some(40), None)
    );
    assert_eq!(
        effective(
            &[l],
            OutsideWindows::Deny,
            |_| Usage {
                up: 50,
                down: 0,
                uptime: 0
            },
            at(0, 0, 0)
        ),
        Err(LimitReached::Transfer)
    );
}

proptest! {
    #[test]
    fn period_start_is_at_or_before_now_and_stable(unix in 0i64..4_000_000_000, offset in -43_200i32..50_400) {
        let t = LocalTime { unix, offset };
        for r in [ResetInterval::Hourly, ResetInterval::Daily, ResetInterval::Weekly, ResetInterval::Monthly, ResetInterval::Every(900)] {
            let start = r.period_start(t);
            prop_assert!(start <= unix, "{r:?}");
            prop_assert!(unix - start < 32 * 86_400, "{r:?}");
            // Every moment of the period maps to the same start.
            prop_assert_eq!(r.period_start(LocalTime { unix: start, offset }), start, "{:?}", r);
        }
    }

    #[test]
    fn effective_never_exceeds_any_single_limitation(
        limits in proptest::collection::vec((proptest::option::of(0u64..10_000), proptest::option::of(0u64..10_000)), 1..5),
        used in 0u64..10_000,
    ) {
        let attached: Vec<Attached> = limits.iter().enumerate().map(|(i, (t, u))| attach(Limitation { transfer_limit: *t, uptime_limit: *u, ..lim(i as i64) }, Window::default())).collect();
        let usage = |_: &Limitation| Usage { uptime: used, up: used / 2, down: used - used / 2 };
        match effective(&attached, OutsideWindows::Deny, usage, at(0, 0, 0)) {
            Ok(eff) => {
                for (t, u) in &limits {
                    if let Some(t) = t { prop_assert!(eff.total_left.unwrap() <= t.saturating_sub(used)); }
                    if let Some(u) = u { prop_assert!(eff.uptime_left.unwrap() <= u.saturating_sub(used)); }
                }
            }
            Err(_) => prop_assert!(limits.iter().any(|(t, u)| t.is_some_and(|t| t <= used) || u.is_some_and(|u| u <= used))),
        }
    }
}

proptest! {
    /// With the enforcement loop adding online time every tick (at most one second apart) and
    /// ending the session as soon as the limits refuse, online time never exceeds the uptime
    /// limit by more than one tick.
    #[test]
    fn uptime_never_exceeds_the_limit_by_more_than_a_tick(limit in 1u64..500, ticks in proptest::collection::vec(0u64..=1, 1..1000)) {
        let l = attach(Limitation { uptime_limit: Some(limit), ..lim(1) }, Window::default());
        let mut used = 0u64;
        for dt in ticks {
            used += dt;
            if effective(std::slice::from_ref(&l), OutsideWindows::Deny, |_| Usage { uptime: used, ..Usage::default() }, at(0, 0, 0)).is_err() {
                break;
            }
        }
        prop_assert!(used <= limit + 1, "used {used} of {limit}");
    }
}
