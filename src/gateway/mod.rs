//! The gateway's core: logins, session ends, restore after restart and the enforcement loop,
//! tying the model, the store and the firewall together.

mod enforce;
mod login;
mod registry;
mod restore;

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use thiserror::Error;
use tokio::sync::Mutex as AsyncMutex;
use tracing::info;

use crate::config::Config;
use crate::firewall::{Change, FirewallError, FirewallHandle};
use crate::model::session::TerminateCause;
use crate::model::throttle::{LoginThrottle, ThrottlePolicy};
use crate::store::{SharedStore, StoreError};

pub use enforce::enforcement_loop;
pub use login::LoginError;
pub use registry::{Active, ClientView, Registry};

/// Unix time now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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
}

/// True when another session of `a`'s voucher is in `leaving` after `a`: the quota object must
/// outlive `a`'s revocation and go with the last one.
fn leaving_later(leaving: &[(Active, TerminateCause)], a: &Active) -> bool {
    let pos = leaving.iter().position(|(x, _)| x.row.id == a.row.id);
    leaving
        .iter()
        .skip(pos.map_or(0, |p| p + 1))
        .any(|(x, _)| x.row.voucher_id == a.row.voucher_id)
}

/// Shared state of the running gateway.
pub struct Gateway {
    /// The validated configuration.
    pub config: Config,
    store: SharedStore,
    firewall: FirewallHandle,
    key: Arc<Vec<u8>>,
    /// Held across a whole login or session end, so two changes to one device never interleave.
    sessions: AsyncMutex<Registry>,
    throttle: Mutex<LoginThrottle>,
}

impl Gateway {
    /// A gateway with no sessions loaded yet (see [`Gateway::restore`]).
    pub fn new(config: Config, store: SharedStore, firewall: FirewallHandle, key: Vec<u8>) -> Self {
        Gateway {
            config,
            store,
            firewall,
            key: Arc::new(key),
            sessions: AsyncMutex::new(Registry::default()),
            throttle: Mutex::new(LoginThrottle::new(ThrottlePolicy::default())),
        }
    }

    /// The session of the device at `ip`, if it is online.
    pub async fn client_by_ip(&self, ip: Ipv4Addr) -> Option<ClientView> {
        let now = now();
        self.sessions.lock().await.by_ip(ip).map(|a| a.view(now))
    }

    /// Every connected client, oldest session first.
    pub async fn clients(&self) -> Vec<ClientView> {
        let now = now();
        let mut all: Vec<ClientView> = self
            .sessions
            .lock()
            .await
            .iter()
            .map(|a| a.view(now))
            .collect();
        all.sort_by_key(|c| c.session_id);
        all
    }

    /// Logs out the device at `ip` (guest's own request).
    pub async fn logout(&self, ip: Ipv4Addr) -> Result<bool, GatewayError> {
        let mut reg = self.sessions.lock().await;
        let Some(mac) = reg.by_ip(ip).map(|a| a.row.mac.clone()) else {
            return Ok(false);
        };
        self.end_locked(&mut reg, &mac, TerminateCause::UserRequest)
            .await
    }

    /// Ends the session of `mac` at once (operator's `kick`).
    pub async fn kick(&self, mac: &str) -> Result<bool, GatewayError> {
        let mut reg = self.sessions.lock().await;
        self.end_locked(
            &mut reg,
            &mac.to_ascii_lowercase(),
            TerminateCause::AdminReset,
        )
        .await
    }

    /// Ends every session of a voucher (it was revoked). Returns how many ended.
    pub async fn end_voucher_sessions(&self, voucher_id: i64) -> Result<usize, GatewayError> {
        let mut reg = self.sessions.lock().await;
        let macs: Vec<String> = reg
            .iter()
            .filter(|a| a.row.voucher_id == voucher_id)
            .map(|a| a.row.mac.clone())
            .collect();
        let ends = macs
            .into_iter()
            .map(|mac| (mac, TerminateCause::AdminReset))
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

    /// Removes sessions from the kernel in one batch, then records their ends in one go.
    /// Sessions whose revocation failed stay registered so the next tick retries (the kernel
    /// timeout is the backstop meanwhile). Returns how many ended.
    async fn end_many_locked(
        &self,
        reg: &mut Registry,
        ends: Vec<(String, TerminateCause)>,
    ) -> Result<usize, GatewayError> {
        let mut leaving = Vec::new();
        for (mac, cause) in ends {
            if let Some(active) = reg.remove(&mac) {
                leaving.push((active, cause));
            }
        }
        let changes = leaving
            .iter()
            .map(|(a, _)| {
                let last_of_voucher =
                    reg.voucher_devices(a.row.voucher_id) == 0 && !leaving_later(&leaving, a);
                Change::Revoke(a.revoke(last_of_voucher))
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
                    reg.insert(active);
                    first_error.get_or_insert(e);
                }
            }
        }
        let records: Vec<_> = ended.iter().map(|(a, c)| (a.progress(), *c)).collect();
        self.store
            .run(move |s| {
                for (progress, cause) in &records {
                    s.end_session(progress, *cause, now)?;
                }
                Ok(())
            })
            .await?;
        for (a, cause) in &ended {
            info!(mac = a.row.mac, ip = %a.ip, session = a.row.id, cause = cause.as_str(),
                  bytes_up = a.bytes_up(), bytes_down = a.bytes_down(), "session ended");
        }
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(ended.len()),
        }
    }

    /// Number of devices online.
    pub async fn online_count(&self) -> usize {
        self.sessions.lock().await.len()
    }
}
