//! The outbox written with what it reports.

use super::identity::tests::identity;
use super::sessions::tests::{new_session, setup};
use super::{GuestVisit, SessionProgress, Store};
use crate::model::consent::{ConsentChoice, How, Purpose};
use crate::model::guest::Method;
use crate::model::profile::{Assignment, activate_at_logon};
use crate::model::session::TerminateCause;
use crate::model::settings::Lang;
use crate::proto::events::{Counters, EventBody};

fn kinds(store: &Store) -> Vec<(i64, &'static str)> {
    store
        .outbox_batch(1000)
        .unwrap()
        .into_iter()
        .map(|e| {
            let kind = match e.body {
                EventBody::SessionStart(_) => "start",
                EventBody::SessionInterim(_) => "interim",
                EventBody::SessionStop(_) => "stop",
                EventBody::UnitStarted(_) => "unit",
                EventBody::Usage(_) => "usage",
                _ => "other",
            };
            (e.seq, kind)
        })
        .collect()
}

/// A session started on a unit registered or not: (store, session, user, queue).
fn started(registered: bool) -> (Store, i64, i64, Vec<Assignment>) {
    let (mut store, user, mut queue) = setup();
    if registered {
        store.save_identity(&identity(1)).unwrap();
    }
    activate_at_logon(&mut queue, 1000);
    let s = new_session(user, "02:00:00:00:00:01", queue[0].profile_id);
    let row = store.start_session(&s, &queue, true).unwrap();
    (store, row.id, user, queue)
}

fn progress(id: i64, down: u64) -> SessionProgress {
    SessionProgress {
        id,
        bytes_up: 1,
        bytes_down: down,
        last_activity_at: 1000,
    }
}

#[test]
fn an_unregistered_gateway_writes_no_outbox() {
    let (mut store, id, _, _) = started(false);
    store.record_progress(&[progress(id, 5)], 5000).unwrap();
    store
        .end_session(&progress(id, 6), TerminateCause::UserRequest, 5001)
        .unwrap();
    store.record_unit_started(&[], 5002).unwrap();
    assert!(kinds(&store).is_empty());
}

fn visit(mac: &str) -> GuestVisit {
    GuestVisit {
        method: Method::Voucher,
        identifier: "voucher 1".into(),
        verified: true,
        lang: Lang::En,
        mac: mac.into(),
        consents: vec![ConsentChoice {
            purpose: Purpose::Terms,
            granted: true,
            text_version: "v1".into(),
            lang: Lang::En,
            how: How::SplashCheckbox,
        }],
        at: 1001,
    }
}

#[test]
fn a_failing_write_leaves_no_event_and_the_login_reports_its_guest_first() {
    let (mut store, _, _, _) = started(true);
    assert!(kinds(&store).is_empty(), "the start waits for its guest");
    // The consent ledger refuses (e.g. disk full) after the guest and start were appended.
    store
        .conn
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON consents
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
    assert!(
        store
            .record_guest_visit(&visit("02:00:00:00:00:01"))
            .is_err()
    );
    assert!(
        kinds(&store).is_empty(),
        "rolled back with the login's records"
    );
    store.conn.execute_batch("DROP TRIGGER refuse").unwrap();
    store
        .record_guest_visit(&visit("02:00:00:00:00:01"))
        .unwrap();
    let events = store.outbox_batch(10).unwrap();
    let [guest, start, consent] = &events[..] else {
        panic!("{events:?}")
    };
    let (EventBody::Guest(g), EventBody::SessionStart(s), EventBody::Consent(c)) =
        (&guest.body, &start.body, &consent.body)
    else {
        panic!("{events:?}")
    };
    assert_eq!((&s.guest_uid, &c.guest_uid), (&g.uid, &g.uid));
    assert_eq!((s.started_at, s.profile.as_str()), (1000, "1h"));
    assert_eq!(s.user.len(), 64, "the voucher's code hash, hex");
    assert_eq!((c.purpose.as_str(), c.granted), ("terms", true));
}

