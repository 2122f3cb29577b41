//! The gateway's core: logins, session ends, restore after restart and the enforcement loop,
//! tying the model, the store and the firewall together.

mod access;
mod addresses;
mod assets;
mod device;
mod ends;
mod enforce;
mod guests;
mod login;
mod operator;
mod orders;
mod registry;
mod restore;
mod settings;
mod users;
pub mod vouchers;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Offset;
use thiserror::Error;
use tokio::sync::Mutex as AsyncMutex;

use crate::config::Config;
use crate::firewall::{FirewallError, FirewallHandle, TableChange};
use crate::metrics::{Gauges, Metrics};
use crate::model::calendar::LocalTime;
use crate::model::settings::HotspotSettings;
use crate::model::throttle::{LoginThrottle, ThrottlePolicy};
use crate::store::{SharedStore, StoreError};

pub use crate::delivery::Mail;
pub use enforce::enforcement_loop;
pub use guests::{GuestConsents, GuestLogin, GuestUser};
pub use login::{
    Asked, CodeTexts, Credentials, LoginError, OtpError, PendingView, SocialRefusal, SocialUnit,
};
pub use operator::{Device, OperatorError};
pub use orders::{OrderError, OrderProgress};
pub use registry::{Active, ClientView, Registry, UserState};
pub use settings::{SettingsChangeError, cross_checks, save_settings};

/// Password checks run at once: two keep both cores busy; more only take memory.
const HASHES_AT_ONCE: usize = 2;

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
    /// The machine configuration in force, replaced by a reload (SIGHUP).
    live: std::sync::RwLock<Arc<Config>>,
    /// The venue's settings document in force (name, texts, methods, timeouts, rates, access
    /// lists), replaced by [`Gateway::apply_settings`].
    hotspot: std::sync::RwLock<Arc<HotspotSettings>>,
    store: SharedStore,
    firewall: FirewallHandle,
    key: Arc<Vec<u8>>,
    /// Held across a whole login or session end, so two changes to one user never interleave.
    online: AsyncMutex<Registry>,
    throttle: Mutex<LoginThrottle>,
    /// Password hashes running at once (each takes argon2's 19 MiB).
    hashing: Arc<tokio::sync::Semaphore>,
    /// Counters for `/metrics` and `status`.
    pub metrics: Metrics,
    /// Devices seen in ARP and DHCP.
    device_table: Mutex<crate::sniff::devices::DeviceTable>,
    /// Address claims awaiting confirmation.
    address_watch: addresses::AddressWatch,
    /// Walled-garden domain patterns, read by the DNS watcher.
    garden_domains: Arc<std::sync::RwLock<Vec<crate::model::names::DomainPattern>>>,
    started_at: i64,
    /// Wakes the enforcement loop to check and rebuild the table at once.
    repair: tokio::sync::Notify,
    /// The table must be rebuilt even if it exists (changed behind our back, or a removal
    /// failed).
    repair_wanted: AtomicBool,
}

impl Gateway {
    /// A gateway with no sessions loaded yet (see [`Gateway::restore`]), under the hotspot
    /// settings read from the store.
    pub fn new(
        config: Config,
        hotspot: HotspotSettings,
        store: SharedStore,
        firewall: FirewallHandle,
        key: Vec<u8>,
    ) -> Self {
        let address_watch = addresses::AddressWatch::new(&config.lans);
        let online = Registry::with_pins(addresses::pins_for(&config.lans));
        Gateway {
            live: std::sync::RwLock::new(Arc::new(config.clone())),
            hotspot: std::sync::RwLock::new(Arc::new(hotspot)),
            config,
            store,
            firewall,
            key: Arc::new(key),
            online: AsyncMutex::new(online),
            address_watch,
            throttle: Mutex::new(LoginThrottle::new(ThrottlePolicy::default())),
            hashing: Arc::new(tokio::sync::Semaphore::new(HASHES_AT_ONCE)),
            metrics: Metrics::default(),
            garden_domains: Arc::default(),
            device_table: Mutex::default(),
            started_at: now(),
            repair: tokio::sync::Notify::new(),
            repair_wanted: AtomicBool::new(false),
        }
    }

    /// The machine configuration in force now (the file as last reloaded).
    pub fn live_config(&self) -> Arc<Config> {
        self.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the live machine configuration (after a reload was validated).
    pub fn set_live_config(&self, config: Config) {
        *self.live.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
    }

    /// The venue's settings document in force.
    pub fn hotspot(&self) -> Arc<HotspotSettings> {
        self.hotspot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the venue's settings document (after it was validated and stored; see
    /// [`Gateway::apply_settings`], which also installs what changed).
    pub fn set_hotspot(&self, settings: HotspotSettings) {
        *self.hotspot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(settings);
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
        let mut text = self
            .metrics
            .render(self.gauges().await, self.firewall.stats());
        text.push_str(&self.metrics.codes.render(self.sms_month().await));
        text
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
        let mut status = serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "hotspot_name": self.hotspot().name,
            "settings_revision": self.hotspot().revision,
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
        });
        // Flat, so `status` prints one line per counter.
        if let (Some(all), serde_json::Value::Object(codes)) = (
            status.as_object_mut(),
            m.codes.status(self.sms_month().await),
        ) {
            all.extend(codes);
        }
        status
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

    /// Asks the enforcement loop to rebuild the table now (it was changed behind our back,
    /// or a removal failed).
    pub fn request_repair(&self) {
        self.repair_wanted.store(true, Ordering::Relaxed);
        self.repair.notify_one();
    }

    /// Reacts to what the nftables watcher saw: a foreign change is repaired at once; lost
    /// notifications make the loop check the table now rather than at its next tick.
    pub fn table_changed(&self, change: TableChange) {
        match change {
            TableChange::Foreign => self.request_repair(),
            TableChange::Unknown => self.repair.notify_one(),
        }
    }

    /// Number of devices online.
    pub async fn online_count(&self) -> usize {
        self.online.lock().await.sessions.len()
    }
}
