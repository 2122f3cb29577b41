//! One test per sentence of the seed, then properties over random histories.

use super::*;
use proptest::prelude::*;

const T0: i64 = 1_800_000_000;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

fn first_logon(validity: u64) -> ProfileClock {
    ProfileClock {
        validity_secs: Some(validity),
        starts: Starts::FirstLogon,
    }
}

fn queue(clocks: &[ProfileClock], at: i64) -> Vec<Assignment> {
    clocks
        .iter()
        .enumerate()
        .map(|(i, c)| assign(i as i64 + 1, i as i64 + 1, *c, at))
        .collect()
}

#[test]
fn first_logon_profile_is_inactive_until_the_first_logon() {
    let mut q = queue(&[first_logon(DAY)], T0);
    assert_eq!(q[0].state, State::Waiting);
    assert_eq!(
        q[0].ends_at, None,
        "no end before the first logon, however long it waits"
    );
    let logon = T0 + 10 * DAY as i64;
    assert_eq!(activate_at_logon(&mut q, logon), Some(0));
    assert_eq!(q[0].started_at, Some(logon));
    assert_eq!(
        q[0].ends_at,
        Some(logon + DAY as i64),
        "end = start + validity"
    );
}

#[test]
fn the_end_time_never_changes_whatever_the_user_does() {
    let mut q = queue(&[first_logon(DAY)], T0);
    activate_at_logon(&mut q, T0);
    let end = q[0].ends_at;
    // Log off and on again several times before the end: same profile, same end.
    for t in [T0 + 60, T0 + 3600, T0 + 80_000] {
        assert_eq!(activate_at_logon(&mut q, t), Some(0));
        assert_eq!(q[0].ends_at, end);
    }
    // "1 day after first logon … the profile will become invalid and they will be unable to
    // log on again unless a new profile is available".
    assert_eq!(activate_at_logon(&mut q, T0 + DAY as i64), None);
    assert_eq!(q[0].state, State::Used);
}

#[test]
fn at_the_end_the_next_profile_starts_without_dropping_the_guest() {
    let mut q = queue(&[first_logon(HOUR), first_logon(2 * HOUR)], T0);
    activate_at_logon(&mut q, T0);
    assert_eq!(on_tick(&mut q, T0 + 3599), Tick::Continue(0));
    let end = T0 + 3600;
    assert_eq!(on_tick(&mut q, end), Tick::Switched { from: 0, to: 1 });
    assert_eq!((q[0].state, q[1].state), (State::Used, State::Active));
    assert_eq!(q[1].started_at, Some(end));
    assert_eq!(q[1].ends_at, Some(end + 2 * HOUR as i64));
    // With no profile left the user is forced to log off.
    assert_eq!(on_tick(&mut q, end + 2 * HOUR as i64), Tick::LogOff);
    assert!(q.iter().all(|a| a.state == State::Used));
}

#[test]
fn an_active_profile_at_logon_is_used_instead_of_the_next() {
    let mut q = queue(&[first_logon(DAY), first_logon(DAY)], T0);
    activate_at_logon(&mut q, T0);
    assert_eq!(activate_at_logon(&mut q, T0 + 100), Some(0));
    assert_eq!(q[1].state, State::Waiting);
}

#[test]
fn after_logging_off_early_the_next_profile_starts_only_at_a_logon_after_the_end() {
    let mut q = queue(&[first_logon(HOUR), first_logon(HOUR)], T0);
    activate_at_logon(&mut q, T0);
    // Logged off at T0 + 10 min; nothing ticks while offline. Back before the end: same one.
    assert_eq!(activate_at_logon(&mut q, T0 + 1800), Some(0));
    // Back long after the end: the next starts now, not at the old end.
    let back = T0 + 5 * HOUR as i64;
    assert_eq!(activate_at_logon(&mut q, back), Some(1));
    assert_eq!(q[1].started_at, Some(back));
    assert_eq!(q[1].ends_at, Some(back + HOUR as i64));
}

#[test]
fn starts_now_burns_validity_on_the_shelf() {
    let now_clock = ProfileClock {
        validity_secs: Some(HOUR),
        starts: Starts::Now,
    };
    let mut q = queue(&[now_clock, first_logon(HOUR)], T0);
    assert_eq!(q[0].ends_at, Some(T0 + 3600), "end fixed at assignment");
    assert_eq!(q[0].started_at, Some(T0), "started at assignment");
    // First logon after it ran out on the shelf: skipped, the next one starts.
    assert_eq!(activate_at_logon(&mut q, T0 + 7200), Some(1));
    assert_eq!(q[0].state, State::Used);
    assert_eq!(q[0].started_at, Some(T0));
}

