//! Where online devices are: an IPv4 address change follows the session, and IPv6 addresses
//! a device is seen using join its session (one address, one device).

use std::net::{Ipv4Addr, Ipv6Addr};

use tracing::{info, warn};

use super::registry::{self, Registry};
use super::{Gateway, GatewayError};
use crate::firewall::{Change, ClientGrant, Ipv6Drop};

/// IPv6 addresses one session holds at most (privacy addresses rotate daily, sessions may
/// last weeks): a new one beyond this replaces the device's least recently seen address,
/// so the kernel maps stay bounded and the addresses in use keep passing.
pub const MAX_IPV6_PER_DEVICE: usize = 16;

impl Gateway {
    /// Follows an online device to a new address seen in ARP (a DHCP renewal gave it another
    /// one): its kernel entries move in one transaction and the session goes on, without a new
    /// login. Ignored when the address is outside the guest subnet, held by another session, or
    /// leased to another device.
    pub async fn follow_address(&self, mac: &str, ip: Ipv4Addr) -> Result<bool, GatewayError> {
        if self.config.guest_lan(ip).is_none() {
            return Ok(false);
        }
        let mut reg = self.online.lock().await;
        let Some(active) = reg.sessions.get(mac) else {
            return Ok(false);
        };
        // Nearly every sighting is an online device at its own address: settled first.
        if active.ip == ip || reg.by_ip(ip).is_some() {
            return Ok(false);
        }
        if self.leased_to_other(ip, mac) {
            return Ok(false);
        }
        let Some(user) = reg.users.get(&active.row.user_id) else {
            return Ok(false);
        };
        let mut moved = active.clone();
        moved.ip = ip;
        moved.row.ip = ip.to_string();
        let now = super::now();
        // Flows are left alone: those of the old address are dead anyway, and the device's
        // IPv6 connections go on (its IPv6 entries are re-added with the new counters).
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
        // The registry follows the kernel at once: later revokes must name the new address.
        if let Some(old) = reg.remove_session(mac) {
            info!(mac, from = %old.ip, to = %ip, session = id, "device changed address; session follows");
        }
        reg.insert_session(moved);
        drop(reg);
        // A failed write leaves the old address in the database: a restart restores the
        // session there, and the device's next ARP sighting moves it again.
        if let Err(e) = self.store.run(move |s| s.move_session(id, &text)).await {
            warn!(error = %e, session = id, "could not record the address change");
        }
        Ok(true)
    }

    /// Whether `ip` may be authorised with the device `mac`: a routable address in the guest
    /// prefix that no other online device holds.
    fn ipv6_claimable(&self, reg: &Registry, mac: &str, ip: Ipv6Addr) -> bool {
        crate::config::in_guest_prefix6(&self.config.lans, ip)
            && crate::sniff::ipv6::is_routable_unicast(ip)
            && reg.holder6(ip).is_none_or(|holder| holder == mac)
    }

    /// The IPv6 addresses the capture saw `mac` use that can join its new session.
    pub(super) fn ipv6_of_new_session(&self, reg: &Registry, mac: &str) -> Vec<Ipv6Addr> {
        let seen = {
            let table = self.device_table.lock().unwrap_or_else(|p| p.into_inner());
            table.get(mac).map(|d| d.ips6.clone()).unwrap_or_default()
        };
        let mut ips: Vec<Ipv6Addr> = seen
            .into_iter()
            .filter(|ip| self.ipv6_claimable(reg, mac, *ip))
            .collect();
        ips.truncate(MAX_IPV6_PER_DEVICE);
        ips
    }

    /// Adds an IPv6 address an online device was seen using to its session: its traffic from
    /// and to that address passes, counted and limited with the rest of the session. Ignored
    /// for devices offline, addresses outside every `lan.subnet6` and addresses another device holds
    /// (a spoofed source never takes over someone else's address).
    pub async fn bind_ipv6(&self, mac: &str, ip: Ipv6Addr) -> Result<bool, GatewayError> {
        if self.config.lans.iter().all(|lan| lan.subnet6.is_none()) {
            return Ok(false);
        }
        let mut reg = self.online.lock().await;
        let Some(active) = reg.sessions.get(mac) else {
            return Ok(false);
        };
        if active.ip6.contains(&ip) {
            return Ok(false);
        }
        if !self.ipv6_claimable(&reg, mac, ip) {
            if let Some(holder) = reg.holder6(ip) {
                warn!(mac, %ip, holder, "IPv6 address of another online device refused");
            }
            return Ok(false);
        }
        let Some(user) = reg.users.get(&active.row.user_id) else {
            return Ok(false);
        };
        let mut grown = active.clone();
        let replaced = if grown.ip6.len() >= MAX_IPV6_PER_DEVICE {
            self.address_to_replace(mac, &grown.ip6)
        } else {
            None
        };
        grown.ip6.retain(|a| Some(*a) != replaced);
        grown.ip6.push(ip);
        // Adding what exists changes nothing in the kernel: only the new address's elements
        // are new, and they name the session's existing counters, limits and quotas.
        let grant = registry::grant(&grown, user, super::now());
        let mut changes = vec![Change::Allow(grant.clone())];
        if let Some(old) = replaced {
            changes.push(Change::DropIpv6(Ipv6Drop {
                client: grant,
                ip: old,
            }));
        }
        self.firewall.change_together(changes).await?;
        info!(mac, %ip, session = grown.row.id, "IPv6 address joins the session");
        reg.add_ip6(mac, ip);
        if let Some(old) = replaced {
            info!(mac, ip = %old, limit = MAX_IPV6_PER_DEVICE, "least recently seen IPv6 address leaves the session");
            reg.remove_ip6(mac, old);
        }
        Ok(true)
    }

    /// The session address to give up for a new one: see `least_recently_seen`.
    fn address_to_replace(&self, mac: &str, held: &[Ipv6Addr]) -> Option<Ipv6Addr> {
        let table = self.device_table.lock().unwrap_or_else(|p| p.into_inner());
        least_recently_seen(held, table.get(mac).map_or(&[], |d| &d.ips6))
    }
}

/// Of a session's addresses (oldest first), the one the device used least recently, going
/// by `recent` (the capture's latest few sightings, latest last; an address in use is
/// reported again every few seconds): the oldest held address that is not recent, else the
/// recent one seen longest ago.
fn least_recently_seen(held: &[Ipv6Addr], recent: &[Ipv6Addr]) -> Option<Ipv6Addr> {
    let rank = |a: &Ipv6Addr| recent.iter().position(|r| r == a).map_or(0, |i| i + 1);
    // `min_by_key` keeps the first of equals: the oldest held among those not recent.
    held.iter().copied().min_by_key(rank)
}

#[cfg(test)]
mod tests;
