//! What operators do to devices directly: list them, let one in, put one out.

use std::net::Ipv4Addr;

use serde::Serialize;
use thiserror::Error;

use super::{ClientView, Gateway, GatewayError, LoginError, now};
use crate::config::parse_mac;
use crate::model::session::TerminateCause;
use crate::model::voucher_code::VoucherCode;
use crate::neighbours;

/// A device seen on the guest network.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// MAC.
    pub mac: String,
    /// IPv4 address.
    pub ip: String,
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
    /// Devices in the neighbour table on the LAN, with their sessions.
    pub async fn devices(&self) -> Vec<Device> {
        let table = neighbours::table(&self.config.lan_interface);
        let reg = self.online.lock().await;
        table
            .into_iter()
            .map(|(ip, mac)| {
                let session = reg.sessions.get(&mac);
                Device {
                    session_id: session.map(|a| a.row.id),
                    user_id: session.map(|a| a.row.user_id),
                    ip: ip.to_string(),
                    mac,
                }
            })
            .collect()
    }

    /// Resolves a MAC or IPv4 address to the (MAC, IP) pair on the LAN.
    fn resolve(&self, device: &str) -> Result<(String, Ipv4Addr), OperatorError> {
        let table = neighbours::table(&self.config.lan_interface);
        let found = if let Ok(ip) = device.parse::<Ipv4Addr>() {
            table.into_iter().find(|(a, _)| *a == ip)
        } else if let Some(mac) = parse_mac(device) {
            table.into_iter().find(|(_, m)| *m == mac)
        } else {
            return Err(OperatorError::BadDevice(device.to_string()));
        };
        found
            .map(|(ip, mac)| (mac, ip))
            .ok_or_else(|| OperatorError::NotPresent(device.to_string()))
    }

    /// Lets a device in under a profile, as a generated voucher user (so its session has the
    /// same history and limits as any other).
    pub async fn authorize(
        &self,
        device: &str,
        profile: String,
    ) -> Result<ClientView, OperatorError> {
        let (mac, ip) = self.resolve(device)?;
        let code =
            VoucherCode::generate().map_err(|e| GatewayError::Inconsistent(e.to_string()))?;
        let hash = code.keyed_hash(&self.key);
        let note = format!("operator auth of {mac}");
        let name = profile.clone();
        let user = self
            .store
            .run(move |s| {
                let Some(p) = s.profile_by_name(&name)? else {
                    return Ok(None);
                };
                Ok(Some(
                    s.insert_vouchers(&[hash], (p.id, p.clock), None, &note, now())?[0],
                ))
            })
            .await
            .map_err(GatewayError::from)?
            .ok_or(OperatorError::NoProfile(profile))?;
        Ok(self.admit_user_id(mac, ip, user).await?)
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
