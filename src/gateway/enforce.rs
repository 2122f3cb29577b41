//! The enforcement loop: once a second, kernel counters and the clock become decisions (idle,
//! session timeout, validity, quota), progress is written to the database, and a table that
//! someone removed is rebuilt from the database.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use super::registry::Active;
use super::{Gateway, GatewayError, now};
use crate::firewall::{KernelCounters, down_counter, quota_name, up_counter};

/// Deadlines are met within this period.
const TICK: Duration = Duration::from_secs(1);

/// Runs ticks until cancelled. Errors are logged and retried next tick; never exits early.
pub async fn enforcement_loop(gateway: Arc<Gateway>, cancel: CancellationToken) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = interval.tick() => {
                if let Err(e) = gateway.enforce_tick().await {
                    warn!(error = %e, "enforcement tick failed; retrying next tick");
                }
            }
        }
    }
}

/// Folds kernel counts into the session's base before the kernel objects are recreated at
/// zero, and carries the quota usage over.
fn fold_counts(a: &mut Active) {
    a.row.bytes_up += a.kernel_up;
    a.row.bytes_down += a.kernel_down;
    a.kernel_up = 0;
    a.kernel_down = 0;
    if let (Some(q), Some(left)) = (a.quota.as_mut(), a.quota_left) {
        q.used_bytes = q.limit_bytes.saturating_sub(left);
    }
}

/// Takes in the kernel's counts for one session; true when the device sent something.
fn absorb(a: &mut Active, k: &KernelCounters, now: i64) {
    if let Some(&up) = k.counters.get(&up_counter(a.row.id)) {
        if up > a.kernel_up {
            a.last_activity = now;
        }
        a.kernel_up = up;
    }
    if let Some(&down) = k.counters.get(&down_counter(a.row.id)) {
        a.kernel_down = down;
    }
    if let Some(q) = &a.quota
        && let Some(&used) = k.quotas.get(&quota_name(q.voucher_id))
    {
        a.quota_left = Some(q.limit_bytes.saturating_sub(used));
    }
}

impl Gateway {
    /// One pass of enforcement.
    pub async fn enforce_tick(&self) -> Result<(), GatewayError> {
        let counters = self.firewall.blocking(|fw| fw.read()).await?;
        let mut reg = self.sessions.lock().await;
        let now = now();
        let Some(k) = counters else {
            warn!("our nftables table is gone (ruleset flushed?); rebuilding it from the database");
            reg.iter_mut().for_each(fold_counts);
            return self.rebuild_locked(&reg).await;
        };
        let mut ends = Vec::new();
        for a in reg.iter_mut() {
            absorb(a, &k, now);
            if let Some(cause) = a.clock.verdict(now, a.last_activity, a.quota_left) {
                ends.push((a.row.mac.clone(), cause));
            }
        }
        let progress: Vec<_> = reg.iter().filter_map(Active::unsaved_progress).collect();
        if !progress.is_empty() {
            self.store
                .run(move |s| s.record_progress(&progress))
                .await?;
            // Only after the write succeeded: a failed write is retried next tick.
            reg.iter_mut().for_each(|a| a.saved = Some(a.progress()));
        }
        if !ends.is_empty() {
            self.end_many_locked(&mut reg, ends).await?;
        }
        Ok(())
    }
}
