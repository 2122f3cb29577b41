//! The gateway's core: logins, session ends, restore after restart and the enforcement loop,
//! tying the model, the store and the firewall together.

mod access;
mod addresses;
mod device;
mod enforce;
mod login;
mod operator;
mod orders;
mod registry;
mod restore;
mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Offset;
use thiserror::Error;
use tokio::sync::Mutex as AsyncMutex;
use tracing::info;

use crate::config::Config;
use crate::firewall::{Change, FirewallError, FirewallHandle};
use crate::metrics::{Gauges, Metrics};
use crate::model::calendar::LocalTime;
use crate::model::limitation::Usage;
use crate::model::session::TerminateCause;
use crate::model::throttle::{LoginThrottle, ThrottlePolicy};
use crate::store::{SharedStore, StoreError};

pub use enforce::enforcement_loop;
pub use login::{Credentials, LoginError};
pub use operator::{Device, OperatorError};
pub use orders::{OrderError, OrderProgress};
pub use registry::{Active, ClientView, Registry, UserState};

/// Unix time now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Now, with the machine's local UTC offset (time windows and daily resets are local).
pub fn local_now() -> LocalTime {
    let offset = chrono::Local::now().offset().fix().local_minus_utc();
    LocalTime {
        unix: now(),
        offset,
    }
}

/// A gateway operation failed for a reason that is not the guest's.
#[derive(Debug, Error)]
pub enum GatewayError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The firewall failed.
    #[error(transparent)]
    Firewall(#[from] FirewallError),
    /// The database lost something a session refers to.
    #[error("inconsistent state: {0}")]
    Inconsistent(String),
}

/// Shared state of the running gateway.
pub struct Gateway {
    /// The configuration the daemon started with (interfaces, addresses, paths: changing
    /// those needs a restart).
    pub config: Config,
    /// The configuration in force, replaced by a reload (SIGHUP).
    live: std::sync::RwLock<Arc<Config>>,
    store: SharedStore,
    firewall: FirewallHandle,
    key: Arc<Vec<u8>>,
    /// Held across a whole login or session end, so two changes to one user never interleave.
    online: AsyncMutex<Registry>,
    throttle: Mutex<LoginThrottle>,
    /// Counters for `/metrics` and `status`.
    pub metrics: Metrics,
    /// Devices seen in ARP and DHCP.
    device_table: Mutex<crate::sniff::devices::DeviceTable>,
    /// Walled-garden domain patterns, read by the DNS watcher.
    garden_domains: Arc<std::sync::RwLock<Vec<crate::sniff::names::DomainPattern>>>,
    started_at: i64,
}

impl Gateway {
    /// A gateway with no sessions loaded yet (see [`Gateway::restore`]).
    pub fn new(config: Config, store: SharedStore, firewall: FirewallHandle, key: Vec<u8>) -> Self {
        Gateway {
            live: std::sync::RwLock::new(Arc::new(config.clone())),
            config,
            store,
            firewall,
            key: Arc::new(key),
            online: AsyncMutex::new(Registry::default()),
            throttle: Mutex::new(LoginThrottle::new(ThrottlePolicy::default())),
            metrics: Metrics::default(),
            garden_domains: Arc::default(),
            device_table: Mutex::default(),
            started_at: now(),
        }
    }

