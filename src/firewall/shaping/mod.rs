//! Per-client rates by shaping: a pool of HTB classes per guest interface (downloads leave
//! through it) and on the WAN (uploads), made once; a client with a rate gets a free class
//! re-rated to its rate, and the `up_class`/`down_class`/`down_class6` maps of our table set
//! `meta priority` to it, which HTB takes as the class (no tc filters). Clients without a
//! rate are in no map: HTB's default 0 sends their packets unshaped. README, "Rate limit
//! precision", has the measurements behind this.

mod pool;

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

use ipnet::Ipv4Net;
use tracing::{info, warn};

use super::clients::ClientGrant;
use super::netlink::NetlinkError;
use super::netlink::tc::{self, ClassRate, ROOT_HANDLE};
use super::ops::Key;
use super::render::FirewallPolicy;
use super::{Change, FirewallError};
pub use pool::Classes;
use pool::{Assignments, Journal, size_for};

/// The rate a pool's classes are made with until a client takes them (nothing maps to a
/// free class; any rate would do).
const PARKED_BPS: u64 = 1_000_000;

/// An interface with a pool: a guest network's (its subnets) or the WAN (none).
#[derive(Debug, Clone)]
struct Device {
    name: String,
    subnets: Vec<Ipv4Net>,
    size: u16,
}

#[derive(Debug)]
struct State {
    /// Interface indexes, once the pools are known to exist.
    ifindexes: Option<Vec<u32>>,
    assigned: Assignments,
}

/// The pools of one gateway and who holds which class.
#[derive(Debug, Clone)]
pub struct Shaping {
    /// The LAN devices, then the WAN last.
    devices: Vec<Device>,
    netns: Option<String>,
    state: Arc<Mutex<State>>,
}

/// The classes each change of a batch refers to.
#[derive(Debug, Default)]
pub struct ClassLookup {
    granted: HashMap<i64, Classes>,
    revoked: HashMap<i64, Classes>,
    kept: HashMap<i64, Classes>,
}

impl ClassLookup {
    /// A granted session's classes.
    pub fn granted(&self, session: i64) -> Classes {
        self.granted.get(&session).copied().unwrap_or_default()
    }

    /// The classes a revoked session held.
    pub fn revoked(&self, session: i64) -> Classes {
        self.revoked.get(&session).copied().unwrap_or_default()
    }

    /// A lookup where every session in `granted` holds these classes, granted, revoked or
    /// kept (for the tests of the operations built from it).
    #[cfg(test)]
    pub fn uniform(held: &[(i64, Classes)]) -> Self {
        let all: HashMap<i64, Classes> = held.iter().copied().collect();
        ClassLookup {
            granted: all.clone(),
            revoked: all.clone(),
            kept: all,
        }
    }

    /// The classes of a session that stays (an IPv6 address leaves it).
    pub fn kept(&self, session: i64) -> Classes {
        self.kept.get(&session).copied().unwrap_or_default()
    }
}

