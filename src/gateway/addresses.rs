//! Where online devices are: an IPv4 address change follows the session once confirmed, and
//! IPv6 addresses a device is seen using join its session (one address, one device). The
//! kernel delivers to each session's own MAC at its addresses (pinned neighbour entries, see
//! `Registry`), whatever another device claims in ARP or neighbour discovery.

mod claims;
mod ipv6;

use std::net::Ipv4Addr;
use std::sync::Mutex;
use std::time::Instant;

use ipnet::{IpNet, Ipv4Net};
use tracing::{debug, info, warn};

use super::registry::{self, Registry};
use super::{Gateway, GatewayError};
use crate::config::Lan;
use crate::firewall::{Change, ClientGrant};
use crate::model::session::TerminateCause;
use crate::neighbours::pin::{PinnedNetwork, Pins};
use crate::neighbours::probe::Prober;

/// Claims waiting for confirmation, and the means to ask the LAN about them.
#[derive(Debug)]
pub struct AddressWatch {
    claims: Mutex<claims::Claims>,
    probers: Vec<(Ipv4Net, Prober)>,
}

impl AddressWatch {
    /// Opens a prober on each guest network (without the capability, moves are confirmed
    /// by time alone; the capture, which needs the same, then sees no claims either).
    pub fn new(lans: &[Lan]) -> Self {
        let probers = (lans.iter())
            .filter_map(|lan| match Prober::open(&lan.interface, lan.address) {
                Ok(p) => Some((lan.subnet, p)),
                Err(e) => {
                    warn!(error = %e, interface = lan.interface, "cannot send ARP probes; address moves are confirmed by time alone");
                    None
                }
            })
            .collect();
        AddressWatch {
            claims: Mutex::default(),
            probers,
        }
    }

    fn claims(&self) -> std::sync::MutexGuard<'_, claims::Claims> {
        self.claims.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the LAN who has `ip`.
    fn ask(&self, ip: Ipv4Addr) {
        let Some((_, prober)) = self.probers.iter().find(|(net, _)| net.contains(&ip)) else {
            return;
        };
        if let Err(e) = prober.ask(ip) {
            warn!(error = %e, %ip, "could not send an ARP probe");
        }
    }
}

/// The neighbour-entry pins of the guest networks' devices, written from now on.
pub fn pins_for(lans: &[Lan]) -> Pins {
    Pins::start(
        (lans.iter())
            .map(|lan| PinnedNetwork {
                interface: lan.interface.clone(),
                ranges: std::iter::once(IpNet::from(lan.subnet))
                    .chain(lan.subnet6.map(IpNet::from))
                    .collect(),
            })
            .collect(),
    )
}

impl Gateway {
    /// Takes in an ARP sighting or a lease of `ip` for the device `mac`: a claim to `ip`,
    /// believed only once the device the claim would displace no longer answers there (asked
    /// by broadcast ARP, see [`Gateway::advance_moves`]); meanwhile nothing changes.
    /// - An online device seen at its own address answers any claim waiting for it (refused).
    /// - Seen at another free address of its network: its session moves there once it no
    ///   longer answers at its old one. A forged frame naming a device moves nothing.
    /// - Any device claiming an online session's address: that session ends once its device
    ///   no longer answers there (it has left; its pinned entry would keep the newcomer off
    ///   the portal).
    ///
    /// Returns whether a new claim began.
    pub async fn follow_address(&self, mac: &str, ip: Ipv4Addr) -> Result<bool, GatewayError> {
        if self.config.guest_lan(ip).is_none() {
            return Ok(false);
        }
        let reg = self.online.lock().await;
        let (displaced, from) = match (reg.by_ip(ip), reg.sessions.get(mac)) {
            // Nearly every sighting is an online device at its own address: settled first.
            (_, Some(active)) if active.ip == ip => {
                if let Some(to) = self.address_watch.claims().answered(mac, Instant::now()) {
                    warn!(mac, %ip, claimed = %to, "device answers at its address; the claim against it is refused");
                }
                return Ok(false);
            }
            (Some(holder), _) => (holder.row.mac.clone(), ip),
            (None, Some(active)) if !self.leased_to_other(ip, mac) => (mac.to_string(), active.ip),
            (None, _) => return Ok(false),
        };
        drop(reg);
        let new = (self.address_watch.claims()).claim(&displaced, from, ip, Instant::now());
        if new {
            info!(mac, %from, to = %ip, session_of = displaced, "address claimed; asking whether the session's device is still at its own");
            self.address_watch.ask(from);
        }
        Ok(new)
    }