#[test]
fn one_interim_waits_per_session_and_the_stop_supersedes_it() {
    let (mut store, id, _, _) = started(true);
    store.set_interim_secs(60);
    store.record_progress(&[progress(id, 5)], 1030).unwrap();
    assert!(kinds(&store).is_empty(), "not due yet");
    store.record_progress(&[progress(id, 6)], 1060).unwrap();
    store.record_progress(&[progress(id, 7)], 1100).unwrap();
    store.record_progress(&[progress(id, 8)], 1120).unwrap();
    let k = kinds(&store);
    assert_eq!(
        k.iter().map(|k| k.1).collect::<Vec<_>>(),
        ["interim", "usage"],
        "each interim reports the user's usage so far too"
    );
    let batch = store.outbox_batch(2).unwrap();
    let EventBody::SessionInterim(interim) = &batch[0].body else {
        panic!("not an interim")
    };
    assert_eq!(
        interim.counters.bytes_down, 8,
        "the newest replaced the older"
    );
    let EventBody::Usage(usage) = &batch[1].body else {
        panic!("not a usage")
    };
    assert_eq!(
        (usage.bytes_down, usage.uptime_secs, usage.logins),
        (8, 120, 1),
        "the usage so far, the open session counted to now"
    );
    let interim_seq = k[0].0;
    assert_eq!(
        interim_seq, 3,
        "1060's interim and usage replaced by 1120's (1100 was not due)"
    );

    let ended = store
        .end_session(&progress(id, 9), TerminateCause::IdleTimeout, 1200)
        .unwrap();
    assert!(ended);
    store.record_final(&[progress(id, 12)]).unwrap();
    let events = store.outbox_batch(10).unwrap();
    // No guest ever came (an operator's grant): its start goes before its stop; the user's
    // usage here after it, once.
    assert_eq!(events.len(), 3, "start, one stop, one usage: {events:?}");
    let EventBody::Usage(usage) = &events[2].body else {
        panic!("not a usage")
    };
    assert_eq!((usage.profile.as_str(), usage.first_start), ("1h", 1000));
    assert_eq!(
        (usage.bytes_down, usage.uptime_secs, usage.logins),
        (12, 200, 1)
    );
    assert!(matches!(&events[0].body, EventBody::SessionStart(s) if s.guest_uid == s.uid));
    let EventBody::SessionStop(stop) = &events[1].body else {
        panic!("not a stop")
    };
    assert_eq!(stop.cause, "idle-timeout");
    assert_eq!(stop.ended_at, 1200);
    assert_eq!(
        stop.counters,
        Counters {
            bytes_down: 12,
            bytes_up: 1
        }
    );
}

#[test]
fn seq_is_never_reused_after_the_ack_deleted_everything() {
    let (mut store, id, _, _) = started(true);
    store.record_unit_started(&[], 1000).unwrap();
    let first = kinds(&store)[0].0;
    assert_eq!(store.outbox_stats(1010).unwrap().depth, 1);
    assert_eq!(store.outbox_stats(1010).unwrap().oldest_secs, 10);
    assert_eq!(store.ack_outbox(first).unwrap(), 1);
    assert_eq!(store.outbox_stats(1010).unwrap().depth, 0);
    store.record_unit_started(&[id], 1300).unwrap();
    let after = store.outbox_batch(10).unwrap();
    assert!(after[0].seq > first);
    let EventBody::UnitStarted(unit) = &after[0].body else {
        panic!("not a start")
    };
    assert_eq!(unit.open_sessions.len(), 1);
}

#[test]
fn a_removed_unit_writes_no_more_and_forgetting_empties_the_outbox() {
    let (mut store, id, _, _) = started(true);
    store.sync_removed("unit_removed").unwrap();
    store
        .end_session(&progress(id, 6), TerminateCause::AdminReset, 1100)
        .unwrap();
    assert!(kinds(&store).is_empty());
    store.sync_failed("x", 1).unwrap();
    store.save_identity(&identity(1)).unwrap();
    store.record_unit_started(&[id], 1200).unwrap();
    assert_eq!(kinds(&store).len(), 1, "registered again: records resume");
    store.forget_identity().unwrap();
    assert!(kinds(&store).is_empty());
}

#[test]
fn counters_that_changed_before_the_interval_go_when_it_is_up_without_new_traffic() {
    let (mut store, id, _, _) = started(true);
    store.set_interim_secs(60);
    store.record_progress(&[progress(id, 5)], 1030).unwrap();
    store.send_owed_interims(1059).unwrap();
    assert!(kinds(&store).is_empty(), "not due yet");
    store.send_owed_interims(1060).unwrap();
    let batch = store.outbox_batch(10).unwrap();
    let EventBody::SessionInterim(interim) = &batch[0].body else {
        panic!("not an interim: {batch:?}")
    };
    assert_eq!(
        interim.counters.bytes_down, 5,
        "the quiet guest's last counters"
    );
    assert!(matches!(&batch[1].body, EventBody::Usage(u) if u.bytes_down == 5));
    // Owed once: nothing new, nothing more.
    store.send_owed_interims(1200).unwrap();
    assert_eq!(store.outbox_batch(10).unwrap().len(), 2);
}