/// The class map entries of a client: `(map, key, class id)`.
pub fn entries(
    mac: &str,
    ip: Ipv4Addr,
    ip6: &[Ipv6Addr],
    classes: Classes,
) -> Vec<(&'static str, Key, u32)> {
    let mut out = Vec::new();
    if let Some(minor) = classes.up {
        out.push((
            "up_class",
            Key::Mac(mac.to_string()),
            ROOT_HANDLE | u32::from(minor),
        ));
    }
    if let Some((_, minor)) = classes.down {
        let class = ROOT_HANDLE | u32::from(minor);
        out.push(("down_class", Key::V4(ip), class));
        out.extend(ip6.iter().map(|a| ("down_class6", Key::V6(*a), class)));
    }
    out
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shaping {
    /// The pools for `policy` (none without a WAN interface: rates are then not enforced),
    /// in our namespace or `/run/netns/<netns>`.
    pub fn new(policy: &FirewallPolicy, netns: Option<&str>) -> Option<Self> {
        let wan = policy.wan_interface.clone()?;
        let mut devices: Vec<Device> = Vec::new();
        for lan in &policy.lans {
            match devices.iter_mut().find(|d| d.name == lan.interface) {
                Some(d) => d.subnets.push(lan.subnet),
                None => devices.push(Device {
                    name: lan.interface.clone(),
                    subnets: vec![lan.subnet],
                    size: 0,
                }),
            }
        }
        for d in &mut devices {
            d.size = size_for(d.subnets.iter());
        }
        let all = size_for(policy.lans.iter().map(|l| &l.subnet));
        devices.push(Device {
            name: wan,
            subnets: Vec::new(),
            size: all,
        });
        let sizes: Vec<u16> = devices.iter().map(|d| d.size).collect();
        Some(Shaping {
            devices,
            netns: netns.map(str::to_string),
            state: Arc::new(Mutex::new(State {
                ifindexes: None,
                assigned: Assignments::new(&sizes),
            })),
        })
    }

    fn lan_of(&self, ip: Ipv4Addr) -> Option<usize> {
        let lans = &self.devices[..self.devices.len() - 1];
        lans.iter()
            .position(|d| d.subnets.iter().any(|s| s.contains(&ip)))
    }

    /// Assigns classes to `g` in `assigned`, with the re-rates they need.
    fn grant(
        &self,
        assigned: &mut Assignments,
        g: &ClientGrant,
        rates: &mut Vec<(usize, u16, u64)>,
    ) -> Classes {
        let lan = self.lan_of(g.ip);
        let classes = assigned.assign(
            g.session_id,
            lan,
            g.rate_down_bps.is_some(),
            g.rate_up_bps.is_some(),
        );
        if let (Some((device, minor)), Some(bps)) = (classes.down, g.rate_down_bps) {
            rates.push((device, minor, bps));
        }
        if let (Some(minor), Some(bps)) = (classes.up, g.rate_up_bps) {
            rates.push((self.devices.len() - 1, minor, bps));
        }
        if (g.rate_down_bps.is_some() && classes.down.is_none())
            || (g.rate_up_bps.is_some() && classes.up.is_none())
        {
            warn!(session = g.session_id, ip = %g.ip, "no free shaping class: the client's rate is not enforced");
        }
        classes
    }

    fn class_rates(ifindexes: &[u32], rates: &[(usize, u16, u64)]) -> Vec<ClassRate> {
        rates
            .iter()
            .map(|(device, minor, bps)| ClassRate {
                ifindex: ifindexes[*device],
                minor: *minor,
                bps: *bps,
            })
            .collect()
    }

    /// Makes the pools where they are missing; their interface indexes.
    fn ensure_pools(&self) -> Result<Vec<u32>, FirewallError> {
        let netns = self.netns.as_deref();
        let ifindexes = self
            .devices
            .iter()
            .map(|d| tc::ifindex(netns, &d.name).map_err(NetlinkError::Socket))
            .collect::<Result<Vec<u32>, NetlinkError>>()?;
        let fresh = tc::ensure_roots(netns, &ifindexes)?;
        for ((device, ifindex), fresh) in self.devices.iter().zip(&ifindexes).zip(fresh) {
            if !fresh {
                continue;
            }
            let started = std::time::Instant::now();
            let classes: Vec<ClassRate> = (1..=device.size)
                .map(|minor| ClassRate {
                    ifindex: *ifindex,
                    minor,
                    bps: PARKED_BPS,
                })
                .collect();
            tc::set_rates(netns, &classes, true)?;
            info!(interface = %device.name, classes = device.size, elapsed_ms = started.elapsed().as_millis() as u64, "shaping pool made");
        }
        Ok(ifindexes)
    }

    /// Runs `f` (the nft transaction of `changes`) with the classes it refers to: the
    /// classes of new grants are re-rated first, so a client is shaped from its first
    /// packet; the assignments change only if `f` succeeds.
    pub fn apply<T>(
        &self,
        changes: &[Change],
        f: impl FnOnce(&ClassLookup) -> Result<T, FirewallError>,
    ) -> Result<T, FirewallError> {
        let mut state = lock(&self.state);
        let State {
            ifindexes,
            assigned: next,
        } = &mut *state;
        let mut journal = Journal::default();
        let mut lookup = ClassLookup::default();
        let mut rates = Vec::new();
        for change in changes {
            match change {
                Change::Allow(g) => {
                    journal.note(next, g.session_id);
                    let classes = self.grant(next, g, &mut rates);
                    lookup.granted.insert(g.session_id, classes);
                }
                Change::Revoke(r) => {
                    journal.note(next, r.session_id);
                    // A session revoked twice in one batch is removed once, as first held.
                    let held = next.release(r.session_id);
                    lookup.revoked.entry(r.session_id).or_insert(held);
                }
                Change::DropIpv6(d) => {
                    let sid = d.client.session_id;
                    let held = next.by_session.get(&sid).copied().unwrap_or_default();
                    lookup.kept.insert(sid, held);
                }
                Change::Access(_) | Change::GardenDns(_) => {}
            }
        }
        // Changed in place (a copy of 10,000 sessions' classes per change would cost more
        // than the change) and put back if the change fails.
        let result = self.rerate(ifindexes, &rates).and_then(|()| f(&lookup));
        if result.is_err() {
            next.undo(journal);
        }
        result
    }

    /// Sets the rates of classes just handed out (making the pools first if this process
    /// has not seen them yet).
    fn rerate(
        &self,
        ifindexes: &mut Option<Vec<u32>>,
        rates: &[(usize, u16, u64)],
    ) -> Result<(), FirewallError> {
        if rates.is_empty() {
            return Ok(());
        }
        let known = match ifindexes {
            Some(known) => known,
            None => ifindexes.insert(self.ensure_pools()?),
        };
        let classes = Self::class_rates(known, rates);
        Ok(tc::set_rates(self.netns.as_deref(), &classes, false)?)
    }

    /// Runs `f` (the rebuild of the table with `clients`) with fresh assignments: the pools
    /// are made if missing (an earlier run's stay, shaping its guests meanwhile) and the
    /// classes of `clients` re-rated before.
    pub fn rebuild<T>(
        &self,
        clients: &[ClientGrant],
        f: impl FnOnce(&ClassLookup) -> Result<T, FirewallError>,
    ) -> Result<T, FirewallError> {
        let mut state = lock(&self.state);
        let ifindexes = self.ensure_pools()?;
        state.ifindexes = Some(ifindexes.clone());
        let sizes: Vec<u16> = self.devices.iter().map(|d| d.size).collect();
        let mut next = Assignments::new(&sizes);
        let mut lookup = ClassLookup::default();
        let mut rates = Vec::new();
        for g in clients {
            let classes = self.grant(&mut next, g, &mut rates);
            lookup.granted.insert(g.session_id, classes);
        }
        tc::set_rates(
            self.netns.as_deref(),
            &Self::class_rates(&ifindexes, &rates),
            false,
        )?;
        let out = f(&lookup)?;
        state.assigned = next;
        Ok(out)
    }
}
