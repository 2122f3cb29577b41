use super::*;

const T0: i64 = 1_700_000_000_000;

/// Attempts an address makes in `hours` when it tries again the moment it may.
fn greedy_attempts(t: &mut LoginThrottle, key: &str, from: i64, hours: i64) -> u32 {
    let end = from + hours * 3_600_000;
    let mut now = from;
    let mut n = 0;
    while now < end {
        match t.reserve(key, now) {
            Ok(_) => n += 1,
            Err(w) => now += w.wait_ms,
        }
    }
    n
}

#[test]
fn three_free_tries_then_a_wait_that_doubles_up_to_the_cap() {
    let mut t = LoginThrottle::new(ThrottlePolicy::default());
    let mut now = T0;
    let mut waits = vec![];
    for _ in 0..12 {
        let _attempt = t.reserve("10.77.0.11", now).expect("may try");
        let w = t.wait_of("10.77.0.11", now);
        waits.push(w / 1000);
        now += w;
    }
    assert_eq!(waits, [0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    let refused = t.reserve("10.77.0.11", now - 1).unwrap_err();
    assert_eq!(refused, Throttled { wait_ms: 1 });
    assert_eq!(refused.retry_after(), 1);
    assert!(t.reserve("10.77.0.12", now - 1).is_ok());
}

#[test]
fn a_burst_is_counted_as_it_starts() {
    let mut t = LoginThrottle::new(ThrottlePolicy::default());
    // 60 attempts in the same millisecond, none finished yet: three are let through.
    let started: Vec<_> = (0..60).filter_map(|_| t.reserve("a", T0).ok()).collect();
    assert_eq!(started.len(), 3);
    assert_eq!(
        t.reserve("a", T0 + 500).unwrap_err().retry_after(),
        2,
        "rounded up: 1.5 s"
    );
}

#[test]
fn a_success_gives_its_reservation_and_its_wait_back() {
    let mut t = LoginThrottle::new(ThrottlePolicy::default());
    let _wrong1 = t.reserve("a", T0).unwrap();
    let _wrong2 = t.reserve("a", T0).unwrap();
    let right = t.reserve("a", T0).unwrap();
    assert_eq!(t.wait_of("a", T0), 2_000);
    t.give_back(right);
    assert_eq!(t.wait_of("a", T0), 0, "the right code's wait is lifted");
    // The two wrong ones still count: one free try is left.
    let _third = t.reserve("a", T0).unwrap();
    assert!(t.reserve("a", T0).is_err());
}

#[test]
fn interleaving_a_right_code_does_not_reset_the_count() {
    // A guesser holding a valid unlimited code cannot wipe its record by using it.
    let mut t = LoginThrottle::new(ThrottlePolicy::default());
    let mut now = T0;
    let mut checked = 0;
    for _ in 0..100 {
        match t.reserve("a", now) {
            Ok(r) if checked % 2 == 0 => {
                t.give_back(r);
                checked += 1;
            }
            Ok(_) => checked += 1,
            Err(w) => now += w.wait_ms,
        }
    }
    assert!(now - T0 >= 300_000, "the guesser was made to wait");
}

#[test]
fn one_address_gets_at_most_21_tries_in_its_first_hour_and_12_an_hour_after() {
    let mut t = LoginThrottle::new(ThrottlePolicy::default());
    assert_eq!(greedy_attempts(&mut t, "a", T0, 1), 21);
    assert_eq!(greedy_attempts(&mut t, "a", T0 + 3_600_000, 10), 120);
    // Pausing until forgotten does not pay either: 21 in two hours.
    let mut t = LoginThrottle::new(ThrottlePolicy::default());
    let first = greedy_attempts(&mut t, "a", T0, 1);
    let later = greedy_attempts(&mut t, "a", T0 + 2 * 3_600_000 + 300_000, 1);
    assert_eq!((first, later), (21, 21));
}

#[test]
fn idle_addresses_are_forgotten() {
    let mut t = LoginThrottle::new(ThrottlePolicy::default());
    for i in 0..1000 {
        let _ = t.reserve(&format!("10.77.{}.{}", i / 250, i % 250), T0);
    }
    assert_eq!(t.records.len(), 1000);
    let _ = t.reserve("x", T0 + 3_600_000 + 60_000);
    assert_eq!(t.records.len(), 1);
}
