//! Profiles, limitations, removals and a reset's pruning from the change feed.

use super::identity::tests::identity;
use super::sessions::tests::setup;
use super::*;
use crate::model::limitation::{Attached, Limitation, OutsideWindows, ResetInterval, Window};
use crate::model::profile::{ProfileClock, Starts};
use crate::model::settings::HotspotSettings;

fn limitation(name: &str, transfer: u64) -> Limitation {
    Limitation {
        id: 0,
        name: name.into(),
        uptime_limit: None,
        download_limit: None,
        upload_limit: None,
        transfer_limit: Some(transfer),
        rate_down_bps: None,
        rate_up_bps: None,
        reset: ResetInterval::Daily,
    }
}

fn profile(name: &str, validity: u64, limits: &[Limitation]) -> SyncedProfile {
    SyncedProfile {
        profile: NewProfile {
            name: name.into(),
            name_for_users: name.to_uppercase(),
            owner: "admin".into(),
            clock: ProfileClock {
                validity_secs: Some(validity),
                starts: Starts::FirstLogon,
            },
            price_cents: None,
            shared_users: 1,
            outside_windows: OutsideWindows::Deny,
        },
        limitations: limits
            .iter()
            .map(|l| Attached {
                limitation: l.clone(),
                window: Window {
                    from: 0,
                    till: 86_400,
                    weekdays: 127,
                },
            })
            .collect(),
    }
}

fn voucher(hash: u8, profile: &str) -> SyncedVoucher {
    SyncedVoucher {
        code_hash: vec![hash; 32],
        profile: profile.into(),
        max_logins: None,
        revoked: false,
    }
}

fn registered() -> Store {
    let (mut store, _, _) = setup();
    store.save_identity(&identity(1)).unwrap();
    store
}

#[test]
fn a_profile_its_limitation_settings_naming_it_and_its_vouchers_apply_in_one_answer() {
    let mut store = registered();
    let doc = HotspotSettings::default()
        .with_field("methods.click.profile", "day")
        .unwrap();
    let changes = SyncedChanges {
        cursor: 3,
        settings: Some((2, doc)),
        profiles: vec![profile("day", 86_400, &[limitation("1GB", 1_000_000_000)])],
        vouchers: vec![voucher(1, "day")],
        ..Default::default()
    };
    let applied = store.apply_synced(&changes, 100).unwrap();
    assert!(applied.skipped.is_empty(), "{:?}", applied.skipped);
    let day = store.profile_by_name("day").unwrap().unwrap();
    assert_eq!(day.name_for_users, "DAY");
    assert_eq!(
        day.limitations[0].limitation.transfer_limit,
        Some(1_000_000_000)
    );
    assert_eq!(
        store
            .hotspot_settings()
            .unwrap()
            .unwrap()
            .methods
            .click
            .profile,
        "day"
    );
    assert!(store.user_by_code_hash(&[1; 32]).unwrap().is_some());

    // Changed in the manager: same row (users keep it), new terms, the limitation swapped.
    let changed = SyncedChanges {
        cursor: 4,
        profiles: vec![profile("day", 7200, &[limitation("2GB", 2_000_000_000)])],
        ..Default::default()
    };
    store.apply_synced(&changed, 101).unwrap();
    let again = store.profile_by_name("day").unwrap().unwrap();
    assert_eq!((again.id, again.clock.validity_secs), (day.id, Some(7200)));
    let names: Vec<_> = again
        .limitations
        .iter()
        .map(|a| &a.limitation.name)
        .collect();
    assert_eq!(names, ["2GB"]);
}

