//! Pinned neighbour entries: while a device's session lasts, the gateway delivers to the
//! session's own MAC at each of its addresses, whatever ARP or neighbour advertisement
//! another device sends claiming one (a permanent entry only changes by an administrative
//! request: ours). Pins are queued and written by one thread, so a login never waits on them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::mpsc::{self, Receiver, Sender};

use ipnet::IpNet;
use tracing::{debug, info, warn};

use super::rtnl::{Entry, Socket};

/// A guest network whose devices' entries are pinned.
#[derive(Debug, Clone)]
pub struct PinnedNetwork {
    /// The interface the devices are on.
    pub interface: String,
    /// Its address ranges (IPv4, and IPv6 if any).
    pub ranges: Vec<IpNet>,
}

#[derive(Debug)]
enum Request {
    Pin(IpAddr, [u8; 6]),
    Unpin(IpAddr, [u8; 6]),
    Forget(IpAddr),
    /// Answered once everything queued before it is written.
    Written(Sender<()>),
}

/// The queue of pins to write; cheap to clone. The default pins nothing (unit tests, tools).
#[derive(Debug, Clone, Default)]
pub struct Pins {
    tx: Option<Sender<Request>>,
}

fn mac_bytes(mac: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = mac.split(':');
    for byte in &mut out {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

impl Pins {
    /// Starts the writer for `networks`: it first clears the pins a previous run left, then
    /// writes what is queued, in order.
    pub fn start(networks: Vec<PinnedNetwork>) -> Self {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("neighbour-pins".into())
            .spawn(move || writer(networks, rx));
        if let Err(e) = spawned {
            warn!(error = %e, "cannot start the neighbour pinning thread; ARP spoofing is not countered");
            return Pins::default();
        }
        Pins { tx: Some(tx) }
    }

    /// `ip` stays at `mac` until unpinned.
    pub fn pin(&self, ip: IpAddr, mac: &str) {
        if let (Some(tx), Some(mac)) = (&self.tx, mac_bytes(mac)) {
            let _ = tx.send(Request::Pin(ip, mac));
        }
    }

    /// `ip`, pinned at `mac`, is the kernel's again (a stale entry it checks on next use).
    pub fn unpin(&self, ip: IpAddr, mac: &str) {
        if let (Some(tx), Some(mac)) = (&self.tx, mac_bytes(mac)) {
            let _ = tx.send(Request::Unpin(ip, mac));
        }
    }

    /// `ip`'s entry goes altogether: its device has left.
    pub fn forget(&self, ip: IpAddr) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Request::Forget(ip));
        }
    }

    /// Waits until everything queued so far is written (benchmarks; shutdown).
    pub fn written(&self) {
        let (done, wait) = mpsc::channel();
        if let Some(tx) = &self.tx
            && tx.send(Request::Written(done)).is_ok()
        {
            let _ = wait.recv();
        }
    }
}

/// Interface indexes of the networks' ranges.
struct Ranges(Vec<(i32, IpNet)>);

impl Ranges {
    fn resolve(networks: &[PinnedNetwork]) -> Self {
        let mut out = Vec::new();
        for n in networks {
            match super::interface_index(&n.interface) {
                Some(i) => out.extend(n.ranges.iter().map(|r| (i, *r))),
                None => warn!(
                    interface = n.interface,
                    "no such interface; its devices' neighbour entries are not pinned"
                ),
            }
        }
        Ranges(out)
    }

    fn ifindex(&self, ip: IpAddr) -> Option<i32> {
        self.0
            .iter()
            .find(|(_, r)| r.contains(&ip))
            .map(|(i, _)| *i)
    }

    fn has(&self, ifindex: i32) -> bool {
        self.0.iter().any(|(i, _)| *i == ifindex)
    }
}

