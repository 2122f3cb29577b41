//! `hotspotd run`: start-up order, tasks and shutdown.
//!
//! Order matters for failing closed: signal handlers come first (SIGHUP's default action
//! would kill a daemon that is still starting); the config is validated before anything
//! touches the firewall; the table (with every restored guest) is installed before the portal listens;
//! on exit the table stays, so guests who are not authorised stay held even with no daemon.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::config::{Config, ConfigError, RunningProbe, StatePaths, SystemState};
use crate::control::{self, ReloadLog};
use crate::firewall::{self, Firewall, FirewallHandle, FirewallPolicy};
use crate::gateway::{Gateway, GatewayError, enforcement_loop};
use crate::manager::run::{self as manager, ManagerConfig};
use crate::manager::serve::ServeError;
use crate::model::settings::HotspotSettings;
use crate::portal::{self, PortalState};
use crate::store::{KeyError, SaveError, SharedStore, Store, StoreError, load_or_create_key};
use crate::sync;

mod lan_watch;
mod local_sync;

/// Longest wait for tasks to finish on shutdown.
const DRAIN: Duration = Duration::from_secs(5);

/// The daemon could not start.
#[derive(Debug, Error)]
pub enum DaemonError {
    /// The signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(#[source] std::io::Error),
    /// The config file does not validate.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The data directory could not be created.
    #[error("cannot create data_dir {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The voucher key failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The hotspot settings could not be seeded.
    #[error("cannot seed the hotspot settings: {0}")]
    Seed(#[from] SaveError),
    /// Restoring sessions or installing the table failed.
    #[error("cannot install the firewall table: {0}")]
    Gateway(#[from] GatewayError),
    /// The embedded manager's TLS certificate or key is unusable.
    #[error(
        "config key `manager.tls_cert`/`manager.tls_key`: {0}; fix: give a PEM certificate chain and its private key"
    )]
    ManagerTls(#[from] ServeError),
    /// A socket could not be bound.
    #[error("cannot listen on {what}: {source}")]
    Bind {
        /// Which socket.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The firewall policy a config describes.
pub fn firewall_policy(config: &Config) -> FirewallPolicy {
    FirewallPolicy {
        lans: config.lans.clone(),
        portal_port: config.portal_port,
        wan_interface: Some(config.wan_interface.clone()),
        manager: config.manager.as_ref().map(|m| m.listen),
    }
}

/// The embedded manager of `config`, if any, with its TLS acceptor. A certificate that does
/// not load is the config's mistake: refused (by `run` before anything starts, and by
/// `check-config`). What may heal by itself (the database) is retried while the gateway runs.
pub fn embedded_manager(
    config: &Config,
) -> Result<Option<(ManagerConfig, Option<TlsAcceptor>)>, DaemonError> {
    let Some(m) = &config.manager else {
        return Ok(None);
    };
    let manager = ManagerConfig {
        listen: m.listen,
        tls: m.tls.clone(),
        database: m.database.clone(),
        public_url: m.public_url.clone(),
    };
    let tls = manager::tls(&manager)?;
    Ok(Some((manager, tls)))
}

/// Opens the data directory's database and key (used by `run` and by the voucher commands).
pub fn open_state(paths: &StatePaths) -> Result<(Store, Vec<u8>), DaemonError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&paths.data_dir)
        .map_err(|source| DaemonError::DataDir {
            path: paths.data_dir.display().to_string(),
            source,
        })?;
    let store = Store::open(&paths.database_path())?;
    let key = load_or_create_key(&paths.key_path())?;
    Ok((store, key))
}

/// Raises the soft limit on open files to the hard limit: the default soft limit (1,024) is
/// what a few hundred guests' connections plus enforcement need; the portal's connection caps
/// are set below whatever limit results (see `portal::server`).
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct we own.
    let raised = unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0
        }
    };
    if raised {
        info!(
            open_files = lim.rlim_cur,
            "open-file limit raised to the hard limit"
        );
    } else {
        warn!(error = %std::io::Error::last_os_error(), "cannot raise the open-file limit");
    }
}