    /// Asks again about the claims waiting, and moves (or, for an address another device
    /// claims, ends) the sessions whose device did not answer at its address in time.
    /// Called every few hundred milliseconds.
    pub async fn advance_moves(&self) {
        let (ask, confirmed) = self.address_watch.claims().due(Instant::now());
        for ip in ask {
            self.address_watch.ask(ip);
        }
        for (mac, from, to) in confirmed {
            let done = if from == to {
                self.end_departed(&mac, from).await
            } else {
                self.move_session(&mac, from, to).await
            };
            if let Err(e) = done {
                warn!(error = %e, mac, %to, "could not follow a device to its new address");
            }
        }
    }

    /// Ends the session of `mac` at `ip`, claimed by another device, whose own device did
    /// not answer there.
    async fn end_departed(&self, mac: &str, ip: Ipv4Addr) -> Result<bool, GatewayError> {
        let mut reg = self.online.lock().await;
        if reg.sessions.get(mac).is_none_or(|a| a.ip != ip) {
            return Ok(false);
        }
        info!(mac, %ip, "device gone from an address another device claims; its session ends");
        let ended = (self.end_locked(&mut reg, mac, TerminateCause::LostCarrier)).await?;
        // The newcomer must not wait for the kernel to find out the old device is gone.
        if ended {
            reg.forget_neighbour(ip);
        }
        Ok(ended)
    }

    /// Moves the device's session from `from` to `to`, if all still holds: its kernel
    /// entries move in one transaction and the session goes on, without a new login.
    async fn move_session(
        &self,
        mac: &str,
        from: Ipv4Addr,
        to: Ipv4Addr,
    ) -> Result<bool, GatewayError> {
        let mut reg = self.online.lock().await;
        let Some(active) = reg.sessions.get(mac).filter(|a| a.ip == from) else {
            return Ok(false);
        };
        if reg.by_ip(to).is_some() || self.leased_to_other(to, mac) {
            debug!(mac, %to, "address taken meanwhile; the session stays");
            return Ok(false);
        }
        let Some(user) = reg.users.get(&active.row.user_id) else {
            return Ok(false);
        };
        let mut moved = active.clone();
        moved.ip = to;
        moved.row.ip = to.to_string();
        let now = super::now();
        // Flows are left alone: those of the old address are dead anyway, and the device's
        // IPv6 connections go on.
        let changes = vec![
            Change::Revoke(registry::revoke(active, &user.applied, false, false)),
            Change::Allow(ClientGrant {
                flush_redirected: true,
                ..registry::grant(&moved, user, now)
            }),
        ];
        // The session's counters follow it to the new address and go on counting.
        self.firewall.change_together(changes).await?;
        let (id, text) = (moved.row.id, moved.row.ip.clone());
        move_in_registry(&mut reg, mac, moved);
        drop(reg);
        // A failed write leaves the old address in the database: a restart restores the
        // session there, and the device's next sighting moves it again.
        if let Err(e) = self.store.run(move |s| s.move_session(id, &text)).await {
            warn!(error = %e, session = id, "could not record the address change");
        }
        Ok(true)
    }
}

/// The registry follows the kernel at once: later revokes must name the new address.
fn move_in_registry(reg: &mut Registry, mac: &str, moved: registry::Active) {
    if let Some(old) = reg.remove_session(mac) {
        info!(mac, from = %old.ip, to = %moved.ip, session = moved.row.id, "device changed address; session follows");
    }
    reg.insert_session(moved);
}
