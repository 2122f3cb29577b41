use super::*;

fn new(mac: &str, target: &str, now: i64) -> NewPending {
    NewPending {
        channel: Channel::Sms,
        target: target.into(),
        mac: mac.into(),
        code_hash: vec![1, 2, 3],
        token_hash: None,
        now,
        expires_at: now + 600,
        consents: Vec::new(),
        lang: crate::model::settings::Lang::It,
    }
}

#[test]
fn a_resend_keeps_the_tries_and_a_use_happens_once() {
    let mut s = Store::open_in_memory().unwrap();
    let limits = SendLimits::default();
    let p = s
        .start_pending(&new("m1", "+39333", 100), &limits)
        .unwrap()
        .unwrap();
    assert_eq!((p.tries, p.sends), (0, 1));
    assert_eq!(s.wrong_try(p.id).unwrap(), 1);
    assert_eq!(s.wrong_try(p.id).unwrap(), 2);
    let again = s
        .resend_pending(p.id, &[9], None, 200, 800, &limits)
        .unwrap()
        .unwrap();
    assert_eq!((again.tries, again.sends, again.code_hash), (2, 2, vec![9]));
    for _ in 0..10 {
        s.wrong_try(p.id).unwrap();
    }
    assert_eq!(s.pending(p.id).unwrap().unwrap().tries, MAX_TRIES);
    assert!(s.use_pending(p.id, 300).unwrap());
    assert!(!s.use_pending(p.id, 301).unwrap(), "single use");
}

#[test]
fn limits_count_sends_per_device_target_and_hotspot() {
    let mut s = Store::open_in_memory().unwrap();
    let limits = SendLimits {
        per_device_hour: 2,
        per_target_hour: 2,
        hotspot_hour: 3,
        ..SendLimits::default()
    };
    assert!(
        s.start_pending(&new("m1", "+1", 100), &limits)
            .unwrap()
            .is_ok()
    );
    assert!(
        s.start_pending(&new("m1", "+2", 101), &limits)
            .unwrap()
            .is_ok()
    );
    assert_eq!(
        s.start_pending(&new("m1", "+3", 102), &limits).unwrap(),
        Err(LimitHit::Device)
    );
    assert!(
        s.start_pending(&new("m2", "+1", 103), &limits)
            .unwrap()
            .is_ok()
    );
    assert_eq!(
        s.start_pending(&new("m3", "+4", 104), &limits).unwrap(),
        Err(LimitHit::Hotspot),
        "rotating devices and numbers still hit the hotspot's cap"
    );
    // An hour later the windows are empty again.
    assert!(
        s.start_pending(&new("m1", "+3", 104 + 3600), &limits)
            .unwrap()
            .is_ok()
    );
}

#[test]
fn a_new_code_ends_the_devices_older_ones() {
    let mut s = Store::open_in_memory().unwrap();
    let limits = SendLimits::default();
    let first = s
        .start_pending(&new("m1", "+1", 100), &limits)
        .unwrap()
        .unwrap();
    let second = s
        .start_pending(&new("m1", "+2", 110), &limits)
        .unwrap()
        .unwrap();
    assert!(!s.pending(first.id).unwrap().unwrap().is_live(111));
    assert_eq!(
        s.newest_pending("m1", Channel::Sms, 111)
            .unwrap()
            .map(|p| p.id),
        Some(second.id)
    );
    assert_eq!(s.newest_pending("m2", Channel::Sms, 111).unwrap(), None);
    assert_eq!(s.newest_pending("m1", Channel::Email, 111).unwrap(), None);
}

#[test]
fn the_month_counts_sms_and_tells_the_count_before() {
    let mut s = Store::open_in_memory().unwrap();
    assert_eq!(s.count_sms("2026-11").unwrap(), 0);
    assert_eq!(s.count_sms("2026-11").unwrap(), 1);
    assert_eq!(s.sms_sent_in("2026-11").unwrap(), 2);
    assert_eq!(s.sms_sent_in("2026-12").unwrap(), 0);
}

#[test]
fn tokens_find_their_login_and_verified_devices_are_remembered() {
    let mut s = Store::open_in_memory().unwrap();
    let mut n = new("m1", "a@b.cd", 100);
    n.channel = Channel::Email;
    n.token_hash = Some(vec![7; 32]);
    let p = s
        .start_pending(&n, &SendLimits::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        s.pending_by_token(&[7; 32]).unwrap().map(|p| p.id),
        Some(p.id)
    );
    assert_eq!(s.pending_by_token(&[8; 32]).unwrap(), None);
    assert_eq!(s.last_verified("m1", Channel::Email, 0).unwrap(), None);
    s.use_pending(p.id, 150).unwrap();
    assert_eq!(
        s.last_verified("m1", Channel::Email, 0).unwrap(),
        Some("a@b.cd".into())
    );
    assert_eq!(s.last_verified("m1", Channel::Email, 150).unwrap(), None);
}