#[test]
fn a_removal_of_what_users_hold_is_kept_reported_and_retried_never_breaking_them() {
    let mut store = registered();
    let gb = limitation("1GB", 1_000_000_000);
    let add = SyncedChanges {
        cursor: 1,
        limitations: vec![limitation("spare", 5)],
        profiles: vec![
            profile("day", 86_400, std::slice::from_ref(&gb)),
            profile("idle", 60, &[]),
        ],
        vouchers: vec![voucher(1, "day")],
        ..Default::default()
    };
    store.apply_synced(&add, 100).unwrap();
    let remove = SyncedChanges {
        cursor: 2,
        profiles_removed: vec!["day".into(), "idle".into()],
        limitations_removed: vec!["1GB".into(), "spare".into()],
        ..Default::default()
    };
    let applied = store.apply_synced(&remove, 101).unwrap();
    // Nobody holds "idle" or "spare": gone. A voucher holds "day", which has "1GB".
    assert!(store.profile_by_name("idle").unwrap().is_none());
    assert!(store.limitation_by_name("spare").unwrap().is_none());
    assert_eq!(applied.kept, ["profile day", "limitation 1GB"]);
    let day = store.profile_by_name("day").unwrap().unwrap();
    assert_eq!(day.limitations.len(), 1, "the voucher's rules are intact");
    assert_eq!(
        store.sync_kept_removals().unwrap(),
        ["profile day", "limitation 1GB"]
    );
    // The manager makes "day" again: no longer a removal.
    let back = SyncedChanges {
        cursor: 3,
        profiles: vec![profile("day", 86_400, &[gb])],
        ..Default::default()
    };
    let applied = store.apply_synced(&back, 102).unwrap();
    assert!(applied.kept.is_empty(), "{:?}", applied.kept);
}

#[test]
fn a_reset_prunes_what_the_manager_made_and_lacks_never_local_rows() {
    let mut store = registered();
    let first = SyncedChanges {
        cursor: 1,
        reset: true,
        limitations: vec![limitation("old", 1)],
        profiles: vec![profile("week", 604_800, &[]), profile("gone", 60, &[])],
        vouchers: vec![voucher(1, "week"), voucher(2, "week")],
        ..Default::default()
    };
    store.apply_synced(&first, 100).unwrap();
    let local = store.user_by_code_hash(&[7; 32]).unwrap().unwrap();
    let snapshot = SyncedChanges {
        cursor: 9,
        reset: true,
        profiles: vec![profile("week", 604_800, &[])],
        vouchers: vec![voucher(1, "week")],
        ..Default::default()
    };
    let applied = store.apply_synced(&snapshot, 200).unwrap();
    let two = store.user_by_code_hash(&[2; 32]).unwrap().unwrap();
    assert_eq!(applied.revoked_users, [two.id]);
    assert!(two.disabled_at.is_some());
    let one = store.user_by_code_hash(&[1; 32]).unwrap().unwrap();
    assert!(one.disabled_at.is_none());
    assert!(store.profile_by_name("gone").unwrap().is_none());
    assert!(store.limitation_by_name("old").unwrap().is_none());
    // The local voucher and the local profile "1h" stay.
    let local_now = store.user_by_code_hash(&[7; 32]).unwrap().unwrap();
    assert_eq!(local_now.disabled_at, local.disabled_at);
    assert!(store.profile_by_name("1h").unwrap().is_some());
}

#[test]
fn a_skipped_settings_revision_is_noted_and_the_cursor_moves_on() {
    let mut store = registered();
    let skipped = SyncedChanges {
        cursor: 5,
        settings_skipped: Some("revision 8: unknown field `hologram`".into()),
        vouchers: vec![voucher(1, "1h")],
        ..Default::default()
    };
    store.apply_synced(&skipped, 100).unwrap();
    let state = store.sync_state().unwrap().unwrap();
    assert_eq!(state.cursor, 5);
    assert_eq!(
        state.settings_skipped.as_deref(),
        Some("revision 8: unknown field `hologram`")
    );
    assert!(store.user_by_code_hash(&[1; 32]).unwrap().is_some());
    let readable = SyncedChanges {
        cursor: 6,
        settings: Some((9, HotspotSettings::default())),
        ..Default::default()
    };
    store.apply_synced(&readable, 101).unwrap();
    let state = store.sync_state().unwrap().unwrap();
    assert_eq!((state.applied_revision, state.settings_skipped), (9, None));
}

