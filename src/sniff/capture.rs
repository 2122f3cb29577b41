//! Packet capture on the LAN interface (pnet, AF_PACKET): DNS answers leaving the gateway for
//! guests (addresses of walled-garden names) and ARP/DHCP (who is who) are handed to the
//! gateway.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use pnet_datalink::{Channel, Config, NetworkInterface};
use thiserror::Error;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::devices::{Sighting, parse_frame as parse_device};
use super::dns::parse_frame;
use super::names::{DomainPattern, is_probe_host};
use crate::config::Lan;

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

/// What the capture found in a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Addresses of walled-garden names.
    Garden(Vec<Opening>),
    /// A device seen in ARP or DHCP.
    Device(Sighting),
}

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

/// The gateway's own addresses on one guest network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnAddresses {
    /// The interface's MAC.
    pub mac: [u8; 6],
    /// The gateway's IPv4 address there (its DNS resolver and DHCP server answer from it).
    pub ip: Ipv4Addr,
}

impl OwnAddresses {
    /// Whether the gateway itself sent `frame`: its MAC as the source and, over IPv4, its own
    /// address. The MAC alone is not enough: every packet the gateway routes to a guest
    /// carries it, answers from any DNS server or port-67 host upstream included.
    fn sent(&self, frame: &[u8]) -> bool {
        let ipv4 = frame.get(12..14) == Some([0x08, 0x00].as_slice());
        frame.get(6..12) == Some(self.mac.as_slice())
            && (!ipv4 || frame.get(26..30) == Some(self.ip.octets().as_slice()))
    }
}

/// What a frame means. DNS answers and DHCP leases count only when the gateway sent them: a
/// guest forging an answer, or having one routed to itself from a server of its choosing,
/// must not open the garden, and a forged lease must not lock another guest out.
pub fn events_of(frame: &[u8], own: &OwnAddresses, patterns: &[DomainPattern]) -> Vec<Event> {
    let from_gateway = own.sent(frame);
    let mut events = Vec::new();
    if from_gateway {
        let found = openings(frame, patterns);
        if !found.is_empty() {
            debug!(
                count = found.len(),
                "walled-garden addresses seen in DNS answers"
            );
            events.push(Event::Garden(found));
        }
    }
    // From the gateway only its DHCP leases count; what it says about itself (ARP, IPv6)
    // is not a guest's.
    match parse_device(frame) {
        Some(sighting @ Sighting::DhcpLease { .. }) if from_gateway => {
            events.push(Event::Device(sighting))
        }
        Some(Sighting::DhcpLease { .. }) | None => {}
        Some(_) if from_gateway => {}
        Some(sighting) => events.push(Event::Device(sighting)),
    }
    events
}

/// Whether what `event` says of an address fits the network it was captured on. A guest of
/// one network claiming an address of another (in its ARP, or as an IPv6 source) must not
/// move its session there, and the gateway's leases on a network are that network's.
pub fn on_network(event: &Event, lan: &Lan) -> bool {
    match event {
        Event::Device(Sighting::Arp { ip, .. } | Sighting::DhcpLease { ip, .. }) => {
            lan.subnet.contains(ip)
        }
        Event::Device(Sighting::Ipv6 { ip, .. }) => lan.subnet6.is_some_and(|p| p.contains(ip)),
        Event::Device(Sighting::DhcpClient { .. }) | Event::Garden(_) => true,
    }
}

/// How often the same device/IPv6-address pair is reported: every packet carries it.
const IPV6_REPORT_EVERY: Duration = Duration::from_secs(10);
/// Pairs remembered at most before the memory is cleared (a flood of forged sources).
const IPV6_REMEMBERED: usize = 4096;

/// IPv6 pairs reported recently, so a busy guest does not send an event per packet.
#[derive(Default)]
struct RecentIpv6 {
    reported: HashMap<(String, Ipv6Addr), Instant>,
}

impl RecentIpv6 {
    /// Whether `event` should be passed on (anything but a recently reported IPv6 pair).
    fn fresh(&mut self, event: &Event, now: Instant) -> bool {
        let Event::Device(Sighting::Ipv6 { mac, ip }) = event else {
            return true;
        };
        let key = (mac.clone(), *ip);
        if self
            .reported
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < IPV6_REPORT_EVERY)
        {
            return false;
        }
        if self.reported.len() >= IPV6_REMEMBERED {
            self.reported.clear();
        }
        self.reported.insert(key, now);
        true
    }
}

