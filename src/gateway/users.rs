//! Per-user bookkeeping shared by login, enforcement and restore: loading a user's active
//! profile and usage, counting usage into limitation periods, and replacing kernel limits.

use std::collections::HashMap;

use super::registry::{self, Applied, Registry, UserState};
use super::{Gateway, GatewayError};
use crate::firewall::Change;
use crate::model::calendar::LocalTime;
use crate::model::limitation::{ResetInterval, Usage};
use crate::model::profile::{Assignment, activate_at_logon, active};
use crate::model::session::TerminateCause;
use crate::store::{ProfileSwitch, Store, StoreError, UsageDelta, User};

/// Builds the state of a user whose queue has an active profile: the profile and the usage
/// of each of its limitations in the current period.
pub fn load_state(
    store: &Store,
    user: User,
    mut queue: Vec<Assignment>,
    now: LocalTime,
) -> Result<Option<UserState>, StoreError> {
    // Kept for as long as the user is online: with thousands online, the spare capacity
    // the query's collect left behind (room for 4 where most users hold 1) adds up.
    queue.shrink_to_fit();
    let Some(index) = active(&queue) else {
        return Ok(None);
    };
    let assignment = &queue[index];
    let profile = store
        .profile(assignment.profile_id)?
        .ok_or(StoreError::Corrupt {
            column: "user_profiles.profile_id",
            value: assignment.profile_id.to_string(),
        })?;
    let stored = store.usage(assignment.id)?;
    // Other units' counters are cumulative, so they count against the limits that never
    // reset (a voucher's quota, its online time); periodic ones are kept per unit.
    let remote = store.remote_usage(user.id, assignment)?;
    let usage = profile
        .limitations
        .iter()
        .map(|a| {
            let period = a.limitation.reset.period_start(now);
            let mut used = stored
                .get(&(a.limitation.id, period))
                .copied()
                .unwrap_or_default();
            if a.limitation.reset == ResetInterval::Never {
                used.uptime = used.uptime.saturating_add(remote.uptime);
                used.up = used.up.saturating_add(remote.up);
                used.down = used.down.saturating_add(remote.down);
            }
            (a.limitation.id, (period, used))
        })
        .collect::<HashMap<_, _>>();
    Ok(Some(UserState {
        user,
        queue,
        profile: std::sync::Arc::new(profile),
        usage,
        effective: Default::default(),
        applied: Applied::default(),
    }))
}

/// Sessions (id, bytes up, bytes down so far) going on under `assignment` from `at`: their
/// history records the switch when the assignment is new to them.
pub fn switches(
    assignment: &Assignment,
    sessions: &[(i64, u64, u64)],
    at: i64,
) -> Vec<ProfileSwitch> {
    sessions
        .iter()
        .map(|&(session_id, bytes_up, bytes_down)| ProfileSwitch {
            session_id,
            assignment_id: assignment.id,
            profile_id: assignment.profile_id,
            at,
            bytes_up,
            bytes_down,
        })
        .collect()
}

/// Adds traffic and online time to every limitation in force now, starting a new period's
/// count where the period rolled over. Returns the increments to store.
pub fn accumulate(state: &mut UserState, delta: Usage, now: LocalTime) -> Vec<UsageDelta> {
    let Some(assignment_id) = state.assignment().map(|a| a.id) else {
        return Vec::new();
    };
    if delta == Usage::default() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in state
        .profile
        .limitations
        .iter()
        .filter(|a| a.window.contains(now))
    {
        let period = a.limitation.reset.period_start(now);
        let entry = state
            .usage
            .entry(a.limitation.id)
            .or_insert((period, Usage::default()));
        if entry.0 != period {
            *entry = (period, Usage::default());
        }
        entry.1.uptime += delta.uptime;
        entry.1.up += delta.up;
        entry.1.down += delta.down;
        out.push(UsageDelta {
            assignment_id,
            limitation_id: a.limitation.id,
            period_start: period,
            usage: delta,
        });
    }
    out
}

impl Gateway {
    /// New kernel limits for a user from its current evaluation, with the configured default
    /// rates where its limitations set none.
    pub(super) fn next_applied(&self, state: &UserState, now: LocalTime) -> Applied {
        let mut applied = state.next_applied(now);
        let sessions = &self.hotspot().sessions;
        applied.rate_down_bps = (applied.rate_down_bps).or(sessions.rate_down.map(|r| r.bps()));
        applied.rate_up_bps = (applied.rate_up_bps).or(sessions.rate_up.map(|r| r.bps()));
        applied
    }

    /// Replaces a user's kernel limits on all its devices in one transaction: the devices stay
    /// authorised throughout and keep their connections.
    pub(super) async fn regrant_locked(
        &self,
        reg: &mut Registry,
        user_id: i64,
        now: LocalTime,
    ) -> Result<(), GatewayError> {
        let Some(state) = reg.users.get(&user_id) else {
            return Ok(());
        };
        let next = self.next_applied(state, now);
        let old = state.applied.clone();
        let mut changes = Vec::new();
        let mut updated = state.clone();
        updated.applied = next;
        let macs: Vec<String> = reg
            .devices_of(user_id)
            .iter()
            .map(|a| a.row.mac.clone())
            .collect();
        // Every device out, then every device in: the devices share the user's quota
        // objects, which go with the last revoke and can only be deleted once no device's
        // map entry names them any more.
        let mut grants = Vec::new();
        for mac in &macs {
            if let Some(a) = reg.sessions.get(mac) {
                changes.push(Change::Revoke(registry::revoke(a, &old, true, false)));
                grants.push(Change::Allow(registry::grant(a, &updated, now.unix)));
            }
        }
        changes.extend(grants);
        // The sessions' counters stay and go on counting; only limits and quotas are new.
        self.firewall.change_together(changes).await?;
        reg.insert_user(user_id, *updated);
        Ok(())
    }
}