    /// The settings in force now (names, terms, timeouts, rates, policies, access lists).
    pub fn settings(&self) -> Arc<Config> {
        self.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the live settings (after a reload was validated).
    pub fn set_settings(&self, config: Config) {
        *self.live.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
    }

    /// Devices and users online, and devices seen.
    pub async fn gauges(&self) -> Gauges {
        let devices_seen = (self.device_table.lock())
            .unwrap_or_else(|p| p.into_inner())
            .len();
        let reg = self.online.lock().await;
        Gauges {
            clients: reg.sessions.len(),
            users: reg.users.len(),
            devices_seen,
        }
    }

    /// The Prometheus exposition.
    pub async fn metrics_text(&self) -> String {
        self.metrics
            .render(self.gauges().await, self.firewall.stats())
    }

    /// The daemon's state for `hotspotd status`.
    pub async fn status(&self) -> serde_json::Value {
        let g = self.gauges().await;
        let m = &self.metrics;
        let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        let (batches, seconds, max) = self.firewall.stats().snapshot();
        let table = self
            .firewall
            .blocking(|fw| fw.table_present())
            .await
            .unwrap_or(false);
        serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "hotspot_name": self.settings().hotspot_name,
            "portal": self.config.portal_url(),
            "uptime_secs": now() - self.started_at,
            "firewall_table_present": table,
            "clients": g.clients,
            "users_online": g.users,
            "logins": load(&m.logins),
            "login_failures": load(&m.login_failures),
            "login_refusals": load(&m.login_refusals),
            "sessions_ended": m.ended(),
            "bytes_up": load(&m.bytes_up),
            "bytes_down": load(&m.bytes_down),
            "table_rebuilds": load(&m.table_rebuilds),
            "firewall_transactions": batches,
            "firewall_mean_ms": if batches > 0 { seconds * 1000.0 / batches as f64 } else { 0.0 },
            "firewall_max_ms": max * 1000.0,
        })
    }

    /// Every connected client, oldest session first.
    pub async fn clients(&self) -> Vec<ClientView> {
        let now = now();
        let reg = self.online.lock().await;
        let mut all: Vec<ClientView> = reg
            .sessions
            .values()
            .filter_map(|a| reg.view(a, now))
            .collect();
        all.sort_by_key(|c| c.session_id);
        all
    }

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
    async fn end_locked(
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

    /// Removes sessions from the kernel in one batch, then records their ends. A user whose
    /// last device leaves is forgotten (with its quota objects). Sessions whose revocation
    /// failed stay registered so the next tick retries (the kernel timeout is the backstop).
    async fn end_many_locked(
        &self,
        reg: &mut Registry,
        ends: Vec<(String, TerminateCause)>,
    ) -> Result<usize, GatewayError> {
        let leaving: Vec<(Active, TerminateCause)> = ends
            .into_iter()
            .filter_map(|(mac, cause)| reg.remove_session(&mac).map(|a| (a, cause)))
            .collect();
        // The quota objects go with the user's last device: the last of its leaving sessions,
        // when none stays online.
        let mut still_leaving: HashMap<i64, usize> = HashMap::new();
        for (a, _) in &leaving {
            *still_leaving.entry(a.row.user_id).or_default() += 1;
        }
        let changes = leaving
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
            .collect();
        let results = self.firewall.change_many(changes).await;
        let now = now();
        let mut first_error = None;
        let mut ended = Vec::new();
        for ((active, cause), result) in leaving.into_iter().zip(results) {
            match result {
                Ok(()) => ended.push((active, cause)),
                Err(e) => {
                    reg.insert_session(active);
                    first_error.get_or_insert(e);
                }
            }
        }
        // Online time since the last tick counts too (the tick would have added it).
        let local = local_now();
        let mut usage = Vec::new();
        for (a, _) in &ended {
            let secs = u64::try_from(local.unix - a.last_tick).unwrap_or(0);
            if let Some(state) = reg.users.get_mut(&a.row.user_id) {
                usage.extend(users::accumulate(
                    state,
                    Usage {
                        uptime: secs,
                        ..Usage::default()
                    },
                    local,
                ));
            }
        }
        let records: Vec<_> = ended.iter().map(|(a, c)| (a.progress(), *c)).collect();
        self.store
            .run(move |s| {
                for (progress, cause) in &records {
                    s.end_session(progress, *cause, now)?;
                }
                s.add_usage(&usage)
            })
            .await?;
        for (a, cause) in &ended {
            self.metrics.session_ended(cause.as_str());
            info!(mac = a.row.mac, ip = %a.ip, session = a.row.id, user = a.row.user_id, cause = cause.as_str(),
                  bytes_up = a.bytes_up(), bytes_down = a.bytes_down(), "session ended");
            if !reg.has_devices(a.row.user_id) {
                reg.users.remove(&a.row.user_id);
            }
        }
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(ended.len()),
        }
    }

    /// Number of devices online.
    pub async fn online_count(&self) -> usize {
        self.online.lock().await.sessions.len()
    }
}
