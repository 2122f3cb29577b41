//! The enforcement loop: once a second, kernel counters and the clock become decisions. Per
//! user: usage is counted into limitation periods, the profile queue moves on at the active
//! profile's end (seamlessly, or logging the user off), limits are re-evaluated (uptime,
//! transfer, windows) and new kernel limits installed when they changed. Per device: session
//! and idle timeouts. A table someone removed is rebuilt from the database.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::registry::{Registry, UserState, clock_of};
use super::users::{accumulate, load_state, switches};
use super::{Gateway, GatewayError, local_now};
use crate::firewall::{KernelCounters, down_counter, up_counter};
use crate::model::calendar::LocalTime;
use crate::model::limitation::{LimitReached, Usage};
use crate::model::profile::{Tick, on_tick};
use crate::model::session::TerminateCause;
use crate::store::UsageDelta;

/// Deadlines are met within one tick: a second while the gateway is small.
const TICK: Duration = Duration::from_secs(1);
/// Sessions read per second at most: a tick with 10,000 sessions costs ~130 ms of CPU (the
/// kernel's object dump alone ~65 ms: it re-walks the object list for every 32 KiB part it
/// sends), so a big gateway ticks less often rather than spend a core on it.
const SESSIONS_PER_SECOND: usize = 2_500;
/// The slowest tick. Rates and quotas are policed by the kernel per packet whatever the tick;
/// the tick bounds how late idle, session, validity and window ends are noticed.
const LONGEST_TICK: Duration = Duration::from_secs(5);

/// From this many sessions on, free heap memory is returned after every tick.
const TRIM_FROM_SESSIONS: usize = 1_000;

/// Time between ticks with `sessions` online.
pub fn tick_period(sessions: usize) -> Duration {
    let secs = sessions.div_ceil(SESSIONS_PER_SECOND).max(1);
    (TICK * u32::try_from(secs).unwrap_or(u32::MAX)).min(LONGEST_TICK)
}

/// Runs ticks until cancelled. Errors are logged and retried next tick; never exits early.
pub async fn enforcement_loop(gateway: Arc<Gateway>, cancel: CancellationToken) {
    let mut next = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            // A repair asked for (the table changed behind our back) runs a tick at once.
            _ = async { tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                _ = gateway.repair.notified() => {}
            } } => {
                if let Err(e) = gateway.enforce_tick().await {
                    warn!(error = %e, "enforcement tick failed; retrying next tick");
                }
                let sessions = gateway.online.lock().await.sessions.len();
                if sessions >= TRIM_FROM_SESSIONS {
                    // Each tick builds a map of every counter (tens of thousands of names);
                    // hand the pages back rather than let the arena grow with fragments.
                    crate::memory::release_free_memory();
                }
                // From the tick's start, so the period holds; never in the past (no bursts
                // after a slow tick).
                next = (next + tick_period(sessions)).max(tokio::time::Instant::now());
            }
        }
    }
}

/// Takes in the kernel's counts; returns each user's new traffic and online time.
fn absorb(reg: &mut Registry, k: &KernelCounters, now: i64) -> HashMap<i64, Usage> {
    let mut deltas: HashMap<i64, Usage> = HashMap::new();
    for a in reg.sessions.values_mut() {
        let d = deltas.entry(a.row.user_id).or_default();
        if let Some(&up) = k.counters.get(&up_counter(a.row.id)) {
            if up > a.kernel_up {
                a.last_activity = now;
                d.up += up - a.kernel_up;
            }
            a.kernel_up = up;
        }
        if let Some(&down) = k.counters.get(&down_counter(a.row.id)) {
            d.down += down.saturating_sub(a.kernel_down);
            a.kernel_down = down;
        }
        d.uptime += u64::try_from(now - a.last_tick).unwrap_or(0);
        a.last_tick = now;
    }
    deltas
}

fn cause_of(reason: LimitReached) -> TerminateCause {
    match reason {
        LimitReached::OutsideWindow => TerminateCause::OutsideWindow,
        LimitReached::Uptime => TerminateCause::UptimeLimit,
        LimitReached::Transfer => TerminateCause::QuotaExhausted,
    }
}

/// Which of a user's kernel quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuotaKind {
    Total,
    Up,
    Down,
}

/// What is left of a limitation for one kind of quota, if it limits that kind.
fn left_of(l: &crate::model::limitation::Limitation, u: Usage, kind: QuotaKind) -> Option<u64> {
    match kind {
        QuotaKind::Total => l.transfer_limit.map(|t| t.saturating_sub(u.up + u.down)),
        QuotaKind::Up => l.upload_limit.map(|t| t.saturating_sub(u.up)),
        QuotaKind::Down => l.download_limit.map(|t| t.saturating_sub(u.down)),
    }
}