/// The requests waiting, reduced to the last one per address (a session that moves or has
/// its limits replaced unpins and pins the same address at once: the entry is replaced,
/// never missing in between).
fn coalesce(requests: Vec<Request>, ranges: &Ranges) -> Vec<Entry> {
    let mut last: HashMap<IpAddr, usize> = HashMap::new();
    let mut order = Vec::new();
    for r in requests {
        let (ip, entry) = match r {
            Request::Pin(ip, mac) => (
                ip,
                ranges
                    .ifindex(ip)
                    .map(|ifindex| Entry::Pin { ifindex, ip, mac }),
            ),
            Request::Unpin(ip, mac) => (
                ip,
                ranges
                    .ifindex(ip)
                    .map(|ifindex| Entry::Unpin { ifindex, ip, mac }),
            ),
            Request::Forget(ip) => (
                ip,
                ranges
                    .ifindex(ip)
                    .map(|ifindex| Entry::Forget { ifindex, ip }),
            ),
            Request::Written(_) => continue,
        };
        let Some(entry) = entry else {
            continue;
        };
        match last.get(&ip) {
            Some(&i) => order[i] = entry,
            None => {
                last.insert(ip, order.len());
                order.push(entry);
            }
        }
    }
    order
}

fn writer(networks: Vec<PinnedNetwork>, rx: Receiver<Request>) {
    let ranges = Ranges::resolve(&networks);
    let socket = match Socket::open() {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "cannot open rtnetlink; neighbour entries are not pinned");
            return;
        }
    };
    match socket.ours() {
        Ok(stale) => {
            let stale: Vec<Entry> = (stale.into_iter())
                .filter(|e| matches!(e, Entry::Unpin { ifindex, .. } if ranges.has(*ifindex)))
                .collect();
            if !stale.is_empty() {
                info!(
                    count = stale.len(),
                    "clearing neighbour pins of a previous run"
                );
            }
            report(&stale, socket.apply(&stale));
        }
        Err(e) => warn!(error = %e, "cannot list neighbour entries"),
    }
    while let Ok(first) = rx.recv() {
        let mut pending = vec![first];
        pending.extend(rx.try_iter());
        let waiting: Vec<Sender<()>> = (pending.iter())
            .filter_map(|r| match r {
                Request::Written(done) => Some(done.clone()),
                _ => None,
            })
            .collect();
        let entries = coalesce(pending, &ranges);
        report(&entries, socket.apply(&entries));
        debug!(entries = entries.len(), "neighbour pins written");
        for done in waiting {
            let _ = done.send(());
        }
    }
}

fn report(entries: &[Entry], result: std::io::Result<Vec<(usize, i32)>>) {
    match result {
        Ok(refused) => {
            for (i, errno) in refused {
                let error = std::io::Error::from_raw_os_error(-errno);
                warn!(entry = ?entries.get(i), %error, "kernel refused a neighbour pin");
            }
        }
        Err(e) => warn!(error = %e, count = entries.len(), "neighbour pins not written"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_request_for_an_address_wins_in_first_order() {
        let ranges = Ranges(vec![
            (3, "10.77.0.0/24".parse().unwrap()),
            (3, "2001:db8:77::/64".parse().unwrap()),
        ]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let (a, b) = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let entries = coalesce(
            vec![
                Request::Unpin(ip("10.77.0.11"), a),
                Request::Pin(ip("2001:db8:77::11"), a),
                Request::Pin(ip("10.77.0.11"), b),
                Request::Pin(ip("10.99.0.1"), a),
                Request::Unpin(ip("2001:db8:77::11"), a),
            ],
            &ranges,
        );
        assert_eq!(
            entries,
            vec![
                Entry::Pin {
                    ifindex: 3,
                    ip: ip("10.77.0.11"),
                    mac: b
                },
                Entry::Unpin {
                    ifindex: 3,
                    ip: ip("2001:db8:77::11"),
                    mac: a
                },
            ]
        );
    }

    #[test]
    fn macs_as_written() {
        assert_eq!(
            mac_bytes("02:77:00:00:00:0b"),
            Some([2, 0x77, 0, 0, 0, 0x0b])
        );
        assert_eq!(mac_bytes("02:77:00:00:00"), None);
        assert_eq!(mac_bytes("02:77:00:00:00:0b:01"), None);
        assert_eq!(mac_bytes("zz:77:00:00:00:0b"), None);
    }
}
