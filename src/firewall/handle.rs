//! The async front of the firewall: callers queue changes, one task drains everything
//! waiting into one transaction per kind, and each caller hears its own result (with the last
//! counts of the sessions it ended); connections whose treatment changed are flushed after.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use super::conntrack;
use super::{
    Change, Firewall, FirewallError, FlowFilter, KernelCounters, down_counter, up_counter,
};
use crate::metrics::ApplyStats;

/// The last numbers of an ended session's counters, read once its transaction made them
/// unreachable (nothing passes uncounted in between).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastCounts {
    /// Session id.
    pub session_id: i64,
    /// Bytes from the device, if the kernel echoed the counter.
    pub up: Option<u64>,
    /// Bytes to the device, if the kernel echoed the counter.
    pub down: Option<u64>,
}

/// The sessions whose counters a change removed, with their last numbers.
pub type Removed = Vec<LastCounts>;

/// The last counts of every session `changes` end, from what `Firewall::apply` read.
fn removed_by(changes: &[Change], last: &KernelCounters) -> Removed {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Revoke(r) if r.ends_session => Some(LastCounts {
                session_id: r.session_id,
                up: last.counters.get(&up_counter(r.session_id)).copied(),
                down: last.counters.get(&down_counter(r.session_id)).copied(),
            }),
            _ => None,
        })
        .collect()
}

type Outcome = Result<Removed, String>;
type Reply = oneshot::Sender<Outcome>;

/// Async front of the firewall: a task that drains every queued change into one batch.
#[derive(Clone)]
pub struct FirewallHandle {
    tx: mpsc::UnboundedSender<(Vec<Change>, Reply)>,
    firewall: Firewall,
    stats: Arc<ApplyStats>,
}

impl FirewallHandle {
    /// Starts the batching task.
    pub fn spawn(firewall: Firewall) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(ApplyStats::default());
        tokio::spawn(batch_loop(firewall.clone(), rx, stats.clone()));
        FirewallHandle {
            tx,
            firewall,
            stats,
        }
    }

    /// Latency of the transactions applied so far.
    pub fn stats(&self) -> &ApplyStats {
        &self.stats
    }

    fn send(&self, changes: Vec<Change>) -> Option<oneshot::Receiver<Outcome>> {
        let (reply, rx) = oneshot::channel();
        self.tx.send((changes, reply)).ok().map(|_| rx)
    }

    async fn wait(rx: Option<oneshot::Receiver<Outcome>>) -> Result<Removed, FirewallError> {
        rx.ok_or(FirewallError::Stopped)?
            .await
            .map_err(|_| FirewallError::Stopped)?
            .map_err(FirewallError::Task)
    }

    /// Applies one change, batched with whatever else is waiting.
    pub async fn change(&self, change: Change) -> Result<Removed, FirewallError> {
        Self::wait(self.send(vec![change])).await
    }

    /// Applies changes that must land in the same transaction (replacing a client's limits:
    /// it is never unauthorised in between). Returns the last counts of the sessions whose
    /// counters it removed.
    pub async fn change_together(&self, changes: Vec<Change>) -> Result<Removed, FirewallError> {
        Self::wait(self.send(changes)).await
    }

    /// Applies independent changes, batched; one result per change, in order.
    pub async fn change_many(&self, changes: Vec<Change>) -> Vec<Result<Removed, FirewallError>> {
        let waiting: Vec<_> = changes.into_iter().map(|c| self.send(vec![c])).collect();
        let mut results = Vec::with_capacity(waiting.len());
        for rx in waiting {
            results.push(Self::wait(rx).await);
        }
        results
    }

    /// Runs a blocking firewall call off the runtime.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, FirewallError>
    where
        T: Send + 'static,
        F: FnOnce(&Firewall) -> Result<T, FirewallError> + Send + 'static,
    {
        let fw = self.firewall.clone();
        tokio::task::spawn_blocking(move || f(&fw))
            .await
            .map_err(|_| FirewallError::Stopped)?
    }
}

async fn batch_loop(
    fw: Firewall,
    mut rx: mpsc::UnboundedReceiver<(Vec<Change>, Reply)>,
    stats: Arc<ApplyStats>,
) {
    while let Some(first) = rx.recv().await {
        let mut pending = vec![first];
        while let Ok(more) = rx.try_recv() {
            pending.push(more);
        }
        let fw = fw.clone();
        let stats = stats.clone();
        let joined = tokio::task::spawn_blocking(move || apply_pending(&fw, pending, &stats)).await;
        if let Err(e) = joined {
            warn!(error = %e, "firewall batch task failed");
        }
    }
}

/// Applies everything waiting: access-list replacements (nft) apart from per-client
/// changes (netlink, which reads removed counters back), each kind as one transaction.
fn apply_pending(fw: &Firewall, pending: Vec<(Vec<Change>, Reply)>, stats: &ApplyStats) {
    let (lists, clients): (Vec<_>, Vec<_>) = pending
        .into_iter()
        .partition(|(c, _)| c.iter().any(|c| matches!(c, Change::Access(_))));
    for group in [clients, lists].into_iter().filter(|g| !g.is_empty()) {
        apply_group(fw, group, stats);
    }
}

/// Applies a group as one transaction; if it fails, applies each caller's changes alone so
/// one bad change cannot block the others, and tells each caller its own result.
fn apply_group(fw: &Firewall, pending: Vec<(Vec<Change>, Reply)>, stats: &ApplyStats) {
    let all: Vec<Change> = pending
        .iter()
        .flat_map(|(c, _)| c.iter().cloned())
        .collect();
    let started = Instant::now();
    let batch_result = fw.apply(&all);
    stats.record(started.elapsed().as_micros() as u64);
    debug!(
        changes = all.len(),
        elapsed_us = started.elapsed().as_micros() as u64,
        ok = batch_result.is_ok(),
        "firewall batch"
    );
    let results: Vec<Outcome> = match batch_result {
        Ok(last) => pending
            .iter()
            .map(|(c, _)| Ok(removed_by(c, &last)))
            .collect(),
        Err(e) if pending.len() == 1 => vec![Err(e.to_string())],
        Err(_) => pending
            .iter()
            .map(|(c, _)| {
                fw.apply(c)
                    .map(|last| removed_by(c, &last))
                    .map_err(|e| e.to_string())
            })
            .collect(),
    };
    let mut flows = FlowFilter::default();
    for ((changes, reply), result) in pending.into_iter().zip(results) {
        for change in changes.iter().filter(|_| result.is_ok()) {
            match change {
                Change::Allow(g) if g.flush_redirected => {
                    flows.redirected.insert(g.ip);
                }
                Change::Revoke(r) if r.ends_session => {
                    flows.clients.insert(r.ip.into());
                    flows.clients.extend(r.ip6.iter().map(|a| IpAddr::from(*a)));
                }
                // A dropped IPv6 address is the device's least recently seen: its flows, if
                // any, end by themselves.
                Change::Allow(_)
                | Change::Revoke(_)
                | Change::DropIpv6(_)
                | Change::Access(_)
                | Change::GardenDns(_) => {}
            }
        }
        // The caller may have gone (guest closed the page); the change stands regardless.
        let _ = reply.send(result);
    }
    // After the replies, off the firewall task: a dump of a busy gateway's connection table
    // takes tens of milliseconds.
    if flows != FlowFilter::default() {
        let netns = fw.nft.netns().map(str::to_string);
        std::thread::spawn(move || conntrack::flush(netns.as_deref(), &flows));
    }
}
