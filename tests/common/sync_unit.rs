//! A unit's sync task in the test process, against a manager router served on loopback: the
//! gateway stand-in, registration with a token, a store, the task, and a session recorded the
//! way the gateway records one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use hotspotd::model::consent::ConsentChoice;
use hotspotd::model::guest::Method;
use hotspotd::model::profile::activate_at_logon;
use hotspotd::model::session::TerminateCause;
use hotspotd::model::settings::Lang;
use hotspotd::store::{GuestVisit, NewSession, SessionProgress, SharedStore, Store, Trust};
use hotspotd::sync::register::{Registration, register};
use hotspotd::sync::{Ctx, Running, run};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::manager::{Who, World};
use super::sync_client::token;

/// A gateway with no one online that accepts every change.
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
    async fn usage_merged(&self, _user: i64) -> Result<(), String> {
        Ok(())
    }
}

/// Serves `app` on `addr` until aborted.
pub async fn serve(app: Router, addr: std::net::SocketAddr) -> JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

/// A free loopback address.
pub fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
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

/// A registered unit whose sync task runs.
pub struct Unit {
    pub store: SharedStore,
    pub voucher_key: Vec<u8>,
    pub cancel: CancellationToken,
    pub task: JoinHandle<()>,
    pub _dir: tempfile::TempDir,
}

impl Unit {
    /// Registers with the manager at `addr` using `token` and starts the sync task.
    pub async fn start(addr: std::net::SocketAddr, token: String) -> Unit {
        let registration = Registration {
            manager: format!("http://{addr}"),
            token,
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
            store,
            voucher_key,
            cancel,
            task,
            _dir: dir,
        }
    }

    /// Stops the sync task.
    pub async fn stop(self) {
        self.cancel.cancel();
        self.task.await.unwrap();
    }
}

/// Logs a guest in with the voucher whose hash is `hash` on `mac`, moves `bytes` and ends the
/// session; returns nothing until all is stored.
pub async fn a_session(store: &SharedStore, hash: Vec<u8>, mac: String, bytes: u64) {
    a_guest_session(store, hash, mac, bytes, None).await
}

/// As [`a_session`], the guest known by `identity` (method and identifier) instead of the
/// voucher.
pub async fn a_guest_session(
    store: &SharedStore,
    hash: Vec<u8>,
    mac: String,
    bytes: u64,
    identity: Option<(Method, String)>,
) {
    store
        .run(move |s| {
            let user = s.user_by_code_hash(&hash)?.expect("voucher");
            let mut queue = s.assignments(user.id, 0)?;
            let now = hotspotd::gateway::now();
            activate_at_logon(&mut queue, now);
            let new = NewSession {
                user_id: user.id,
                profile_id: queue[0].profile_id,
                mac: mac.clone(),
                ip: "10.0.0.9".into(),
                started_at: now,
                session_timeout: 3600,
                idle_timeout: 600,
            };
            let row = s.start_session(&new, &queue, true)?;
            let (method, identifier) =
                identity.unwrap_or((Method::Voucher, format!("voucher {}", user.id)));
            let visit = GuestVisit {
                method,
                identifier,
                verified: true,
                lang: Lang::En,
                mac,
                consents: Vec::<ConsentChoice>::new(),
                at: now,
            };
            s.record_guest_visit(&visit)?;
            let p = SessionProgress {
                id: row.id,
                bytes_up: bytes / 10,
                bytes_down: bytes,
                last_activity_at: now,
            };
            s.end_session(&p, TerminateCause::UserRequest, now + 1)?;
            Ok(())
        })
        .await
        .unwrap();
}

/// A unit registered (with a token reseller A makes) for `w`'s first hotspot at the manager
/// served on `addr`, its sync task running.
pub async fn unit(w: &World, addr: std::net::SocketAddr) -> Unit {
    let (_, secret) = token(w, Who::ResellerA, w.hotspot[0]).await;
    Unit::start(addr, secret).await
}