/// Runs the gateway with the config at `path` until SIGTERM or SIGINT; SIGHUP re-reads it.
pub async fn run(path: PathBuf) -> Result<(), DaemonError> {
    // Before anything else: from here on a signal is never fatal. One that arrives while the
    // daemon starts waits in its stream and is acted on once the daemon is up.
    let signals = Signals::install().map_err(DaemonError::Signals)?;
    raise_fd_limit();
    let config = Config::load(&path, &SystemState)?;
    let embedded = embedded_manager(&config)?;
    let (mut store, key) = open_state(&config.state_paths())?;
    store.set_interim_secs(config.sync.interim_secs);
    let auto_register = config
        .sync
        .register
        .as_ref()
        .and_then(sync::register::configured);
    let hotspot = settings_in_force(&mut store, &config, &path)?;
    let firewall = FirewallHandle::spawn(Firewall::new(firewall_policy(&config)));
    let portal_addrs = config.portal_addrs();
    let socket_path = config.control_socket.clone();
    let store = SharedStore::new(store);
    let gateway = Arc::new(Gateway::new(config, hotspot, store.clone(), firewall, key));
    let restored = gateway.restore().await?;
    info!(restored, "firewall table installed");
    // The manager closes the sessions it holds open that did not survive the restart.
    store
        .run(|s| {
            let open: Vec<i64> = s.active_sessions()?.iter().map(|r| r.id).collect();
            s.record_unit_started(&open, crate::gateway::now())
        })
        .await?;
    // A change to our table by anyone else is repaired at once (the tick's check remains).
    let watched = gateway.clone();
    if let Err(e) = firewall::watch(None, move |change| watched.table_changed(change)) {
        warn!(error = %e, "cannot watch nftables for changes; the once-a-second check remains");
    }

    let bind = |what: String| move |source| DaemonError::Bind { what, source };
    // One listener per guest network: the firewall redirects each network's HTTP to the
    // gateway's own address there.
    let mut portal_listeners = Vec::with_capacity(portal_addrs.len());
    for (ip, port) in portal_addrs {
        let listener = TcpListener::bind((ip, port))
            .await
            .map_err(bind(format!("portal {ip}:{port}")))?;
        portal_listeners.push(listener);
    }
    let control_listener =
        control::bind(&socket_path).map_err(bind(socket_path.display().to_string()))?;

    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    tracker.spawn(enforcement_loop(gateway.clone(), cancel.clone()));
    let reloads = Arc::new(ReloadLog::default());
    tracker.spawn(control::serve(
        control_listener,
        gateway.clone(),
        reloads.clone(),
        cancel.clone(),
    ));
    let portal_state = PortalState::new(gateway.clone());
    for listener in portal_listeners {
        let (state, stop) = (portal_state.clone(), cancel.clone());
        tracker.spawn(async move {
            if let Err(e) = portal::serve(listener, state, stop).await {
                warn!(error = %e, "portal server stopped");
            }
        });
    }
    if let Some(addr) = gateway.config.metrics_listen {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(bind(format!("metrics {addr}")))?;
        let (gw, st, stop) = (gateway.clone(), store.clone(), cancel.clone());
        tracker.spawn(async move {
            if let Err(e) = serve_metrics(listener, gw, st, stop).await {
                warn!(error = %e, "metrics server stopped");
            }
        });
    }
    lan_watch::spawn(&gateway, &tracker, &cancel);
    let sync = local_sync::context(&gateway, &store);
    let local = match (&embedded, &auto_register) {
        (Some(_), None) => local_sync::seed(&store, &gateway.hotspot()).await?,
        _ => None,
    };
    let (ready, wait_ready) = tokio::sync::oneshot::channel();
    match local {
        Some(_) => tracker.spawn(local_sync::run(sync, wait_ready, cancel.clone())),
        None => tracker.spawn(sync::run(sync, auto_register, cancel.clone())),
    };
    if let Some((config, tls)) = embedded {
        let local = local.map(|seed| (seed, ready));
        tracker.spawn(manager::embedded(config, tls, cancel.clone(), local));
    }
    tracker.close();
    info!(portal = %gateway.config.portal_url(), name = %gateway.hotspot().name, "hotspotd running");

    signals.serve(&gateway, &path, &reloads).await;
    info!("shutting down; the firewall table stays in place (guests stay held or authorised)");
    cancel.cancel();
    if tokio::time::timeout(DRAIN, tracker.wait()).await.is_err() {
        warn!("tasks did not finish within {DRAIN:?}; exiting anyway");
    }
    // The bytes counted since the last tick: the table stays, but a start rebuilds it with
    // fresh counters.
    if let Err(e) = gateway.enforce_tick().await {
        warn!(error = %e, "last accounting before shutdown failed");
    }
    let _ = std::fs::remove_file(&socket_path);
    Ok(())
}

