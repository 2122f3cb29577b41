//! `hotspotd manager`: the standalone manager server's composition root, and the manager
//! embedded in `hotspotd run` (`[manager]` in the gateway's config).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::areas::audit::record_system;
use super::areas::local_unit::{self, Seed};
use super::auth::master_key;
use super::db::{Db, DbError, Mode};
use super::{ADMIN, ManagerState, app, ensure_admin, reset_admin, serve, sync};

/// How the manager is reached and where it keeps its data.
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// PEM certificate chain and private key; plain HTTP without (behind a TLS proxy).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// `sqlite://PATH` or `postgres://…`.
    pub database: String,
    /// The URL users open (cookies are Secure when it is `https://`); default from `listen`.
    pub public_url: Option<String>,
}

impl ManagerConfig {
    fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| {
            let scheme = if self.tls.is_some() { "https" } else { "http" };
            format!("{scheme}://{}", self.listen)
        })
    }
}

async fn open(database: &str) -> anyhow::Result<Db> {
    Db::open(database)
        .await
        .with_context(|| format!("cannot open the manager database {database}"))
}

/// The TLS acceptor of `config`, if it serves HTTPS itself.
pub fn tls(config: &ManagerConfig) -> Result<Option<TlsAcceptor>, serve::ServeError> {
    config
        .tls
        .as_ref()
        .map(|(cert, key)| serve::tls_acceptor(cert, key))
        .transpose()
}

/// Opens the database (creating the admin on the first start, whose one-time password is
/// printed on standard output) and binds the listener.
async fn start(config: &ManagerConfig) -> anyhow::Result<(TcpListener, ManagerState)> {
    let db = open(&config.database).await?;
    let url = config.public_url();
    if let Some(password) = ensure_admin(&db).await? {
        println!(
            "Created the admin account. Log in at {url}/login as {ADMIN} with this one-time \
             password (shown only now; you will choose your own): {password}"
        );
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    if config.tls.is_none() && url.starts_with("https://") {
        tracing::info!("plain HTTP behind a TLS proxy: cookies are Secure");
    }
    tracing::info!(listen = %config.listen, %url, backend = db.backend(), "manager listening");
    db.listen_feed();
    Ok((listener, ManagerState::new(db, &url)))
}

/// Runs the manager until SIGINT or SIGTERM.
pub async fn run(config: ManagerConfig) -> anyhow::Result<()> {
    let tls = tls(&config)?;
    let (listener, state) = start(&config).await?;
    let shutdown = CancellationToken::new();
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let stop = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        stop.cancel();
    });
    super::retention::spawn(state.db.clone(), shutdown.clone());
    serve::serve(listener, tls, app(state), shutdown).await;
    Ok(())
}

/// Longest wait between two tries to start the embedded manager.
const RETRY_MAX: Duration = Duration::from_secs(60);

/// The manager inside `hotspotd run`, until `shutdown`. A manager that cannot start (its
/// database unreachable, e.g. a PostgreSQL server that boots after the gateway, or a file it
/// cannot read) is retried with a growing wait and never stops the gateway: guests keep
/// their internet whatever happens to the management side.
pub async fn embedded(
    config: ManagerConfig,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
    local: Option<(Seed, oneshot::Sender<LocalSync>)>,
) {
    let mut wait = Duration::from_secs(1);
    let (listener, state) = loop {
        match start(&config).await {
            Ok(started) => break started,
            Err(e) => tracing::error!(
                error = format!("{e:#}"),
                retry_in = ?wait,
                "the manager cannot start; the gateway goes on without it"
            ),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = (wait * 2).min(RETRY_MAX);
    };
    if let Some((seed, ready)) = local {
        match serve_local_sync(&state, seed, &shutdown).await {
            Ok(sync) => {
                let _ = ready.send(sync);
            }
            Err(e) => tracing::error!(
                error = format!("{e:#}"),
                "the gateway cannot sync with its own manager; guests are served from its own settings"
            ),
        }
    }
    super::retention::spawn(state.db.clone(), shutdown.clone());
    serve::serve(listener, tls, app(state), shutdown).await;
}

/// Where the gateway reaches its embedded manager, and the token to register with when it is
/// not a unit of it yet.
#[derive(Debug, Clone)]
pub struct LocalSync {
    /// `http://127.0.0.1:PORT`: plain HTTP, loopback only.
    pub url: String,
    /// A one-time registration token, when the gateway must register.
    pub token: Option<String>,
}

/// Serves the sync routes alone on a loopback port of its own (the management listener may be
/// another address, and TLS there), and prepares the embedded hotspot.
async fn serve_local_sync(
    state: &ManagerState,
    seed: Seed,
    shutdown: &CancellationToken,
) -> anyhow::Result<LocalSync> {
    let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .await
        .context("cannot listen on loopback for the gateway's own sync")?;
    let url = format!("http://{}", listener.local_addr()?);
    let token = local_unit::prepare(state, seed)
        .await
        .map_err(|e| anyhow::anyhow!("cannot prepare the embedded hotspot: {e}"))?;
    tokio::spawn(serve::serve(
        listener,
        None,
        sync::router(state.clone()),
        shutdown.clone(),
    ));
    tracing::info!(%url, "the gateway syncs with its own manager over loopback");
    Ok(LocalSync { url, token })
}

/// `hotspotd manager reset-admin`: a new one-time password for the admin, printed.
pub async fn reset_admin_password(database: &str) -> anyhow::Result<String> {
    let db = open(database).await?;
    Ok(reset_admin(&db).await?)
}

/// `hotspotd manager master-key rotate`: a new single-sign-on master key, printed once; the
/// old one stops working at once.
pub async fn rotate_master_key(database: &str) -> anyhow::Result<String> {
    let db = open(database).await?;
    let now = chrono::Utc::now().timestamp();
    Ok(db
        .tx(Mode::Write, move |c| {
            let key = master_key::rotate(c, now)?;
            record_system(c, now, None, "rotate master key", "master key")?;
            Ok::<_, DbError>(key)
        })
        .await?)
}
