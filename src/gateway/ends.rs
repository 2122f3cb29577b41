//! Ending sessions: one or many at once, their final counters read with their kernel removal
//! and written before it (a session whose end cannot be written stays online).

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use tracing::{info, warn};

use super::registry::{self, Active, Registry};
use super::users;
use super::{Gateway, GatewayError, local_now, now};
use crate::firewall::Change;
use crate::model::limitation::Usage;
use crate::model::session::TerminateCause;
use crate::store::{SessionProgress, UsageDelta};

impl Gateway {
    /// Ends every session of a user (disabled, or its profiles changed). Returns how many.
    pub async fn end_user_sessions(&self, user_id: i64) -> Result<usize, GatewayError> {
        let mut reg = self.online.lock().await;
        let ends = reg
            .devices_of(user_id)
            .into_iter()
            .map(|a| (a.row.mac.clone(), TerminateCause::AdminReset))
            .collect();
        self.end_many_locked(&mut reg, ends).await
    }

    /// Ends one session. The caller holds the lock.
    pub(super) async fn end_locked(
        &self,
        reg: &mut Registry,
        mac: &str,
        cause: TerminateCause,
    ) -> Result<bool, GatewayError> {
        let ended = self
            .end_many_locked(reg, vec![(mac.to_string(), cause)])
            .await?;
        Ok(ended == 1)
    }

    /// Ends sessions: their ends are written first (a device is never cut off unless the
    /// database says so: after a restart it stays off), then they leave the kernel in one
    /// batch whose echo carries their counters' last numbers, and those final bytes are
    /// written and charged to their users. A user whose last device leaves is forgotten (with
    /// its quota objects). If the ends cannot be written (disk full) nothing changes and the
    /// error says so; if the kernel refuses, the table is rebuilt without them.
    pub(super) async fn end_many_locked(
        &self,
        reg: &mut Registry,
        ends: Vec<(String, TerminateCause)>,
    ) -> Result<usize, GatewayError> {
        let leaving: Vec<(Active, TerminateCause)> = ends
            .into_iter()
            .filter_map(|(mac, cause)| reg.remove_session(&mac).map(|a| (a, cause)))
            .collect();
        if leaving.is_empty() {
            return Ok(0);
        }
        let now = now();
        let records: Vec<_> = leaving.iter().map(|(a, c)| (a.progress(), *c)).collect();
        let written = self
            .store
            .run(move |s| {
                records.iter().try_for_each(|(progress, cause)| {
                    s.end_session(progress, *cause, now).map(drop)
                })
            })
            .await;
        if let Err(e) = written {
            leaving.into_iter().for_each(|(a, _)| reg.insert_session(a));
            return Err(e.into());
        }
        let changes = revocations(reg, &leaving);
        let results = self.firewall.change_many(changes).await;
        let local = local_now();
        let mut first_error = None;
        let mut finals = Vec::new();
        let mut usage = Vec::new();
        for ((mut a, cause), result) in leaving.into_iter().zip(results) {
            let fresh = match result {
                Ok(removed) => removed
                    .iter()
                    .find(|l| l.session_id == a.row.id)
                    .map(|last| a.settle(last, local.unix))
                    .unwrap_or_default(),
                Err(e) => {
                    // Ended in the database: the next tick rebuilds the table without it.
                    warn!(mac = a.row.mac, error = %e, "kernel refused to remove an ended session; rebuilding the table");
                    self.request_repair();
                    first_error.get_or_insert(e);
                    Usage::default()
                }
            };
            // Online time since the last tick counts too (the tick would have added it).
            let charge = Usage {
                uptime: u64::try_from(local.unix - a.last_tick).unwrap_or(0),
                ..fresh
            };
            self.metrics
                .bytes_up
                .fetch_add(charge.up, Ordering::Relaxed);
            self.metrics
                .bytes_down
                .fetch_add(charge.down, Ordering::Relaxed);
            if let Some(state) = reg.users.get_mut(&a.row.user_id) {
                usage.extend(users::accumulate(state, charge, local));
            }
            finals.push(a.progress());
            self.metrics.session_ended(cause.as_str());
            info!(mac = a.row.mac, ip = %a.ip, session = a.row.id, user = a.row.user_id, cause = cause.as_str(),
                  bytes_up = a.bytes_up(), bytes_down = a.bytes_down(), "session ended");
            if !reg.has_devices(a.row.user_id) {
                reg.users.remove(&a.row.user_id);
            }
        }
        let ended = finals.len();
        self.write_finals(reg, finals, usage).await;
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(ended),
        }
    }

    /// Writes ended sessions' final bytes and the usage they charged; kept for the next tick
    /// if the write fails (their ends are already recorded).
    pub(super) async fn write_finals(
        &self,
        reg: &mut Registry,
        finals: Vec<SessionProgress>,
        usage: Vec<UsageDelta>,
    ) {
        let (f, u) = (finals.clone(), usage.clone());
        if let Err(e) = self
            .store
            .run(move |s| {
                s.record_final(&f)?;
                s.add_usage(&u)
            })
            .await
        {
            warn!(error = %e, "cannot write the final bytes of ended sessions; retrying next tick");
            reg.unsaved_ends.extend(finals);
            reg.unsaved_usage.extend(usage);
        }
    }
}

/// Kernel removals of leaving sessions. The quota objects go with the user's last device: the
/// last of its leaving sessions, when none stays online.
fn revocations(reg: &Registry, leaving: &[(Active, TerminateCause)]) -> Vec<Change> {
    let mut still_leaving: HashMap<i64, usize> = HashMap::new();
    for (a, _) in leaving {
        *still_leaving.entry(a.row.user_id).or_default() += 1;
    }
    leaving
        .iter()
        .map(|(a, _)| {
            let uid = a.row.user_id;
            let applied = reg
                .users
                .get(&uid)
                .map(|u| u.applied.clone())
                .unwrap_or_default();
            let after = still_leaving.get_mut(&uid).map(|n| {
                *n -= 1;
                *n
            });
            let last = !reg.has_devices(uid) && after == Some(0);
            Change::Revoke(registry::revoke(a, &applied, last, true))
        })
        .collect()
}
