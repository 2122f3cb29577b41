//! Packet capture on the LAN interface (pnet, AF_PACKET): DNS answers leaving the gateway for
//! guests are parsed, and the addresses of walled-garden names are handed to the gateway.

use std::net::Ipv4Addr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use pnet_datalink::{Channel, Config, NetworkInterface};
use thiserror::Error;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::dns::parse_frame;
use super::names::{DomainPattern, is_probe_host};

/// Shortest time an address stays open: local resolvers often answer with TTL 0, and
/// clients keep using an address for a while after its TTL.
pub const MIN_OPEN_SECS: u32 = 60;
/// Longest time an address stays open without a new answer.
pub const MAX_OPEN_SECS: u32 = 86_400;

/// The capture could not start.
#[derive(Debug, Error)]
pub enum CaptureError {
    /// No such interface.
    #[error("no interface {0} to capture on")]
    NoInterface(String),
    /// The raw socket could not be opened (needs CAP_NET_RAW).
    #[error("cannot capture on {interface}: {source}")]
    Open {
        /// Interface.
        interface: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// pnet gave a channel type it does not support.
    #[error("unsupported capture channel on {0}")]
    Unsupported(String),
}

/// An address to open before login, and for how long.
pub type Opening = (Ipv4Addr, u32);

/// Which answers open the garden: names matching a pattern, never a probe host.
pub fn openings(frame: &[u8], patterns: &[DomainPattern]) -> Vec<Opening> {
    if patterns.is_empty() {
        return Vec::new();
    }
    parse_frame(frame)
        .into_iter()
        .filter(|r| !is_probe_host(&r.question) && patterns.iter().any(|p| p.matches(&r.question)))
        .map(|r| (r.address, r.ttl.clamp(MIN_OPEN_SECS, MAX_OPEN_SECS)))
        .collect()
}

/// Runs the capture on a blocking thread until `cancel`; sends openings to `tx`.
pub fn spawn(
    interface: &str,
    patterns: Arc<RwLock<Vec<DomainPattern>>>,
    tx: UnboundedSender<Vec<Opening>>,
    cancel: CancellationToken,
) -> Result<std::thread::JoinHandle<()>, CaptureError> {
    let iface: NetworkInterface = pnet_datalink::interfaces()
        .into_iter()
        .find(|i| i.name == interface)
        .ok_or_else(|| CaptureError::NoInterface(interface.to_string()))?;
    let config = Config {
        read_timeout: Some(Duration::from_millis(500)),
        ..Config::default()
    };
    let mut rx = match pnet_datalink::channel(&iface, config) {
        Ok(Channel::Ethernet(_, rx)) => rx,
        Ok(_) => return Err(CaptureError::Unsupported(interface.to_string())),
        Err(source) => {
            return Err(CaptureError::Open {
                interface: interface.to_string(),
                source,
            });
        }
    };
    Ok(std::thread::spawn(move || {
        while !cancel.is_cancelled() {
            match rx.next() {
                Ok(frame) => {
                    let found = {
                        let patterns = patterns.read().unwrap_or_else(|p| p.into_inner());
                        openings(frame, &patterns)
                    };
                    if !found.is_empty() {
                        debug!(
                            count = found.len(),
                            "walled-garden addresses seen in DNS answers"
                        );
                        if tx.send(found).is_err() {
                            break;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => {
                    warn!(error = %e, "packet capture failed; domain walled garden stops");
                    break;
                }
            }
        }
    }))
}
