//! `hotspotd manager`: the standalone manager server's composition root.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use super::areas::audit::record_system;
use super::auth::master_key;
use super::db::{Db, DbError, Mode};
use super::{ADMIN, ManagerState, app, ensure_admin, reset_admin, serve};

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

/// Runs the manager until SIGINT or SIGTERM. The first start creates the admin account and
/// prints its one-time password on standard output.
pub async fn run(config: ManagerConfig) -> anyhow::Result<()> {
    let tls = match &config.tls {
        Some((cert, key)) => Some(serve::tls_acceptor(cert, key)?),
        None => None,
    };
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
    if tls.is_none() && url.starts_with("https://") {
        tracing::info!("plain HTTP behind a TLS proxy: cookies are Secure");
    }
    tracing::info!(listen = %config.listen, %url, backend = db.backend(), "manager listening");
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
    let state = ManagerState::new(db, &url);
    serve::serve(listener, tls, app(state), shutdown).await;
    Ok(())
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
