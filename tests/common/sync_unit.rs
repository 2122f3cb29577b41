//! A unit's sync task against the manager's real sync code (the manager's router served on
//! loopback): a gateway that is only a store, registration, and polling.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotspotd::store::{SharedStore, Store, Trust};
use hotspotd::sync::register::{Registration, register};
use hotspotd::sync::{Ctx, Running, run};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::manager::{Who, World};
use super::sync_client::token;

/// A running gateway with nobody online that accepts every change.
pub struct Idle;

impl Running for Idle {
    async fn online(&self) -> usize {
        0
    }
    async fn settings_saved(&self) -> Result<(), String> {
        Ok(())
    }
    async fn log_off(&self, _user: i64) -> Result<(), String> {
        Ok(())
    }
}

pub async fn serve(w: &World, addr: std::net::SocketAddr) -> JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let app = w.app.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

/// Polls `check` every 20 ms for up to 30 s.
pub async fn until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A unit registered with the manager served at `addr` for `w`'s first hotspot, its sync task
/// running: its store, the hotspot's voucher key, and what stops it.
pub struct Unit {
    pub _dir: tempfile::TempDir,
    pub store: SharedStore,
    pub voucher_key: Vec<u8>,
    pub cancel: CancellationToken,
    pub task: JoinHandle<()>,
}

pub async fn unit(w: &World, addr: std::net::SocketAddr) -> Unit {
    let (_, secret) = token(w, Who::ResellerA, w.hotspot[0]).await;
    let registration = Registration {
        manager: format!("http://{addr}"),
        token: secret,
        name: "lobby".into(),
        trust: Trust::default(),
    };
    let identity = register(&registration, hotspotd::gateway::now())
        .await
        .unwrap();
    let voucher_key = hex::decode(&identity.voucher_key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("hotspotd.db")).unwrap();
    store.save_identity(&identity).unwrap();
    let store = SharedStore::new(store);
    let cancel = CancellationToken::new();
    let ctx = Ctx {
        gateway: Arc::new(Idle),
        store: store.clone(),
    };
    let task = tokio::spawn(run(ctx, None, cancel.clone()));
    Unit {
        _dir: dir,
        store,
        voucher_key,
        cancel,
        task,
    }
}

pub async fn loopback() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}
