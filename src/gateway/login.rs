//! Logging a device in with a voucher code.

use std::net::Ipv4Addr;

use thiserror::Error;
use tracing::{info, warn};

use super::registry::Active;
use super::{Gateway, GatewayError, now};
use crate::firewall::Change;
use crate::model::session::TerminateCause;
use crate::model::throttle::Throttled;
use crate::model::voucher::{LoginRefusal, decide_login};
use crate::model::voucher_code::{CodeError, VoucherCode};
use crate::neighbours;
use crate::store::NewSession;

/// Why a login did not succeed; the message is shown to the guest.
#[derive(Debug, Error)]
pub enum LoginError {
    /// The request did not come from a device on the guest network.
    #[error(
        "your device could not be identified on the guest network; reconnect to the Wi-Fi and try again"
    )]
    UnknownDevice,
    /// Too many wrong codes.
    #[error("too many wrong codes; please wait {0} seconds and try again")]
    Throttled(i64),
    /// The input cannot be a code.
    #[error("{0}")]
    Malformed(#[from] CodeError),
    /// No voucher has this code.
    #[error("this code is not valid; check it and try again")]
    WrongCode,
    /// The voucher exists but cannot be used now.
    #[error("{0}")]
    Refused(#[from] LoginRefusal),
    /// Our fault; details are in the log.
    #[error("the hotspot could not log you in because of an internal error; please ask staff")]
    Internal(#[from] GatewayError),
}

impl Gateway {
    /// Logs in the device at `ip` with a typed voucher code.
    pub async fn login_with_voucher(
        &self,
        ip: Ipv4Addr,
        typed: &str,
    ) -> Result<super::ClientView, LoginError> {
        if !self.config.lan_subnet.contains(&ip) {
            return Err(LoginError::UnknownDevice);
        }
        let mac =
            neighbours::lookup(ip, &self.config.lan_interface).ok_or(LoginError::UnknownDevice)?;
        self.check_throttle(&mac)?;
        let code = VoucherCode::parse(typed)?;
        let hash = code.keyed_hash(&self.key);
        // Everything from reading the voucher's usage to recording the new session happens
        // under the lock, so two devices racing with a single-use code cannot both get in.
        let mut reg = self.sessions.lock().await;
        let voucher = self
            .store
            .run(move |s| s.voucher_by_hash(&hash))
            .await
            .map_err(GatewayError::from)?;
        let Some(voucher) = voucher else {
            drop(reg);
            let wait = self.record_failure(&mac);
            warn!(%mac, %ip, wait, "wrong voucher code");
            return Err(LoginError::WrongCode);
        };
        self.throttle_success(&mac);

        let now = now();
        let current = reg.get(&mac).map(|a| (a.row.voucher_id, a.ip));
        let same_voucher_online = current.is_some_and(|(v, _)| v == voucher.id);
        let grant = decide_login(
            &voucher.terms,
            &voucher.usage,
            voucher.created_at,
            reg.voucher_devices(voucher.id),
            same_voucher_online,
            now,
        )?;
        // Decided: only now end what the new session replaces.
        match current {
            Some((_, old_ip)) if same_voucher_online && old_ip == ip => {
                if let Some(a) = reg.get(&mac) {
                    return Ok(a.view(now));
                }
            }
            // Same device and voucher, new address (DHCP gave it another one): the session
            // moves, without using up another login.
            Some(_) if same_voucher_online => {
                self.end_locked(&mut reg, &mac, TerminateCause::LostCarrier)
                    .await?;
            }
            Some(_) => {
                self.end_locked(&mut reg, &mac, TerminateCause::UserRequest)
                    .await?;
            }
            None => {}
        }
        // Another device holding this IP has left (its lease went to this device).
        if let Some(other) = reg
            .by_ip(ip)
            .filter(|a| a.row.mac != mac)
            .map(|a| a.row.mac.clone())
        {
            self.end_locked(&mut reg, &other, TerminateCause::LostCarrier)
                .await?;
        }

        let new = NewSession {
            voucher_id: voucher.id,
            mac: mac.clone(),
            ip: ip.to_string(),
            started_at: now,
            session_timeout: self.config.session_timeout,
            idle_timeout: self.config.idle_timeout,
            rate_down_bps: voucher.terms.rate_down_bps.or(self.config.rate_down_bps),
            rate_up_bps: voucher.terms.rate_up_bps.or(self.config.rate_up_bps),
        };
        let row = self
            .store
            .run(move |s| s.start_session(&new, &grant))
            .await
            .map_err(GatewayError::from)?;
        let active = Active::new(row, ip, &voucher);
        if let Err(e) = self.firewall.change(Change::Allow(active.grant(now))).await {
            let progress = active.progress();
            self.store
                .run(move |s| s.end_session(&progress, TerminateCause::NasError, now))
                .await
                .map_err(GatewayError::from)?;
            return Err(GatewayError::from(e).into());
        }
        info!(%mac, %ip, session = active.row.id, voucher = voucher.id, "guest logged in");
        let view = active.view(now);
        reg.insert(active);
        Ok(view)
    }

    fn check_throttle(&self, device: &str) -> Result<(), LoginError> {
        let mut t = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
        t.check(device, now())
            .map_err(|t: Throttled| LoginError::Throttled(t.retry_after()))
    }

    fn record_failure(&self, device: &str) -> i64 {
        let mut t = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
        t.record_failure(device, now())
    }

    fn throttle_success(&self, device: &str) {
        let mut t = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
        t.record_success(device);
    }
}
