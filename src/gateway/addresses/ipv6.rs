//! IPv6 addresses join the session of the device seen using them: one address, one device.
//! An address stays its holder's while the holder uses it; one its holder has not been seen
//! using for a while, and that it does not answer for when asked, can go to another device.

use std::net::Ipv6Addr;

use tracing::{info, warn};

use super::claims::Contest;
use crate::firewall::{Change, Ipv6Drop};
use crate::gateway::registry::{self, Registry};
use crate::gateway::{Gateway, GatewayError};

/// IPv6 addresses one session holds at most (privacy addresses rotate daily, sessions may
/// last weeks): a new one beyond this replaces the device's least recently seen address,
/// so the kernel maps stay bounded and the addresses in use keep passing.
pub const MAX_IPV6_PER_DEVICE: usize = 16;

/// Who may take an address.
enum Holder {
    /// Nobody online holds it.
    Free,
    /// Another device does and keeps it.
    Other(String),
    /// Another device did, but has not used it lately nor answered for it: it changes hands.
    Lapsed(String),
}

impl Gateway {
    /// Whether `ip` can be authorised at all: a routable address in a guest prefix.
    fn ipv6_usable(&self, ip: Ipv6Addr) -> bool {
        crate::config::in_guest_prefix6(&self.config.lans, ip)
            && crate::sniff::ipv6::is_routable_unicast(ip)
    }

    /// The IPv6 addresses the capture saw `mac` use that can join its new session: those
    /// nobody else holds.
    pub(in crate::gateway) fn ipv6_of_new_session(
        &self,
        reg: &Registry,
        mac: &str,
    ) -> Vec<Ipv6Addr> {
        let seen = {
            let table = self.device_table.lock().unwrap_or_else(|p| p.into_inner());
            table.get(mac).map(|d| d.ips6.clone()).unwrap_or_default()
        };
        let mut ips: Vec<Ipv6Addr> = seen
            .into_iter()
            .filter(|ip| {
                self.ipv6_usable(*ip) && reg.holder6(*ip).is_none_or(|holder| holder == mac)
            })
            .collect();
        ips.truncate(MAX_IPV6_PER_DEVICE);
        ips
    }

    /// Who holds `ip`, for a claim by `mac` at `now`: a silent holder is asked first (with
    /// a neighbour solicitation its device answers if it still uses the address).
    fn holder_for_claim(&self, reg: &Registry, mac: &str, ip: Ipv6Addr, now: i64) -> Holder {
        let Some((holder, seen)) = reg.holder6_seen(ip).filter(|(h, _)| *h != mac) else {
            return Holder::Free;
        };
        let contest = (self.address_watch.claims()).contest6(ip, seen, now);
        match contest {
            Contest::Refuse => Holder::Other(holder.to_string()),
            Contest::Ask => {
                info!(mac, %ip, holder, "IPv6 address claimed from a silent holder; asking whether it still uses it");
                if let Err(e) = crate::neighbours::probe::solicit(ip) {
                    warn!(error = %e, %ip, "could not send a neighbour solicitation");
                }
                Holder::Other(holder.to_string())
            }
            Contest::TakeOver => Holder::Lapsed(holder.to_string()),
        }
    }

    /// Adds an IPv6 address an online device was seen using to its session: its traffic from
    /// and to that address passes, counted and limited with the rest of the session. Ignored
    /// for devices offline and addresses outside every `lan.subnet6`; refused while another
    /// device holds the address (a spoofed source never takes over an address in use).
    pub async fn bind_ipv6(&self, mac: &str, ip: Ipv6Addr) -> Result<bool, GatewayError> {
        if self.config.lans.iter().all(|lan| lan.subnet6.is_none()) {
            return Ok(false);
        }
        let now = crate::gateway::now();
        let mut reg = self.online.lock().await;
        let Some(active) = reg.sessions.get(mac) else {
            return Ok(false);
        };
        if active.ip6.contains(&ip) {
            reg.saw_ip6(mac, ip, now);
            return Ok(false);
        }
        if !self.ipv6_usable(ip) {
            return Ok(false);
        }
        let lapsed = match self.holder_for_claim(&reg, mac, ip, now) {
            Holder::Free => None,
            Holder::Other(holder) => {
                warn!(mac, %ip, holder, "IPv6 address of another online device refused");
                return Ok(false);
            }
            Holder::Lapsed(holder) => Some(holder),
        };
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
        let mut changes = Vec::new();
        // The silent holder gives the address up in the same transaction.
        if let Some(holder) = lapsed.as_deref().and_then(|h| reg.sessions.get(h))
            && let Some(holder_user) = reg.users.get(&holder.row.user_id)
        {
            changes.push(Change::DropIpv6(Ipv6Drop {
                client: registry::grant(holder, holder_user, now),
                ip,
            }));
        }
        // Adding what exists changes nothing in the kernel: only the new address's elements
        // are new, and they name the session's existing counters, limits and quotas.
        let grant = registry::grant(&grown, user, now);
        changes.push(Change::Allow(grant.clone()));
        if let Some(old) = replaced {
            changes.push(Change::DropIpv6(Ipv6Drop {
                client: grant,
                ip: old,
            }));
        }
        self.firewall.change_together(changes).await?;
        if let Some(holder) = &lapsed {
            info!(mac, %ip, from = holder, "IPv6 address its holder no longer uses changes hands");
            reg.remove_ip6(holder, ip);
        }
        info!(mac, %ip, session = grown.row.id, "IPv6 address joins the session");
        reg.add_ip6(mac, ip, now);
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