impl Gateway {
    /// Re-reads a user's queue and usage after an operator changed them (profile assigned or
    /// removed, counters reset) and installs the resulting limits. Returns whether the user is
    /// online; an online user left without any profile is logged off.
    pub async fn reload_user(&self, user_id: i64) -> Result<bool, GatewayError> {
        let mut reg = self.online.lock().await;
        let Some(state) = reg.users.get(&user_id) else {
            return Ok(false);
        };
        let local = super::local_now();
        let (user, applied) = (state.user.clone(), state.applied.clone());
        // The change may make another profile active under the user's sessions.
        let sessions: Vec<_> = reg
            .devices_of(user_id)
            .iter()
            .map(|a| (a.row.id, a.bytes_up(), a.bytes_down()))
            .collect();
        let loaded = self
            .store
            .run(move |s| {
                let mut queue = s.assignments(user_id, local.unix)?;
                if let Some(i) = activate_at_logon(&mut queue, local.unix) {
                    s.record_profile_switches(&switches(&queue[i], &sessions, local.unix))?;
                }
                s.save_assignments(&queue)?;
                load_state(s, user, queue, local)
            })
            .await?;
        match loaded {
            Some(mut fresh) => {
                fresh.applied = applied;
                if fresh.evaluate(local).is_err() {
                    // The next tick ends the sessions with the right cause.
                    reg.insert_user(user_id, fresh);
                    return Ok(true);
                }
                reg.insert_user(user_id, fresh);
                self.regrant_locked(&mut reg, user_id, local).await?;
            }
            None => {
                let ends = reg
                    .devices_of(user_id)
                    .iter()
                    .map(|a| (a.row.mac.clone(), TerminateCause::ValidityExpired))
                    .collect();
                self.end_many_locked(&mut reg, ends).await?;
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::limitation::{LimitReached, Limitation, OutsideWindows, Window};
    use crate::model::profile::{ProfileClock, Starts};
    use crate::store::{NewProfile, SyncedChanges, SyncedUsage, UnitCounters};

    #[test]
    fn a_quota_two_units_exceed_together_is_used_up_at_either() {
        let mut store = Store::open_in_memory().unwrap();
        let quota = Limitation {
            id: 0,
            name: "1k".into(),
            uptime_limit: None,
            download_limit: None,
            upload_limit: None,
            transfer_limit: Some(1000),
            rate_down_bps: None,
            rate_up_bps: None,
            reset: ResetInterval::Never,
        };
        let limitation = store.insert_limitation(&quota).unwrap();
        let clock = ProfileClock {
            validity_secs: Some(86_400),
            starts: Starts::FirstLogon,
        };
        let new = NewProfile {
            name: "q".into(),
            name_for_users: "Q".into(),
            owner: "admin".into(),
            clock,
            price_cents: None,
            shared_users: 1,
            outside_windows: OutsideWindows::Deny,
        };
        let profile = store.insert_profile(&new, 0).unwrap();
        let all_day = Window {
            from: 0,
            till: 86_400,
            weekdays: 127,
        };
        store
            .attach_limitation(profile, limitation, all_day)
            .unwrap();
        let user = store
            .insert_vouchers(&[vec![5; 32]], (profile, clock), None, "", 0)
            .unwrap()[0];
        let now = LocalTime::utc(10_000);
        let mut queue = store.assignments(user, now.unix).unwrap();
        activate_at_logon(&mut queue, now.unix);
        store.save_assignments(&queue).unwrap();
        let here = UsageDelta {
            assignment_id: queue[0].id,
            limitation_id: limitation,
            period_start: 0,
            usage: Usage {
                uptime: 60,
                up: 100,
                down: 500,
            },
        };
        store.add_usage(&[here]).unwrap();
        let load = |store: &Store| {
            let u = store.user(user).unwrap().unwrap();
            let queue = store.assignments(user, now.unix).unwrap();
            load_state(store, u, queue, now).unwrap().unwrap()
        };
        assert!(load(&store).evaluate(now).is_ok(), "600 of 1000 here");

        // Another unit reports 450 bytes, two logins and an earlier first login.
        let merged = SyncedChanges {
            cursor: 1,
            usage: vec![SyncedUsage {
                user: hex::encode([5; 32]),
                profile: "q".into(),
                first_start: 5_000,
                per_unit: vec![UnitCounters {
                    unit_id: 2,
                    bytes_down: 400,
                    bytes_up: 50,
                    uptime_secs: 30,
                    logins: 2,
                    online: 0,
                }],
            }],
            ..Default::default()
        };
        store.apply_synced(&merged, now.unix).unwrap();
        let mut state = load(&store);
        assert_eq!(state.evaluate(now), Err(LimitReached::Transfer));
        assert_eq!(state.user.logins, 2, "the other unit's logins count");
        let a = &store.assignments(user, now.unix).unwrap()[0];
        assert_eq!(
            (a.started_at, a.ends_at),
            (Some(5_000), Some(5_000 + 86_400))
        );
    }
}
