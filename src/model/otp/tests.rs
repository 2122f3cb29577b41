use super::*;

fn pending(tries: u32, now: i64) -> PendingCode {
    PendingCode {
        id: 1,
        channel: Channel::Sms,
        target: "+393331234567".into(),
        mac: "02:00:00:00:00:01".into(),
        code_hash: vec![1],
        tries,
        sends: 1,
        created_at: now,
        sent_at: now,
        expires_at: now + CODE_VALIDITY_SECS,
        used_at: None,
        consents: Vec::new(),
        lang: crate::model::settings::Lang::En,
    }
}

#[test]
fn codes_are_six_uniform_digits() {
    let mut seen = [0u32; 10];
    for _ in 0..2000 {
        let c = new_code().unwrap();
        assert_eq!(c.len(), 6);
        for b in c.bytes() {
            seen[usize::from(b - b'0')] += 1;
        }
    }
    // 12,000 digits: each expected 1,200; a broken generator (e.g. b % 10 without the
    // rejection, or a constant) lands far outside.
    assert!(seen.iter().all(|&n| (1000..1400).contains(&n)), "{seen:?}");
}

#[test]
fn link_tokens_carry_256_bits() {
    let t = new_link_token().unwrap();
    assert_eq!(t.len(), 64);
    assert_ne!(t, new_link_token().unwrap());
}

#[test]
fn a_typed_code_is_six_digits_with_spaces_and_dashes_ignored() {
    assert_eq!(normalize_code(" 123-456 "), Some("123456".into()));
    assert_eq!(normalize_code("12345"), None);
    assert_eq!(normalize_code("12345a"), None);
    assert_eq!(normalize_code("1234567"), None);
}

#[test]
fn hashes_depend_on_key_target_and_code() {
    let a = code_hash(b"k", "+39333", "123456");
    assert_eq!(a, code_hash(b"k", "+39333", "123456"));
    assert_ne!(a, code_hash(b"k2", "+39333", "123456"));
    assert_ne!(a, code_hash(b"k", "+39334", "123456"));
    assert_ne!(a, code_hash(b"k", "+39333", "123457"));
    // Part boundaries count: ("ab", "c") is not ("a", "bc").
    assert_ne!(code_hash(b"k", "ab", "c"), code_hash(b"k", "a", "bc"));
}

#[test]
fn the_fifth_wrong_try_kills_the_code_and_then_even_the_right_one_fails() {
    let now = 1000;
    assert_eq!(
        pending(0, now).verdict(false, now),
        Verdict::Wrong { left: 4 }
    );
    assert_eq!(
        pending(3, now).verdict(false, now),
        Verdict::Wrong { left: 1 }
    );
    assert_eq!(pending(4, now).verdict(false, now), Verdict::Dead);
    assert_eq!(pending(5, now).verdict(true, now), Verdict::Dead);
    assert_eq!(pending(4, now).verdict(true, now), Verdict::Accepted);
}

#[test]
fn a_code_works_for_ten_minutes_and_once() {
    let p = pending(0, 1000);
    assert_eq!(p.verdict(true, 1000 + 599), Verdict::Accepted);
    assert_eq!(p.verdict(true, 1000 + 600), Verdict::Expired);
    let used = PendingCode {
        used_at: Some(1001),
        ..p
    };
    assert_eq!(used.verdict(true, 1002), Verdict::Used);
    assert!(!used.is_live(1002));
}

#[test]
fn a_resend_waits_for_the_cooldown() {
    let p = pending(0, 1000);
    assert_eq!(p.resend_wait(45, 1010), 35);
    assert_eq!(p.resend_wait(45, 1045), 0);
}

#[test]
fn limits_refuse_at_their_count_and_zero_means_none() {
    let l = SendLimits::default();
    assert_eq!(l.allow(SendCounts::default()), Ok(()));
    let c = |device_hour, target_hour, hotspot_hour| SendCounts {
        device_hour,
        device_day: device_hour,
        target_hour,
        target_day: target_hour,
        hotspot_hour,
    };
    assert_eq!(l.allow(c(5, 0, 0)), Err(LimitHit::Device));
    assert_eq!(l.allow(c(0, 3, 0)), Err(LimitHit::Target));
    assert_eq!(l.allow(c(0, 0, 100)), Err(LimitHit::Hotspot));
    let none = SendLimits {
        per_device_hour: 0,
        per_device_day: 0,
        ..l
    };
    assert_eq!(none.allow(c(500, 0, 0)), Ok(()));
}

#[test]
fn the_budget_warns_once_when_the_threshold_is_crossed() {
    let b = SmsBudget {
        monthly: 10,
        warn_percent: 80,
    };
    let warnings: Vec<u32> = (0..12).filter(|&n| b.crosses_warning(n)).collect();
    assert_eq!(warnings, vec![7], "the 8th SMS reaches 80 %");
    assert!(b.allows(9));
    assert!(!b.allows(10));
    assert!(
        SmsBudget {
            monthly: 0,
            warn_percent: 80
        }
        .allows(u32::MAX - 1)
    );
}

#[test]
fn months_are_utc_calendar_months() {
    assert_eq!(month_of(0), "1970-01");
    assert_eq!(month_of(951_782_400), "2000-02");
    assert_eq!(month_of(1_798_761_599), "2026-12");
    assert_eq!(month_of(1_798_761_600), "2027-01");
}

#[test]
fn a_code_matches_only_its_own_hash_whatever_the_stored_length() {
    let key = b"gateway key";
    let stored = code_hash(key, "+393331234567", "123456");
    assert!(code_matches(key, "+393331234567", "123456", &stored));
    assert!(!code_matches(key, "+393331234567", "123457", &stored));
    assert!(!code_matches(key, "+393331234568", "123456", &stored));
    assert!(!code_matches(
        b"other key",
        "+393331234567",
        "123456",
        &stored
    ));
    // A damaged row (truncated, empty, longer) is no match and no panic.
    assert!(!code_matches(key, "+393331234567", "123456", &stored[..16]));
    assert!(!code_matches(key, "+393331234567", "123456", &[]));
    let mut longer = stored.clone();
    longer.push(0);
    assert!(!code_matches(key, "+393331234567", "123456", &longer));
}
