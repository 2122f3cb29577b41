//! Social login, brokered by the Hotspot Manager (README, "Social login"). The splash's
//! button leads to [`Gateway::social_start`], which binds a login attempt to this device and
//! sends the guest to the manager; the manager sends the guest back with an assertion it
//! signed for this unit, which [`Gateway::social_login`] verifies offline with the manager's
//! key from the unit's registration: signature, unit, expiry, the attempt being this
//! device's, the provider being one the venue offers, and the assertion never used before.
//! The guest (`provider:subject`) then goes through the same funnel as every login, and what
//! the provider told about it is kept with it.

use std::net::Ipv4Addr;

use tracing::{info, warn};

use super::LoginError;
use crate::gateway::{ClientView, Gateway, GatewayError, GuestLogin, now};
use crate::model::form_token;
use crate::model::guest::Method;
use crate::model::otp::code_hash;
use crate::model::settings::Lang;
use crate::proto::assertion::{AssertionError, GuestAssertion};
use crate::store::UnitIdentity;

/// Why a social login was refused (the message is the guest's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SocialRefusal {
    /// Not signed by the manager for this unit, or expired.
    #[error("this sign-in is not valid here or has expired; go back and sign in again")]
    Invalid,
    /// Already used once.
    #[error("this sign-in was already used; go back and sign in again")]
    Used,
    /// Started on another device (or too long ago).
    #[error("this sign-in was started on another device; sign in again from this one")]
    OtherDevice,
    /// The device had its few minutes to sign in in its browser within the hour.
    #[error("this device already had its minutes to sign in in the browser; try again later")]
    GrantUsed,
}

/// How long a device may use the network to finish signing in in its browser.
pub const BROWSER_GRANT_SECS: u32 = 300;

/// Grants per device: one in this many seconds.
const BROWSER_GRANT_WINDOW_SECS: i64 = 3600;

/// What the unit needs of its registration for social login: the manager's address, the
/// hotspot and unit ids it asserts for, and its public key. Read from the unit's identity
/// (`hotspotd unit register`) on each use, so a new registration applies at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialUnit {
    /// The unit's id at the manager.
    pub unit_id: i64,
    /// Its hotspot's id at the manager.
    pub hotspot_id: i64,
    /// The manager's base URL.
    pub manager_url: String,
    /// The manager's Ed25519 public key, hex.
    pub manager_key: String,
}

impl From<UnitIdentity> for SocialUnit {
    fn from(id: UnitIdentity) -> Self {
        SocialUnit {
            unit_id: id.unit_id,
            hotspot_id: id.hotspot_id,
            manager_url: id.manager_url.trim_end_matches('/').to_string(),
            manager_key: id.manager_key,
        }
    }
}

/// A login attempt is a portal form token for the device's MAC (not its address: the
/// guest may come back through another browser, even after DHCP moved it).
fn attempt_device(mac: &str) -> String {
    format!("social-attempt {mac}")
}

impl Gateway {
    /// The unit's registration, if it has one.
    async fn social_unit(&self) -> Result<Option<SocialUnit>, LoginError> {
        let id = (self.store).run(|s| s.identity()).await;
        Ok(id.map_err(GatewayError::from)?.map(SocialUnit::from))
    }

    /// Where the device at `ip` goes to sign in with `provider`: the manager's start address
    /// with this unit, a new attempt bound to the device, and the portal (`portal_origin`)
    /// to come back to.
    pub async fn social_start(
        &self,
        ip: Ipv4Addr,
        provider: &str,
        portal_origin: &str,
    ) -> Result<String, LoginError> {
        let mac = self.device_at(ip)?;
        let settings = self.hotspot();
        let social = &settings.methods.social;
        if !social.enabled || !social.providers.iter().any(|p| p == provider) {
            return Err(LoginError::MethodUnavailable);
        }
        let Some(unit) = self.social_unit().await? else {
            warn!("social login offered but this unit is not registered: `hotspotd unit register`");
            return Err(LoginError::MethodUnavailable);
        };
        let attempt = form_token::issue(&self.key, &attempt_device(&mac), now());
        let query = serde_urlencoded::to_string([
            ("unit", unit.unit_id.to_string()),
            ("attempt", attempt),
            ("return", portal_origin.to_string()),
        ])
        .map_err(|e| GatewayError::Inconsistent(e.to_string()))?;
        info!(%mac, %ip, provider, "social login started");
        Ok(format!(
            "{}/social/{}/{provider}/start?{query}",
            unit.manager_url, unit.hotspot_id
        ))
    }