#[test]
fn a_now_profile_is_started_at_assignment_and_keeps_that_start() {
    let now_clock = ProfileClock {
        validity_secs: Some(HOUR),
        starts: Starts::Now,
    };
    // Alone: the clock runs, so it is the active profile before any logon.
    let mut alone = queue(&[now_clock], T0);
    assert_eq!(alone[0].state, State::Started);
    settle(&mut alone, T0 + 10);
    assert_eq!(alone[0].state, State::Active);
    assert_eq!(activate_at_logon(&mut alone, T0 + 600), Some(0));
    assert_eq!(alone[0].started_at, Some(T0), "not moved to the logon");
    assert_eq!(alone[0].ends_at, Some(T0 + 3600));
    // Behind an active profile: started (its clock runs), not active, until its turn.
    let mut q = queue(&[first_logon(HOUR)], T0);
    activate_at_logon(&mut q, T0);
    q.push(assign(2, 2, now_clock, T0 + 600));
    settle(&mut q, T0 + 700);
    assert_eq!((q[0].state, q[1].state), (State::Active, State::Started));
    assert_eq!(
        on_tick(&mut q, T0 + 3600),
        Tick::Switched { from: 0, to: 1 }
    );
    assert_eq!(q[1].started_at, Some(T0 + 600));
    assert_eq!(q[1].ends_at, Some(T0 + 4200));
}

#[test]
fn a_profile_that_ends_while_its_user_is_offline_reads_as_used() {
    let mut q = queue(&[first_logon(HOUR)], T0);
    activate_at_logon(&mut q, T0);
    // Logged off at once; nobody logs on again. The clock alone ends it.
    settle(&mut q, T0 + 3599);
    assert_eq!(q[0].state, State::Active);
    assert_eq!(can_remove(&q, 0), Err(RemoveError::LastActive));
    settle(&mut q, T0 + 3600);
    assert_eq!(q[0].state, State::Used);
    assert_eq!(can_remove(&q, 0), Ok(()), "an ended profile may go");
    // A next profile waiting for a logon does not start without one.
    let mut two = queue(&[first_logon(HOUR), first_logon(HOUR)], T0);
    activate_at_logon(&mut two, T0);
    settle(&mut two, T0 + 5 * HOUR as i64);
    assert_eq!((two[0].state, two[1].state), (State::Used, State::Waiting));
    assert_eq!(two[1].started_at, None);
}

#[test]
fn access_runs_out_at_the_end_of_the_chain() {
    let now_clock = |v| ProfileClock {
        validity_secs: Some(v),
        starts: Starts::Now,
    };
    let mut q = queue(&[first_logon(HOUR), first_logon(2 * HOUR)], T0);
    assert_eq!(runs_out_at(&q), None, "nothing active");
    activate_at_logon(&mut q, T0);
    assert_eq!(runs_out_at(&q), Some(T0 + 3 * HOUR as i64));
    // A "now" profile keeps its own end: it extends the chain only past the current end.
    q.push(assign(3, 3, now_clock(10 * HOUR), T0));
    assert_eq!(runs_out_at(&q), Some(T0 + 10 * HOUR as i64));
    q.push(assign(4, 4, first_logon(HOUR), T0));
    assert_eq!(runs_out_at(&q), Some(T0 + 11 * HOUR as i64));
    let mut short = queue(&[first_logon(HOUR)], T0);
    activate_at_logon(&mut short, T0);
    short.push(assign(2, 2, now_clock(60), T0));
    assert_eq!(runs_out_at(&short), Some(T0 + 3600), "ran out first");
    short.push(assign(
        3,
        3,
        ProfileClock {
            validity_secs: None,
            starts: Starts::FirstLogon,
        },
        T0,
    ));
    assert_eq!(runs_out_at(&short), None, "unlimited after");
}

#[test]
fn unlimited_validity_never_ends() {
    let mut q = queue(
        &[ProfileClock {
            validity_secs: None,
            starts: Starts::FirstLogon,
        }],
        T0,
    );
    activate_at_logon(&mut q, T0);
    assert_eq!(q[0].ends_at, None);
    assert_eq!(on_tick(&mut q, i64::MAX - 1), Tick::Continue(0));
}

