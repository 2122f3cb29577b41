//! Click-through: the guest accepts the terms and the privacy notice and goes online under the
//! method's profile. The device is the identity: each device gets one guest and one user, found
//! again on its next visit, so logging in again does not renew the allowance (a device that
//! changes its MAC is a new guest: MAC randomisation is the known limit).

use std::net::Ipv4Addr;
use std::sync::atomic::Ordering;

use tracing::{error, warn};

use super::LoginError;
use crate::gateway::{ClientView, Gateway, GuestLogin};
use crate::model::consent::{ConsentChoice, require_terms};
use crate::model::guest::Method;
use crate::model::settings::Lang;

impl Gateway {
    /// Logs in the device at `ip` by click-through with the choices of its form. Without the
    /// terms and privacy notice accepted nothing is recorded.
    pub async fn click_login(
        &self,
        ip: Ipv4Addr,
        lang: Lang,
        consents: Vec<ConsentChoice>,
    ) -> Result<ClientView, LoginError> {
        let result = self.try_click_login(ip, lang, consents).await;
        if result.is_err() {
            self.metrics.login_refusals.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    async fn try_click_login(
        &self,
        ip: Ipv4Addr,
        lang: Lang,
        consents: Vec<ConsentChoice>,
    ) -> Result<ClientView, LoginError> {
        let settings = self.hotspot();
        let click = &settings.methods.click;
        if !click.enabled {
            return Err(LoginError::MethodUnavailable);
        }
        require_terms(&consents)?;
        let mac = self.device_at(ip)?;
        let Some(user) = self.guest_user(Method::Click, &mac, &click.profile).await? else {
            error!(
                profile = click.profile,
                "click-through login refused: methods.click.profile names no profile; \
                 create it (`hotspotd profile add`) or name one from `hotspotd profile list`"
            );
            return Err(LoginError::MethodUnavailable);
        };
        let login = GuestLogin {
            method: Method::Click,
            identifier: mac.clone(),
            verified: false,
            mac,
            lang,
            consents,
        };
        self.admit_guest(login, ip, user).await
    }

    /// MAC auto-login: a device that logged in by click-through before, whose profile has not
    /// ended, is logged in again without the splash (when the venue turned it on). `None`:
    /// not such a device, or its login was refused now (e.g. today's allowance is used up):
    /// it sees the splash, whose button then says why.
    pub async fn click_auto_login(&self, ip: Ipv4Addr) -> Option<ClientView> {
        let settings = self.hotspot();
        let click = &settings.methods.click;
        if !click.enabled || !click.mac_auto_login {
            return None;
        }
        let mac = self.device_at(ip).ok()?;
        let user = match self.returning_guest_user(Method::Click, &mac).await {
            Ok(user) => user?,
            Err(e) => {
                warn!(error = %e, %mac, "MAC auto-login could not look the device up");
                return None;
            }
        };
        let view = self.admit(mac.clone(), ip, user).await.ok()?;
        self.note_click_guest(mac, settings.default_language).await;
        Some(view)
    }

    /// Records the visit of a device logged in again by its MAC (no form, no consent).
    async fn note_click_guest(&self, mac: String, lang: Lang) {
        let login = GuestLogin {
            method: Method::Click,
            identifier: mac.clone(),
            verified: false,
            mac,
            lang,
            consents: Vec::new(),
        };
        // The guest is online; a visit that could not be recorded is the operator's to see.
        if let Err(e) = self.record_guest_login(login).await {
            error!(error = %e, "click-through guest's visit could not be recorded");
        }
    }
}
