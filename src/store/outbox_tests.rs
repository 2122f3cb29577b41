//! The outbox written with what it reports.

use super::identity::tests::identity;
use super::sessions::tests::{new_session, setup};
use super::{SessionProgress, Store};
use crate::model::profile::{Assignment, activate_at_logon};
use crate::model::session::TerminateCause;
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

#[test]
fn a_failing_session_write_leaves_no_event() {
    let (mut store, _, user, queue) = started(true);
    assert_eq!(kinds(&store).len(), 1);
    // The same device twice: refused by the schema, after the event would have been written.
    let again = new_session(user, "02:00:00:00:00:01", queue[0].profile_id);
    assert!(store.start_session(&again, &queue, false).is_err());
    assert_eq!(kinds(&store).len(), 1);
    let EventBody::SessionStart(start) = &store.outbox_batch(1).unwrap()[0].body else {
        panic!("not a start")
    };
    assert_eq!((start.started_at, start.profile.as_str()), (1000, "1h"));
    assert_eq!(start.user.len(), 64, "the voucher's code hash, hex");
}

#[test]
fn one_interim_waits_per_session_and_the_stop_supersedes_it() {
    let (mut store, id, _, _) = started(true);
    store.set_interim_secs(60);
    store.record_progress(&[progress(id, 5)], 1030).unwrap();
    assert_eq!(kinds(&store).len(), 1, "not due yet");
    store.record_progress(&[progress(id, 6)], 1060).unwrap();
    store.record_progress(&[progress(id, 7)], 1100).unwrap();
    store.record_progress(&[progress(id, 8)], 1120).unwrap();
    let k = kinds(&store);
    assert_eq!(
        k.iter().map(|k| k.1).collect::<Vec<_>>(),
        ["start", "interim"]
    );
    let EventBody::SessionInterim(interim) = &store.outbox_batch(2).unwrap()[1].body else {
        panic!("not an interim")
    };
    assert_eq!(
        interim.counters.bytes_down, 8,
        "the newest replaced the older"
    );
    let interim_seq = k[1].0;
    assert_eq!(
        interim_seq, 3,
        "1060's interim replaced by 1120's (1100 was not due)"
    );

    let ended = store
        .end_session(&progress(id, 9), TerminateCause::IdleTimeout, 1200)
        .unwrap();
    assert!(ended);
    store.record_final(&[progress(id, 12)]).unwrap();
    let events = store.outbox_batch(10).unwrap();
    assert_eq!(events.len(), 2, "start and one stop: {events:?}");
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
    assert_eq!(kinds(&store).len(), 1);
    store.forget_identity().unwrap();
    assert!(kinds(&store).is_empty());
}
