//! Which session a portal request may touch. A request comes from an address, but an address
//! can be taken by another device: every portal action identifies the device as a login does
//! (its MAC in the neighbour table, not using an address leased to another device) and touches
//! only that device's own session.

use std::net::Ipv4Addr;

use super::{ClientView, Gateway, LoginError, now};
use crate::model::form_token;
use crate::model::session::TerminateCause;

impl Gateway {
    /// The session of the device at `ip`, if that device is online there.
    pub async fn client_at(&self, ip: Ipv4Addr) -> Option<ClientView> {
        // Most portal requests come from guests who are not online: answer those without
        // reading the neighbour table.
        self.online.lock().await.by_ip(ip)?;
        let mac = self.device_at(ip).ok()?;
        let reg = self.online.lock().await;
        let active = reg.sessions.get(&mac).filter(|a| a.ip == ip)?;
        reg.view(active, now())
    }

    /// Logs out the device at `ip` (the guest's own request). `Ok(false)`: it was not online.
    /// A device on an address whose session is another device's is refused.
    pub async fn logout(&self, ip: Ipv4Addr) -> Result<bool, LoginError> {
        let mac = self.device_at(ip)?;
        let mut reg = self.online.lock().await;
        if reg.sessions.get(&mac).is_some_and(|a| a.ip == ip) {
            return Ok(self
                .end_locked(&mut reg, &mac, TerminateCause::UserRequest)
                .await?);
        }
        if reg.by_ip(ip).is_some() {
            tracing::warn!(%mac, %ip, "logout of another device's session refused");
            return Err(LoginError::AddressConflict);
        }
        Ok(false)
    }

    /// A token for the portal's forms shown to the device at `ip`. It is bound to the address
    /// only: the MAC behind it is checked when the form is posted (as above), and reading the
    /// kernel's neighbour table for every page shown costs ~50 ms with 10,000 neighbours.
    pub fn form_token(&self, ip: Ipv4Addr) -> String {
        form_token::issue(&self.key, &ip.to_string(), now())
    }

    /// Whether `token` was given, recently, to a device at `ip`.
    pub fn form_token_valid(&self, ip: Ipv4Addr, token: &str) -> bool {
        form_token::verify(&self.key, &ip.to_string(), token, now())
    }
}