/// Runs the capture on a guest network's interface, on a blocking thread until `cancel`;
/// sends what it sees to `tx`.
pub fn spawn(
    lan: &Lan,
    patterns: Arc<RwLock<Vec<DomainPattern>>>,
    tx: UnboundedSender<Event>,
    cancel: CancellationToken,
) -> Result<std::thread::JoinHandle<()>, CaptureError> {
    let interface = lan.interface.as_str();
    let iface: NetworkInterface = pnet_datalink::interfaces()
        .into_iter()
        .find(|i| i.name == interface)
        .ok_or_else(|| CaptureError::NoInterface(interface.to_string()))?;
    // The kernel filter keeps forwarded traffic out of the daemon: only what the parsers read
    // is copied up.
    let socket = super::filter::filtered_packet_socket().map_err(|source| CaptureError::Open {
        interface: interface.to_string(),
        source,
    })?;
    let config = Config {
        read_timeout: Some(Duration::from_millis(500)),
        // DNS answers can be longer than pnet's default 4 KiB.
        read_buffer_size: 65_536,
        socket_fd: Some(socket),
        ..Config::default()
    };
    // DNS answers and DHCP leases are trusted only from the gateway itself.
    let own = OwnAddresses {
        mac: iface.mac.map(|m| m.octets()).unwrap_or_default(),
        ip: lan.address,
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
    let lan = lan.clone();
    Ok(std::thread::spawn(move || {
        let mut recent = RecentIpv6::default();
        while !cancel.is_cancelled() {
            match rx.next() {
                Ok(frame) => {
                    let events = {
                        let patterns = patterns.read().unwrap_or_else(|p| p.into_inner());
                        events_of(frame, &own, &patterns)
                    };
                    let now = Instant::now();
                    if events
                        .into_iter()
                        .filter(|e| on_network(e, &lan) && recent.fresh(e, now))
                        .any(|e| tx.send(e).is_err())
                    {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => {
                    warn!(error = %e, "packet capture failed; domain walled garden and device table stop");
                    break;
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff::fixtures::{GATEWAY_MAC, frame_from, response};

    /// The gateway of the fixtures: their answers come from 10.77.0.1.
    const OWN: OwnAddresses = OwnAddresses {
        mac: GATEWAY_MAC,
        ip: Ipv4Addr::new(10, 77, 0, 1),
    };

    #[test]
    fn only_the_gateways_answers_open_the_garden() {
        let patterns = vec![DomainPattern::parse("*.example.com").unwrap()];
        let events = events_of(&frame_from(GATEWAY_MAC, &response()), &OWN, &patterns);
        // Both addresses behind the CNAME, for the answer's TTL (60 s, the minimum too).
        let open = vec![
            (Ipv4Addr::new(203, 0, 113, 7), MIN_OPEN_SECS),
            (Ipv4Addr::new(203, 0, 113, 8), MIN_OPEN_SECS),
        ];
        assert_eq!(events, vec![Event::Garden(open)]);
        let forged = events_of(
            &frame_from([0x02, 0x66, 0, 0, 0, 1], &response()),
            &OWN,
            &patterns,
        );
        assert!(
            forged.is_empty(),
            "a guest's forged answer opened the garden"
        );
        // An answer routed to a guest from a resolver upstream carries the gateway's MAC but
        // not its address: a logged-in guest asking its own server must not open the garden.
        let mut routed = frame_from(GATEWAY_MAC, &response());
        routed[26..30].copy_from_slice(&[198, 51, 100, 53]);
        assert!(
            events_of(&routed, &OWN, &patterns).is_empty(),
            "a routed answer from upstream opened the garden"
        );
        assert!(events_of(&frame_from(GATEWAY_MAC, &response()), &OWN, &[]).is_empty());
        // A short TTL (local resolvers answer with 0–5 s) is raised to the minimum.
        let mut short = response();
        for at in 0..short.len().saturating_sub(8) {
            if short[at..at + 8] == [0, 1, 0, 1, 0, 0, 0, 60] {
                short[at + 7] = 5;
            }
        }
        let events = events_of(&frame_from(GATEWAY_MAC, &short), &OWN, &patterns);
        assert!(
            matches!(&events[..], [Event::Garden(o)] if o.iter().all(|(_, secs)| *secs == MIN_OPEN_SECS))
        );
        let parsed = crate::sniff::dns::parse_frame(&frame_from(GATEWAY_MAC, &short));
        assert!(parsed.iter().all(|r| r.ttl == 5), "{parsed:?}");
    }

    /// An ARP announcement of `ip` by `sender` (also the frame's source MAC).
    fn arp_from(sender: [u8; 6], ip: [u8; 4]) -> Vec<u8> {
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&sender);
        f.extend_from_slice(&[0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
        f.extend_from_slice(&sender);
        f.extend_from_slice(&ip);
        f.extend_from_slice(&[0; 6]);
        f.extend_from_slice(&ip);
        f
    }

    #[test]
    fn the_gateway_is_not_a_guest_device() {
        let guest = [0x02, 0x77, 0, 0, 0, 0x0b];
        let from_guest = events_of(&arp_from(guest, [10, 77, 0, 11]), &OWN, &[]);
        assert!(
            matches!(&from_guest[..], [Event::Device(Sighting::Arp { .. })]),
            "{from_guest:?}"
        );
        let own = events_of(&arp_from(GATEWAY_MAC, [10, 77, 0, 1]), &OWN, &[]);
        assert!(
            own.is_empty(),
            "the gateway's own ARP listed as a device: {own:?}"
        );
    }

    #[test]
    fn an_ipv6_pair_is_reported_once_per_period() {
        let seen = |ip: &str| {
            Event::Device(Sighting::Ipv6 {
                mac: "02:77:00:00:00:0b".into(),
                ip: ip.parse().unwrap(),
            })
        };
        let mut recent = RecentIpv6::default();
        let t0 = Instant::now();
        assert!(recent.fresh(&seen("2001:db8::1"), t0));
        assert!(!recent.fresh(&seen("2001:db8::1"), t0 + Duration::from_secs(1)));
        assert!(recent.fresh(&seen("2001:db8::2"), t0 + Duration::from_secs(1)));
        assert!(recent.fresh(&seen("2001:db8::1"), t0 + IPV6_REPORT_EVERY));
        assert!(recent.fresh(&Event::Garden(Vec::new()), t0));
        assert!(recent.fresh(&Event::Garden(Vec::new()), t0));
    }

    #[test]
    fn addresses_of_another_network_are_not_taken_from_this_one() {
        let lan = Lan {
            interface: "vlan20".into(),
            subnet: "10.79.0.0/24".parse().unwrap(),
            address: Ipv4Addr::new(10, 79, 0, 1),
            subnet6: Some("2001:db8:79::/64".parse().unwrap()),
        };
        let mac = || "02:79:00:00:00:0b".to_string();
        let arp = |ip: [u8; 4]| {
            Event::Device(Sighting::Arp {
                mac: mac(),
                ip: ip.into(),
            })
        };
        let v6 = |ip: &str| {
            Event::Device(Sighting::Ipv6 {
                mac: mac(),
                ip: ip.parse().unwrap(),
            })
        };
        let lease = |ip: [u8; 4]| {
            Event::Device(Sighting::DhcpLease {
                mac: mac(),
                ip: ip.into(),
            })
        };
        assert!(on_network(&arp([10, 79, 0, 11]), &lan));
        assert!(
            !on_network(&arp([10, 77, 0, 11]), &lan),
            "another network's address"
        );
        assert!(on_network(&lease([10, 79, 0, 150]), &lan));
        assert!(!on_network(&lease([10, 77, 0, 150]), &lan));
        assert!(on_network(&v6("2001:db8:79::11"), &lan));
        assert!(!on_network(&v6("2001:db8:77::11"), &lan));
        let v4_only = Lan {
            subnet6: None,
            ..lan.clone()
        };
        assert!(!on_network(&v6("2001:db8:79::11"), &v4_only));
        let client = Event::Device(Sighting::DhcpClient {
            mac: mac(),
            hostname: None,
            vendor: None,
        });
        assert!(on_network(&client, &lan));
        assert!(on_network(&Event::Garden(Vec::new()), &lan));
    }
}
