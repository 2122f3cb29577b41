//! The portal's connection handling. Guests are untrusted clients of this server: one guest
//! holding many half-open connections (slowloris) must not use up the daemon's file
//! descriptors, which enforcement and firewall repair need too. So connections are capped per
//! address and in total (below the file limit, with a reserve), headers must arrive within
//! a few seconds, and no connection lives long.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;
use tracing::{debug, warn};

/// A request's headers (and, on a kept-alive connection, the next request's) must arrive
/// within this time; an idle connection is closed after it too.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// No connection lives longer (a slow request body, a client reading answers slowly). Portal
/// pages are small; a browser simply opens a new connection.
pub const MAX_CONNECTION_LIFE: Duration = Duration::from_secs(60);

/// Connections one address may hold: far above what real guests use (browsers open up to 6
/// per host; a captive popup, a browser and the OS's probes together stay well below), so only
/// a flood meets it. What guards the daemon's descriptors is the total below.
pub const PER_ADDRESS: usize = 128;

/// File descriptors kept free of portal connections for everything else (database,
/// netlink sockets of enforcement and firewall repair, packet capture, `nft` children).
pub const FD_RESERVE: u64 = 256;

/// Most portal connections at once, whatever the file limit.
const TOTAL_MAX: usize = 8192;

/// After a failed `accept` (e.g. out of descriptors), wait before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// Counts open portal connections per address and in total (all listeners share one).
pub struct ConnectionLimiter {
    per_address: usize,
    total: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One admitted connection; its slot is freed when dropped.
pub struct Slot {
    limiter: Arc<ConnectionLimiter>,
    ip: IpAddr,
}

impl ConnectionLimiter {
    /// Caps for a process whose file limit is `fd_limit`.
    pub fn for_fd_limit(fd_limit: u64) -> Self {
        let room = usize::try_from(fd_limit.saturating_sub(FD_RESERVE)).unwrap_or(TOTAL_MAX);
        ConnectionLimiter::new(PER_ADDRESS, room.clamp(1, TOTAL_MAX))
    }

    /// Caps as given.
    pub fn new(per_address: usize, total: usize) -> Self {
        ConnectionLimiter {
            per_address,
            total,
            open: Mutex::new((0, HashMap::new())),
        }
    }

    /// The total cap.
    pub fn total(&self) -> usize {
        self.total
    }

    /// A slot for a connection from `ip`, or `None` when it or everyone is at the cap.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (total, per) = &mut *open;
        let mine = per.entry(ip).or_default();
        if *total >= self.total || *mine >= self.per_address {
            if *mine == 0 {
                per.remove(&ip);
            }
            return None;
        }
        *mine += 1;
        *total += 1;
        Some(Slot {
            limiter: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.limiter.open.lock().unwrap_or_else(|p| p.into_inner());
        let (total, per) = &mut *open;
        *total -= 1;
        if let Some(n) = per.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                per.remove(&self.ip);
            }
        }
    }
}

/// The soft limit on open files of this process.
pub fn fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 1024;
    }
    lim.rlim_cur
}

/// Serves `app` on `listener` until `cancel` fires, within `limiter`'s caps.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limiter: Arc<ConnectionLimiter>,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                warn!(error = %e, "portal cannot accept a connection");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        // Over a cap: closed at once (dropping the stream), costing the descriptor only
        // for this moment.
        let Some(slot) = limiter.admit(peer.ip()) else {
            debug!(%peer, "portal connection over the cap closed");
            continue;
        };
        let app = app.clone();
        let stop = cancel.clone();
        connections.spawn(async move {
            serve_connection(stream, peer, app, stop).await;
            drop(slot);
        });
    }
    connections.close();
    connections.wait().await;
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    cancel: CancellationToken,
) {
    // Handlers learn the guest's address as under `axum::serve`'s `ConnectInfo`.
    let service = service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let outcome = tokio::select! {
        r = conn.as_mut() => Some(r),
        () = tokio::time::sleep(MAX_CONNECTION_LIFE) => None,
        () = cancel.cancelled() => None,
    };
    if outcome.is_none() {
        // Let an answer in progress finish, briefly.
        conn.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
    } else if let Some(Err(e)) = outcome {
        debug!(%peer, error = %e, "portal connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_address_and_in_total_and_frees_slots() {
        let limiter = Arc::new(ConnectionLimiter::new(2, 3));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        let a1 = limiter.admit(a).unwrap();
        let _a2 = limiter.admit(a).unwrap();
        assert!(limiter.admit(a).is_none(), "per-address cap");
        let _b1 = limiter.admit(b).unwrap();
        assert!(limiter.admit(c).is_none(), "total cap");
        drop(a1);
        assert!(limiter.admit(c).is_some(), "a freed slot is reusable");
    }

    #[test]
    fn the_total_leaves_a_reserve_below_the_file_limit() {
        assert_eq!(ConnectionLimiter::for_fd_limit(1024).total(), 768);
        assert_eq!(ConnectionLimiter::for_fd_limit(1 << 20).total(), TOTAL_MAX);
        assert_eq!(ConnectionLimiter::for_fd_limit(100).total(), 1);
    }
}
