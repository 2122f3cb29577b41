//! What operators do to devices directly: list them, let one in, put one out.

use std::net::Ipv4Addr;

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;
use tracing::warn;

use super::{ClientView, Gateway, GatewayError, LoginError, now};
use crate::model::access::parse_mac;
use crate::model::profile::State;
use crate::model::session::TerminateCause;
use crate::model::voucher_code::operator_grant_hash;
use crate::neighbours;
use crate::sniff::devices::DeviceInfo;

/// A device seen on the guest network.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// MAC.
    pub mac: String,
    /// IPv4 address (neighbour table, else the latest seen in ARP or DHCP).
    pub ip: String,
    /// What ARP and DHCP told about it.
    pub seen: Option<DeviceInfo>,
    /// Its session, if online.
    pub session_id: Option<i64>,
    /// Its user, if online.
    pub user_id: Option<i64>,
}

/// An operator action failed.
#[derive(Debug, Error)]
pub enum OperatorError {
    /// Not a MAC or IPv4 address.
    #[error("{0:?} is not a MAC or IPv4 address")]
    BadDevice(String),
    /// The device is not in the neighbour table (not connected, or silent).
    #[error("{0} is not on the guest network right now (not in the neighbour table)")]
    NotPresent(String),
    /// No such profile.
    #[error("no profile named {0:?}")]
    NoProfile(String),
    /// No session for the device.
    #[error("no active session for {0}")]
    NotOnline(String),
    /// The login was refused (e.g. the profile's limits).
    #[error(transparent)]
    Login(#[from] LoginError),
    /// Our fault.
    #[error(transparent)]
    Internal(#[from] GatewayError),
}

impl Gateway {
    /// Devices on the LAN (neighbour table and ARP/DHCP capture), with their sessions.
    pub async fn devices(&self) -> Vec<Device> {
        let mut found: BTreeMap<String, String> = self
            .neighbours()
            .into_iter()
            .map(|(ip, mac)| (mac, ip.to_string()))
            .collect();
        let seen: BTreeMap<String, DeviceInfo> = {
            let table = self.device_table.lock().unwrap_or_else(|p| p.into_inner());
            found
                .keys()
                .cloned()
                .chain(table.macs())
                .filter_map(|m| table.get(&m).cloned().map(|d| (m, d)))
                .collect()
        };
        for (mac, d) in &seen {
            if let Some(ip) = d.ips.last().or(d.leased_ip.as_ref()) {
                found.entry(mac.clone()).or_insert_with(|| ip.to_string());
            }
        }
        let reg = self.online.lock().await;
        found
            .into_iter()
            .map(|(mac, ip)| {
                let session = reg.sessions.get(&mac);
                Device {
                    session_id: session.map(|a| a.row.id),
                    user_id: session.map(|a| a.row.user_id),
                    seen: seen.get(&mac).cloned(),
                    ip,
                    mac,
                }
            })
            .collect()
    }

    /// The kernel's neighbour entries on every guest network, each network's own addresses
    /// only: the kernel also learns an address a guest claims from another network's range.
    fn neighbours(&self) -> Vec<(Ipv4Addr, String)> {
        let table = neighbours::read();
        (self.config.lans.iter())
            .flat_map(|lan| {
                neighbours::entries(&table, &lan.interface)
                    .into_iter()
                    .filter(|(ip, _)| lan.subnet.contains(ip))
            })
            .collect()
    }

    /// Resolves a MAC or IPv4 address to the (MAC, IP) pair on the LAN.
    fn resolve(&self, device: &str) -> Result<(String, Ipv4Addr), OperatorError> {
        let table = self.neighbours();
        let found = if let Ok(ip) = device.parse::<Ipv4Addr>() {
            table.into_iter().find(|(a, _)| *a == ip)
        } else if let Some(mac) = parse_mac(device) {
            table.into_iter().find(|(_, m)| *m == mac)
        } else {
            return Err(OperatorError::BadDevice(device.to_string()));
        };
        let (ip, mac) = found.ok_or_else(|| OperatorError::NotPresent(device.to_string()))?;
        // The same checks as a guest's own login: a guest address, not leased to another.
        if self.device_at(ip)? != mac {
            return Err(OperatorError::NotPresent(device.to_string()));
        }
        Ok((mac, ip))
    }

    /// Lets a device in under a profile. The device gets one user per profile (a voucher
    /// with no code, noted "operator auth of MAC"), so its sessions have the same history and
    /// limits as any other and grants do not pile up users: authorising it again with the
    /// same profile continues that profile while it runs, assigns it afresh once ended, and
    /// undoes a revocation.
    pub async fn authorize(
        &self,
        device: &str,
        profile: String,
    ) -> Result<ClientView, OperatorError> {
        let (mac, ip) = self.resolve(device)?;
        let key = self.key.clone();
        let note = format!("operator auth of {mac}");
        let (name, device_mac) = (profile.clone(), mac.clone());
        let (user, created) = self
            .store
            .run(move |s| {
                let Some(p) = s.profile_by_name(&name)? else {
                    return Ok(None);
                };
                let hash = operator_grant_hash(&key, &device_mac, p.id);
                let now = now();
                let Some(user) = s.user_by_code_hash(&hash)? else {
                    let made = s.insert_vouchers(&[hash], (p.id, p.clock), None, &note, now)?;
                    return Ok(Some((made[0], true)));
                };
                let running = s.assignments(user.id, now)?.iter().any(|a| {
                    a.profile_id == p.id
                        && a.state != State::Used
                        && a.ends_at.is_none_or(|end| end > now)
                });
                if !running {
                    s.assign_profile(user.id, (p.id, p.clock), now)?;
                }
                // A revoked grant: the operator lets the device in again.
                s.enable_user(user.id)?;
                Ok(Some((user.id, false)))
            })
            .await
            .map_err(GatewayError::from)?
            .ok_or(OperatorError::NoProfile(profile))?;
        let refusal = match self.admit_user_id(mac, ip, user).await {
            Ok(view) => return Ok(view),
            Err(e) => e,
        };
        // A user made for this admission alone (its code was never shown to anyone) would
        // stay in the voucher list for good.
        if created && let Err(e) = self.store.run(move |s| s.discard_unused_user(user)).await {
            warn!(error = %e, user, "could not delete the voucher user of a refused operator auth");
        }
        Err(refusal.into())
    }

    /// Ends a device's session by MAC or IP.
    pub async fn deauthorize(&self, device: &str) -> Result<(), OperatorError> {
        let mut reg = self.online.lock().await;
        let mac = match device.parse::<Ipv4Addr>() {
            Ok(ip) => reg.by_ip(ip).map(|a| a.row.mac.clone()),
            Err(_) => Some(
                parse_mac(device).ok_or_else(|| OperatorError::BadDevice(device.to_string()))?,
            ),
        }
        .ok_or_else(|| OperatorError::NotOnline(device.to_string()))?;
        if !self
            .end_locked(&mut reg, &mac, TerminateCause::AdminReset)
            .await?
        {
            return Err(OperatorError::NotOnline(device.to_string()));
        }
        Ok(())
    }
}

impl Gateway {
    /// Takes in what the capture saw of a device.
    pub fn observe(&self, sighting: crate::sniff::devices::Sighting) {
        let mut table = self.device_table.lock().unwrap_or_else(|p| p.into_inner());
        table.observe(sighting, now());
    }

    /// Whether the capture saw DHCP lease `ip` to a device other than `mac`.
    pub fn leased_to_other(&self, ip: Ipv4Addr, mac: &str) -> bool {
        let table = self.device_table.lock().unwrap_or_else(|p| p.into_inner());
        table.lease_holder(ip).is_some_and(|holder| holder != mac)
    }
}