#[test]
fn the_last_profile_can_be_removed_only_while_inactive() {
    let mut q = queue(&[first_logon(HOUR)], T0);
    assert_eq!(can_remove(&q, 0), Ok(()), "inactive: may go");
    activate_at_logon(&mut q, T0);
    assert_eq!(can_remove(&q, 0), Err(RemoveError::LastActive));
    let mut two = queue(&[first_logon(HOUR), first_logon(HOUR)], T0);
    activate_at_logon(&mut two, T0);
    assert_eq!(can_remove(&two, 0), Ok(()), "not the last one");
    assert_eq!(can_remove(&two, 1), Ok(()));
    assert_eq!(can_remove(&two, 7), Err(RemoveError::NotFound));
}

#[derive(Debug, Clone)]
enum Op {
    Logon(u32),
    Tick(u32),
    Settle(u32),
    Assign(Option<u64>, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u32..20_000).prop_map(Op::Logon),
        (0u32..20_000).prop_map(Op::Tick),
        (0u32..20_000).prop_map(Op::Settle),
        (proptest::option::of(1u64..30_000), any::<bool>()).prop_map(|(v, now)| Op::Assign(v, now)),
    ]
}

proptest! {
    #[test]
    fn invariants_hold_over_random_histories(ops in proptest::collection::vec(op(), 1..60)) {
        let mut q: Vec<Assignment> = Vec::new();
        let mut now = T0;
        let mut fixed_ends: std::collections::HashMap<i64, i64> = Default::default();
        for o in ops {
            match o {
                Op::Logon(dt) => { now += i64::from(dt); activate_at_logon(&mut q, now); }
                Op::Tick(dt) => { now += i64::from(dt); on_tick(&mut q, now); }
                Op::Settle(dt) => {
                    now += i64::from(dt);
                    settle(&mut q, now);
                    // Settled: nothing unused is past its end, and settling again changes nothing.
                    prop_assert!(q.iter().all(|a| a.state == State::Used || a.ends_at.is_none_or(|e| e > now)));
                    let again = { let mut c = q.clone(); settle(&mut c, now); c };
                    prop_assert_eq!(&again, &q);
                }
                Op::Assign(validity, starts_now) => {
                    let starts = if starts_now { Starts::Now } else { Starts::FirstLogon };
                    let id = q.len() as i64 + 1;
                    q.push(assign(id, id, ProfileClock { validity_secs: validity, starts }, now));
                }
            }
            // At most one profile is active.
            prop_assert!(q.iter().filter(|a| a.state == State::Active).count() <= 1);
            for a in &q {
                // An end time, once known, never moves.
                if let Some(end) = a.ends_at {
                    let first = *fixed_ends.entry(a.id).or_insert(end);
                    prop_assert_eq!(first, end);
                }
                // An active profile has started and has not reached its end.
                if a.state == State::Active {
                    prop_assert!(a.started_at.is_some_and(|s| s <= now));
                    prop_assert!(a.ends_at.is_none_or(|e| e > now));
                }
                // A "now" profile started when it was assigned, whatever happened since.
                if a.clock.starts == Starts::Now {
                    prop_assert_eq!(a.started_at, Some(a.assigned_at));
                }
            }
            // Profiles are used in order: nothing in line ahead of an active or used one.
            let first_waiting = q
                .iter()
                .position(|a| matches!(a.state, State::Waiting | State::Started))
                .unwrap_or(q.len());
            prop_assert!(q[first_waiting..].iter().all(|a| a.state != State::Active));
        }
    }

    #[test]
    fn a_used_profile_never_comes_back(ops in proptest::collection::vec(op(), 1..60)) {
        let mut q: Vec<Assignment> = Vec::new();
        let mut used = std::collections::HashSet::new();
        let mut now = T0;
        for o in ops {
            match o {
                Op::Logon(dt) => { now += i64::from(dt); activate_at_logon(&mut q, now); }
                Op::Tick(dt) => { now += i64::from(dt); on_tick(&mut q, now); }
                Op::Settle(dt) => { now += i64::from(dt); settle(&mut q, now); }
                Op::Assign(validity, _) => {
                    let id = q.len() as i64 + 1;
                    q.push(assign(id, id, first_logon(validity.unwrap_or(1)), now));
                }
            }
            for a in &q {
                if a.state == State::Used { used.insert(a.id); }
                else { prop_assert!(!used.contains(&a.id)); }
            }
        }
    }
}