/// `GET /metrics` for Prometheus, on the management side.
async fn serve_metrics(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    store: SharedStore,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let (gw, store) = (gateway.clone(), store.clone());
            async move {
                let mut text = gw.metrics_text().await;
                let now = crate::gateway::now();
                match store.run(move |s| sync::status::read(s, now)).await {
                    Ok(status) => text.push_str(&sync::status::metrics(&status)),
                    Err(e) => warn!(error = %e, "cannot read the sync state for /metrics"),
                }
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4",
                    )],
                    text,
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await
}

/// The signals the daemon acts on, caught from the start.
struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for SIGTERM or SIGINT, reloading the config on every SIGHUP meanwhile (several
    /// while busy, or during start-up, make one reload).
    async fn serve(mut self, gateway: &Gateway, path: &Path, reloads: &ReloadLog) {
        loop {
            tokio::select! {
                _ = self.term.recv() => return,
                _ = self.int.recv() => return,
                _ = self.hup.recv() => reload(gateway, path, reloads).await,
            }
        }
    }
}

/// The hotspot settings from the store. The first start of an install has none: they are
/// seeded once from the config file's old hotspot keys (or the defaults), and from then on
/// those keys are no longer read; while they stay in the file, every start says so.
pub fn settings_in_force(
    store: &mut Store,
    config: &Config,
    path: &Path,
) -> Result<HotspotSettings, DaemonError> {
    if let Some(doc) = store.hotspot_settings()? {
        if let Some(legacy) = &config.legacy {
            warn!("{}", legacy.notice(path));
        }
        return Ok(doc);
    }
    let (seed, source) = match &config.legacy {
        Some(legacy) => (legacy.seed.clone(), "seed-toml"),
        None => (HotspotSettings::default(), "default"),
    };
    // Validated, not cross-checked: an install that started yesterday must start today.
    let saved = match store.save_hotspot_settings(&seed, Some(0), source, crate::gateway::now()) {
        // Seeded meanwhile by a `hotspotd settings` command beside us: that one stands.
        Err(SaveError::Stale { .. }) => {
            return store.hotspot_settings()?.ok_or_else(|| {
                DaemonError::Store(StoreError::Corrupt {
                    column: "hotspot_settings",
                    value: "a revision vanished".into(),
                })
            });
        }
        other => other?,
    };
    if let Some(legacy) = &config.legacy {
        info!(
            revision = saved.revision,
            keys = legacy.keys.join(", "),
            "hotspot settings seeded from the config file"
        );
        warn!("{}", legacy.notice(path));
    }
    Ok(HotspotSettings {
        revision: saved.revision,
        ..seed
    })
}

/// Re-reads the config file: the machine keys all need a restart, so a reload validates the
/// file, says which changed keys wait for one, and keeps guests online. The venue's settings
/// are not in the file any more (`hotspotd settings`). A file that does not validate changes
/// nothing.
async fn reload(gateway: &Gateway, path: &Path, reloads: &ReloadLog) {
    let running = gateway.live_config();
    let own = running.listen_addrs();
    let fresh = match Config::load(path, &RunningProbe { own }) {
        Ok(c) => c,
        Err(e) => {
            warn!(error = %e, "reload refused; the running configuration stays");
            reloads.refused(e.to_string());
            return;
        }
    };
    for key in running.restart_only_changes(&fresh) {
        warn!(
            key,
            "changed in the config file; takes effect after a restart"
        );
    }
    if let Some(legacy) = &fresh.legacy {
        warn!("{}", legacy.notice(path));
    }
    gateway.set_live_config(running.with_live_settings_of(fresh));
    reloads.applied();
    info!("configuration reloaded");
}
