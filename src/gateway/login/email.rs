//! Email code: the guest types an address, gets a code and a link by mail, and meanwhile a
//! short temporary session (at most one per device an hour) to read it. Typing the code or
//! opening the link turns it into the real session; unconfirmed, it ends by its timeout.

use std::net::Ipv4Addr;

use tracing::{info, warn};

use super::codes::{Asked, CodeTexts, OtpError, PendingView};
use crate::delivery::{DeliveryError, Mail, Mailer};
use crate::gateway::{ClientView, Gateway, now};
use crate::metrics::CodeCounters;
use crate::model::contact::parse_email;
use crate::model::otp::{
    CODE_VALIDITY_SECS, Channel, code_hash, new_code, new_link_token, token_hash,
};
use crate::store::NewPending;

/// Temporary sessions one device may get in this many seconds.
const TEMPORARY_WINDOW_SECS: i64 = 3600;

impl Gateway {
    /// Sends a code and a link to the address the guest typed and, once an hour per device,
    /// opens a temporary session to read it. A live code already sent to this address from
    /// this device is not sent again (the page just shows it).
    pub async fn request_email_code(
        &self,
        ip: Ipv4Addr,
        typed: &str,
        asked: Asked,
        texts: &dyn CodeTexts,
        portal_url: &str,
    ) -> Result<PendingView, OtpError> {
        let mac = self.device_at(ip)?;
        let options = self.code_method(Channel::Email)?;
        let hotspot = self.hotspot();
        let email = &hotspot.methods.email;
        let address = parse_email(typed, &email.allowed_domains)?;
        let cooldown = options.limits.resend_cooldown_secs;
        let now = now();
        let m = mac.clone();
        let existing = (self.store)
            .run(move |s| s.newest_pending(&m, Channel::Email, now))
            .await?;
        if let Some(p) = existing.filter(|p| p.target == address && p.is_live(now)) {
            return Ok(PendingView::of(&p, cooldown, now));
        }
        let code = new_code()?;
        let token = new_link_token()?;
        let new = NewPending {
            channel: Channel::Email,
            code_hash: code_hash(&self.key, &address, &code),
            token_hash: Some(token_hash(&self.key, &token)),
            target: address,
            mac: mac.clone(),
            now,
            expires_at: now + CODE_VALIDITY_SECS,
            consents: asked.consents,
            lang: asked.lang,
        };
        let limits = options.limits;
        let started = self
            .store
            .run(move |s| s.start_pending(&new, &limits))
            .await?;
        let p = started.map_err(|hit| self.refused_by_limit(Channel::Email, hit))?;
        let link = format!("{portal_url}/e/{token}");
        self.deliver(Channel::Email, &p, &code, &link, texts)
            .await?;
        info!(%mac, %ip, pending = p.id, "email code sent");
        self.temporary_session(mac, ip, p.id, &options.profile, email.temporary_secs)
            .await;
        Ok(PendingView::of(&p, cooldown, now))
    }

    /// Opens the temporary session of an email login, unless the device is online or had one
    /// within the hour. Its failure is logged: the guest can still type the code.
    async fn temporary_session(
        &self,
        mac: String,
        ip: Ipv4Addr,
        pending: i64,
        profile: &str,
        secs: u32,
    ) {
        if self.online.lock().await.sessions.contains_key(&mac) {
            return;
        }
        let m = mac.clone();
        let profile = profile.to_owned();
        let key = self.key.clone();
        let made = (self.store)
            .run(move |s| {
                let since = now() - TEMPORARY_WINDOW_SECS;
                if s.temporary_grants_since(&m, since)? > 0 {
                    return Ok(None);
                }
                let Some(p) = s.profile_by_name(&profile)? else {
                    return Ok(None);
                };
                // A user of its own: the temporary session is accounted like any other, and
                // uses nothing of the guest's profile.
                let hash = code_hash(&key, "temporary-session", &pending.to_string());
                let note = "email login: temporary session to read the code";
                let user = s.insert_vouchers(&[hash], (p.id, p.clock), Some(1), note, now())?[0];
                s.set_temporary_user(pending, user)?;
                Ok(Some(user))
            })
            .await;
        match made {
            Ok(Some(user)) => match self
                .admit_for(mac.clone(), ip, user, Some(u64::from(secs)))
                .await
            {
                Ok(_) => info!(%mac, %ip, secs, "temporary session to read the email"),
                Err(e) => warn!(%mac, %ip, error = %e, "temporary session refused"),
            },
            Ok(None) => info!(%mac, %ip, "no temporary session: one within the hour already"),
            Err(e) => warn!(%mac, %ip, error = %e, "temporary session not opened"),
        }
    }

    /// The link from the mail: the token names the pending login; the device opening it must
    /// be the one that asked (any browser on it: no cookie is needed).
    pub async fn confirm_email_link(
        &self,
        ip: Ipv4Addr,
        token: &str,
    ) -> Result<ClientView, OtpError> {
        let mac = self.device_at(ip)?;
        let options = self.code_method(Channel::Email)?;
        // 64 hex digits, or nothing to look up.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(OtpError::NoCode);
        }
        let hash = token_hash(&self.key, &token.to_ascii_lowercase());
        let p = (self.store)
            .run(move |s| s.pending_by_token(&hash))
            .await?
            .ok_or(OtpError::NoCode)?;
        let now = now();
        if p.used_at.is_some() {
            return Err(OtpError::Used);
        }
        if now >= p.expires_at {
            return Err(OtpError::Expired);
        }
        if p.mac != mac {
            warn!(%mac, %ip, pending = p.id, "email link opened on another device");
            return Err(OtpError::OtherDevice);
        }
        self.verified(mac, ip, &p, &options).await
    }

    /// Sends one mail through the configured server.
    pub(super) async fn send_mail(&self, to: &str, mail: Mail) -> Result<(), DeliveryError> {
        let config = self.live_config();
        let server = (config.smtp.as_ref())
            .ok_or_else(|| DeliveryError::Config("no [smtp] server configured".into()))?;
        Mailer::new(server)?
            .send(to, &self.hotspot().name, mail)
            .await?;
        CodeCounters::add(&self.metrics.codes.email_sent);
        Ok(())
    }
}