    /// Lets the device at `ip` use the network for [`BROWSER_GRANT_SECS`] (once an hour),
    /// because providers such as Google and Facebook refuse to run inside the OS captive
    /// popup: the operating system then sees the network as open, and the guest finishes
    /// signing in in a normal browser. Answers the seconds granted.
    pub async fn social_browser_grant(&self, ip: Ipv4Addr) -> Result<u32, LoginError> {
        let mac = self.device_at(ip)?;
        let settings = self.hotspot();
        let social = &settings.methods.social;
        if !social.enabled {
            return Err(LoginError::MethodUnavailable);
        }
        if self.online.lock().await.sessions.contains_key(&mac) {
            return Ok(BROWSER_GRANT_SECS);
        }
        let (m, profile) = (mac.clone(), social.profile.clone());
        let now = now();
        let hash = code_hash(&self.key, "social-browser-grant", &format!("{mac} {now}"));
        let since = now - BROWSER_GRANT_WINDOW_SECS;
        let user = (self.store)
            .run(move |s| s.social_grant(&m, &profile, &hash, since, now))
            .await
            .map_err(GatewayError::from)?
            .ok_or(SocialRefusal::GrantUsed)?;
        let secs = u64::from(BROWSER_GRANT_SECS);
        self.admit_for(mac.clone(), ip, user, Some(secs)).await?;
        info!(%mac, %ip, secs, "social login: time to sign in in the browser");
        Ok(BROWSER_GRANT_SECS)
    }

    /// Logs in the device at `ip` with the manager's `signed` assertion.
    pub async fn social_login(
        &self,
        ip: Ipv4Addr,
        signed: &str,
        lang: Lang,
    ) -> Result<ClientView, LoginError> {
        let mac = self.device_at(ip)?;
        let settings = self.hotspot();
        let social = &settings.methods.social;
        if !social.enabled {
            return Err(LoginError::MethodUnavailable);
        }
        let Some(unit) = self.social_unit().await? else {
            return Err(LoginError::MethodUnavailable);
        };
        let now = now();
        let a = GuestAssertion::verify(signed, &unit.manager_key, unit.unit_id, now).map_err(
            |e: AssertionError| {
                warn!(%mac, %ip, error = %e, "social assertion refused");
                SocialRefusal::Invalid
            },
        )?;
        if !form_token::verify(&self.key, &attempt_device(&mac), &a.attempt, now) {
            warn!(%mac, %ip, id = a.id, "social assertion for another device's attempt");
            return Err(SocialRefusal::OtherDevice.into());
        }
        let (Some(provider), Some(subject)) =
            (a.profile.provider.clone(), a.profile.subject.clone())
        else {
            return Err(SocialRefusal::Invalid.into());
        };
        if !social.providers.contains(&provider) {
            warn!(%mac, provider, "social assertion from a provider this hotspot does not offer");
            return Err(LoginError::MethodUnavailable);
        }
        let (id, expires_at) = (a.id.clone(), a.expires_at);
        let fresh = (self.store)
            .run(move |s| s.use_assertion(&id, expires_at, now))
            .await
            .map_err(GatewayError::from)?;
        if !fresh {
            warn!(%mac, %ip, id = a.id, "social assertion replayed");
            return Err(SocialRefusal::Used.into());
        }
        let identifier = format!("{provider}:{subject}");
        let Some(user) = self
            .guest_user(Method::Social, &identifier, &social.profile)
            .await?
        else {
            warn!(
                profile = social.profile,
                "social login refused: methods.social.profile names no profile; create it \
                 (`hotspotd profile add`) or name one from `hotspotd profile list`"
            );
            return Err(LoginError::MethodUnavailable);
        };
        let login = GuestLogin {
            method: Method::Social,
            identifier: identifier.clone(),
            verified: true,
            mac: mac.clone(),
            lang,
            consents: Vec::new(),
        };
        let view = self.admit_guest(login, ip, user).await?;
        let profile = a.profile;
        let kept = (self.store)
            .run(move |s| s.save_social_profile(&identifier, &profile, now))
            .await;
        // Online either way; a profile that could not be kept is the operator's to see.
        if let Err(e) = kept {
            warn!(%mac, error = %e, "social guest's profile could not be kept");
        }
        info!(%mac, %ip, provider, "social login");
        Ok(view)
    }
}
