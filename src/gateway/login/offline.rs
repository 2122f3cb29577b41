//! The offline pass: while a registered unit cannot reach its manager and the reseller chose
//! `offline.policy = "pass"`, any guest may accept the terms and go online on the capped
//! profile `offline.profile`. The device is the identity (as for click-through), so taking the
//! pass again does not renew the cap until the profile has ended. Once the manager answers
//! again no pass is given; sessions already let through keep their cap.

use std::net::Ipv4Addr;
use std::sync::atomic::Ordering;

use tracing::{error, info, warn};

use super::LoginError;
use crate::gateway::{ClientView, Gateway, GuestLogin, now};
use crate::model::consent::{ConsentChoice, require_terms};
use crate::model::guest::Method;
use crate::model::settings::Lang;
use crate::store::ManagerLink;

impl Gateway {
    /// Whether the splash offers the offline pass now: the policy says so and the manager is
    /// unreachable (a unit that was never registered, or was removed, has no manager to miss).
    pub async fn offline_pass_offered(&self) -> bool {
        self.offline_pass_open().await.is_ok()
    }

    /// `Ok` while the pass is offered, else why not in the guest's words.
    async fn offline_pass_open(&self) -> Result<(), LoginError> {
        if !self.hotspot().offline.offers_pass() {
            return Err(LoginError::MethodUnavailable);
        }
        let at = now();
        match self.store.run(move |s| s.manager_link(at)).await {
            Ok(ManagerLink::Unreachable) => Ok(()),
            Ok(ManagerLink::Reachable) => Err(LoginError::OfflinePassClosed),
            Ok(ManagerLink::Standalone) => Err(LoginError::MethodUnavailable),
            Err(e) => {
                warn!(error = %e, "cannot read the link to the manager; no offline pass offered");
                Err(LoginError::MethodUnavailable)
            }
        }
    }

    /// Logs in the device at `ip` on the offline pass with the choices of its form.
    pub async fn offline_login(
        &self,
        ip: Ipv4Addr,
        lang: Lang,
        consents: Vec<ConsentChoice>,
    ) -> Result<ClientView, LoginError> {
        let result = self.try_offline_login(ip, lang, consents).await;
        if result.is_err() {
            self.metrics.login_refusals.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    async fn try_offline_login(
        &self,
        ip: Ipv4Addr,
        lang: Lang,
        consents: Vec<ConsentChoice>,
    ) -> Result<ClientView, LoginError> {
        // Judged at the post, not when the page was shown: the manager may be back.
        self.offline_pass_open().await?;
        require_terms(&consents)?;
        let mac = self.device_at(ip)?;
        let profile = self.hotspot().offline.profile.clone();
        let Some(user) = self.guest_user(Method::Offline, &mac, &profile).await? else {
            error!(
                profile,
                "offline pass refused: offline.profile names no profile; create it \
                 (`hotspotd profile add`, or under Profiles in the manager) or name another"
            );
            return Err(LoginError::MethodUnavailable);
        };
        info!(%mac, profile, "offline pass: the manager is unreachable; device let through capped");
        let login = GuestLogin {
            method: Method::Offline,
            identifier: mac.clone(),
            verified: false,
            mac,
            lang,
            consents,
        };
        self.admit_guest(login, ip, user).await
    }
}