/// The kernel found a quota exhausted: raises the usage of the limitation it was sized from
/// (the one with the least left of that kind) to its limit. Looser limitations keep their
/// count (a daily cap running out leaves the monthly one as it is).
fn top_up(state: &mut UserState, kinds: &[QuotaKind], now: LocalTime) -> Vec<UsageDelta> {
    let Some(assignment_id) = state.assignment().map(|a| a.id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &kind in kinds {
        let applicable: Vec<(i64, i64, Option<u64>)> = state
            .profile
            .limitations
            .iter()
            .filter(|a| a.window.contains(now))
            .map(|a| {
                let period = a.limitation.reset.period_start(now);
                (
                    a.limitation.id,
                    period,
                    left_of(
                        &a.limitation,
                        state.usage_now(a.limitation.id, period),
                        kind,
                    ),
                )
            })
            .collect();
        let Some(least) = applicable.iter().filter_map(|(_, _, left)| *left).min() else {
            continue;
        };
        for (id, period, left) in applicable {
            let Some(left) = left.filter(|l| *l == least && *l > 0) else {
                continue;
            };
            let delta = match kind {
                QuotaKind::Up => Usage {
                    up: left,
                    ..Usage::default()
                },
                QuotaKind::Total | QuotaKind::Down => Usage {
                    down: left,
                    ..Usage::default()
                },
            };
            let entry = state.usage.entry(id).or_insert((period, Usage::default()));
            if entry.0 != period {
                *entry = (period, Usage::default());
            }
            entry.1.up += delta.up;
            entry.1.down += delta.down;
            out.push(UsageDelta {
                assignment_id,
                limitation_id: id,
                period_start: period,
                usage: delta,
            });
        }
    }
    out
}

/// What a tick decided for one user.
enum Verdict {
    Keep { regrant: bool },
    End(TerminateCause),
}

impl Gateway {
    /// One pass of enforcement.
    pub async fn enforce_tick(&self) -> Result<(), GatewayError> {
        let counters = self.firewall.blocking(|fw| fw.read()).await?;
        let mut reg = self.online.lock().await;
        let local = local_now();
        let now = local.unix;
        let changed = self.repair_wanted.swap(false, Ordering::Relaxed);
        let Some(k) = counters else {
            warn!("our nftables table is gone (ruleset flushed?); rebuilding it from the database");
            return self.repair_locked(&mut reg).await;
        };
        let deltas = absorb(&mut reg, &k, now);
        if changed {
            // Counted first: the rebuild recreates every counter at zero.
            warn!(
                "our nftables table was changed behind our back (or a removal failed); rebuilding it from the database"
            );
            self.repair_locked(&mut reg).await?;
        }
        for d in deltas.values() {
            self.metrics.bytes_up.fetch_add(d.up, Ordering::Relaxed);
            self.metrics.bytes_down.fetch_add(d.down, Ordering::Relaxed);
        }
        let mut usage = Vec::new();
        let mut verdicts = Vec::new();
        let mut queues = Vec::new();
        let mut switched = Vec::new();
        let user_ids: Vec<i64> = reg.users.keys().copied().collect();
        for uid in user_ids {
            let (verdict, new_usage, queue_changed) = self
                .judge_user(
                    &mut reg,
                    uid,
                    deltas.get(&uid).copied().unwrap_or_default(),
                    &k,
                    local,
                )
                .await?;
            usage.extend(new_usage);
            if queue_changed && let Some(u) = reg.users.get(&uid) {
                queues.push(u.queue.clone());
                // Sessions going on under the next profile: their history splits here.
                if let Some(a) = u.assignment() {
                    let sessions: Vec<_> = reg
                        .devices_of(uid)
                        .iter()
                        .map(|d| (d.row.id, d.bytes_up(), d.bytes_down()))
                        .collect();
                    switched.extend(switches(a, &sessions, now));
                }
            }
            verdicts.push((uid, verdict));
        }
        let mut ends = Vec::new();
        for (uid, verdict) in verdicts {
            match verdict {
                Verdict::End(cause) => ends.extend(
                    reg.devices_of(uid)
                        .iter()
                        .map(|a| (a.row.mac.clone(), cause)),
                ),
                Verdict::Keep { regrant: true } => {
                    // The old limits stay in force meanwhile; the signature still differs, so
                    // the next tick tries again. The rest of this tick must still run.
                    if let Err(e) = self.regrant_locked(&mut reg, uid, local).await {
                        warn!(user = uid, error = %e, "could not install new limits; retrying next tick");
                    }
                }
                Verdict::Keep { regrant: false } => {}
            }
        }
        // Devices already ending with their user are not judged again (a set: thousands can
        // end in one tick when a window closes).
        let ending: std::collections::HashSet<String> =
            ends.iter().map(|(mac, _)| mac.clone()).collect();
        let mut device_ends = Vec::new();
        for a in reg.sessions.values() {
            let access_ends = reg
                .users
                .get(&a.row.user_id)
                .and_then(|u| u.access_ends(now));
            if let Some(cause) = clock_of(&a.row, access_ends).verdict(now, a.last_activity, None)
                && !ending.contains(&a.row.mac)
            {
                device_ends.push((a.row.mac.clone(), cause));
            }
        }
        ends.extend(device_ends);
        let progress: Vec<_> = reg
            .sessions
            .values()
            .filter_map(|a| a.unsaved_progress())
            .collect();
        let finals = std::mem::take(&mut reg.unsaved_ends);
        usage.extend(std::mem::take(&mut reg.unsaved_usage));
        if !progress.is_empty() || !usage.is_empty() || !queues.is_empty() || !finals.is_empty() {
            let kept = (finals.clone(), usage.clone());
            let written = self
                .store
                .run(move |s| {
                    s.record_progress(&progress, now)?;
                    s.record_final(&finals)?;
                    s.add_usage(&usage)?;
                    for q in &queues {
                        s.save_assignments(q)?;
                    }
                    s.record_profile_switches(&switched)?;
                    Ok(())
                })
                .await;
            if let Err(e) = written {
                // Counted already: kept until a write succeeds, never counted twice.
                reg.unsaved_ends.extend(kept.0);
                reg.unsaved_usage.extend(kept.1);
                return Err(e.into());
            }
            // Only after the write succeeded: a failed write is retried next tick.
            reg.sessions
                .values_mut()
                .for_each(|a| a.saved = Some(a.progress()));
        } else if !reg.sessions.is_empty() {
            // Quiet guests: counters that changed before their interim was due go now.
            self.store.run(move |s| s.send_owed_interims(now)).await?;
        }
        if !ends.is_empty() {
            self.end_many_locked(&mut reg, ends).await?;
        }
        Ok(())
    }

    /// Rebuilds the table from the registry, keeping what the counters had counted.
    async fn repair_locked(&self, reg: &mut Registry) -> Result<(), GatewayError> {
        reg.sessions.values_mut().for_each(|a| a.fold_counts());
        self.metrics.table_rebuilds.fetch_add(1, Ordering::Relaxed);
        self.rebuild_locked(reg).await
    }

    /// Counts usage, moves the profile queue on and re-evaluates the limits of one user.
    async fn judge_user(
        &self,
        reg: &mut Registry,
        uid: i64,
        delta: Usage,
        k: &KernelCounters,
        local: LocalTime,
    ) -> Result<(Verdict, Vec<UsageDelta>, bool), GatewayError> {
        let Some(state) = reg.users.get_mut(&uid) else {
            return Ok((Verdict::Keep { regrant: false }, Vec::new(), false));
        };
        let usage = accumulate(state, delta, local);
        let mut regrant = false;
        let queue_changed = match on_tick(&mut state.queue, local.unix) {
            Tick::Continue(_) => false,
            Tick::LogOff => {
                return Ok((Verdict::End(TerminateCause::ValidityExpired), usage, true));
            }
            Tick::Switched { to, .. } => {
                info!(
                    user = uid,
                    assignment = state.queue[to].id,
                    "active profile ended; the next one starts"
                );
                let (user, queue) = (state.user.clone(), state.queue.clone());
                let applied = state.applied.clone();
                let loaded = self
                    .store
                    .run(move |s| load_state(s, user, queue, local))
                    .await?;
                match loaded {
                    Some(mut next) => {
                        next.applied = applied;
                        **state = next;
                        regrant = true;
                    }
                    None => {
                        return Ok((Verdict::End(TerminateCause::ValidityExpired), usage, true));
                    }
                }
                true
            }
        };
        if let Err(reason) = state.evaluate(local) {
            return Ok((Verdict::End(cause_of(reason)), usage, queue_changed));
        }
        // The kernel's own quotas are exact: a quota it has exhausted ends the session even if
        // our counting (packets it dropped are not counted) is a few bytes short, and the
        // usage is topped up to the limit so the next login is refused too.
        let q = &state.applied.quotas;
        let exhausted: Vec<QuotaKind> = [
            (QuotaKind::Total, &q.total),
            (QuotaKind::Up, &q.up),
            (QuotaKind::Down, &q.down),
        ]
        .into_iter()
        .filter(|(_, quota)| {
            quota
                .as_ref()
                .is_some_and(|q| k.quotas.get(&q.name).is_some_and(|&used| used >= q.bytes))
        })
        .map(|(kind, _)| kind)
        .collect();
        if !exhausted.is_empty() {
            let mut usage = usage;
            usage.extend(top_up(state, &exhausted, local));
            return Ok((
                Verdict::End(TerminateCause::QuotaExhausted),
                usage,
                queue_changed,
            ));
        }
        regrant |= state.signature(local) != state.applied.signature;
        Ok((Verdict::Keep { regrant }, usage, queue_changed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_gateways_tick_less_often_but_at_least_every_five_seconds() {
        assert_eq!(tick_period(0), TICK);
        assert_eq!(tick_period(SESSIONS_PER_SECOND), TICK);
        assert_eq!(tick_period(SESSIONS_PER_SECOND + 1), 2 * TICK);
        assert_eq!(tick_period(10_000), 4 * TICK);
        assert_eq!(tick_period(1_000_000), LONGEST_TICK);
    }
}