#[test]
fn other_units_usage_replaces_its_row_and_leaves_this_units_own_out() {
    let mut store = registered();
    let own = store.identity().unwrap().unwrap().unit_id;
    let user = store.user_by_code_hash(&[7; 32]).unwrap().unwrap();
    let report = |other_bytes: i64| SyncedChanges {
        cursor: 1,
        usage: vec![SyncedUsage {
            user: hex::encode([7; 32]),
            profile: "1h".into(),
            first_start: 0,
            per_unit: vec![
                UnitCounters {
                    unit_id: own,
                    bytes_down: 1 << 40,
                    logins: 50,
                    ..Default::default()
                },
                UnitCounters {
                    unit_id: own + 1,
                    bytes_down: other_bytes,
                    logins: 1,
                    ..Default::default()
                },
            ],
        }],
        ..Default::default()
    };
    let changed = |store: &mut Store, bytes, at| store.apply_synced(&report(bytes), at).unwrap();
    assert_eq!(changed(&mut store, 300, 100).usage_users, [user.id]);
    assert_eq!(changed(&mut store, 700, 101).usage_users, [user.id]);
    // The same merge again (this unit's own interims come back in every merge) is nothing
    // to load again.
    assert_eq!(changed(&mut store, 700, 102).usage_users, Vec::<i64>::new());
    let queue = store.assignments(user.id, 102).unwrap();
    let remote = store.remote_usage(user.id, &queue[0]).unwrap();
    assert_eq!(
        remote.down, 700,
        "the newer counters, once; never this unit's own"
    );
    assert_eq!(store.user(user.id).unwrap().unwrap().logins, 1);
    // An account is known by its username; its logins count with its password.
    let ann = store.insert_account("ann", "hash", "", Some(3), 0).unwrap();
    let mut account = report(1);
    account.usage[0].user = "ann".into();
    store.apply_synced(&account, 103).unwrap();
    let (read, hash) = store.account("ann").unwrap().unwrap();
    assert_eq!((read.id, read.logins, hash.as_str()), (ann, 1, "hash"));
    // An unknown user or profile changes nothing.
    let mut stranger = report(5);
    stranger.usage[0].user = "nobody".into();
    store.apply_synced(&stranger, 103).unwrap();
    assert_eq!(store.remote_usage(user.id, &queue[0]).unwrap().down, 700);
}

#[test]
fn other_units_devices_count_only_while_the_manager_is_reachable() {
    let mut store = registered();
    let own = store.identity().unwrap().unwrap().unit_id;
    let user = store.user_by_code_hash(&[7; 32]).unwrap().unwrap().id;
    let merge = |online: &[(i64, i64)], reset: bool| SyncedChanges {
        cursor: 1,
        reset,
        usage: vec![SyncedUsage {
            user: hex::encode([7; 32]),
            profile: "1h".into(),
            first_start: 0,
            per_unit: online
                .iter()
                .map(|&(unit_id, online)| UnitCounters {
                    unit_id,
                    online,
                    ..Default::default()
                })
                .collect(),
        }],
        ..Default::default()
    };
    store.sync_succeeded(100).unwrap();
    store
        .apply_synced(&merge(&[(own, 5), (own + 1, 1), (own + 2, 2)], false), 100)
        .unwrap();
    assert_eq!(
        store.remote_devices_online(user, 100).unwrap(),
        3,
        "the other units' devices, never this unit's own row"
    );
    // Unit own + 2's last session stopped: the merge leaves it out.
    store
        .apply_synced(&merge(&[(own + 1, 1)], false), 101)
        .unwrap();
    assert_eq!(store.remote_devices_online(user, 101).unwrap(), 1);
    // The manager unreachable: the stale count is kept but not counted.
    store.sync_failed("connection refused", 102).unwrap();
    assert_eq!(store.remote_devices_online(user, 102).unwrap(), 0);
    let silent = 101 + REACHABLE_FOR_SECS + 1;
    store.sync_succeeded(101).unwrap();
    assert_eq!(store.remote_devices_online(user, silent).unwrap(), 0);
    assert_eq!(store.remote_devices_online(user, 101).unwrap(), 1);
    // A reset names everyone online elsewhere: nobody else is.
    let empty = SyncedChanges {
        cursor: 2,
        reset: true,
        ..Default::default()
    };
    store.apply_synced(&empty, 103).unwrap();
    assert_eq!(store.remote_devices_online(user, 103).unwrap(), 0);
    store
        .apply_synced(&merge(&[(own + 3, 2)], true), 104)
        .unwrap();
    assert_eq!(store.remote_devices_online(user, 104).unwrap(), 2);
}
