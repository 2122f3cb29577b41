//! What email and SMS codes share: the pending login a device sees again when it reopens the
//! page, checking a typed code (tries kept across resends), a resend after the cooldown, the
//! verified guest's user, and MAC auto-login of a returning device.

use std::net::Ipv4Addr;

use thiserror::Error;
use tracing::{error, info, warn};

use super::LoginError;
use crate::delivery::{DeliveryError, Mail};
use crate::gateway::{ClientView, Gateway, GatewayError, GuestLogin, now};
use crate::model::consent::ConsentChoice;
use crate::model::contact::{ContactError, masked_phone};
use crate::model::otp::{
    CODE_VALIDITY_SECS, Channel, LimitHit, MAX_TRIES, PendingCode, RandomError, Verdict, code_hash,
    code_matches, new_code, new_link_token, normalize_code, token_hash,
};
use crate::model::settings::Lang;
use crate::model::settings::methods::CodeGuests;
use crate::store::StoreError;

/// The words of a code message in the guest's language; the portal writes them, the gateway
/// decides when one is sent.
pub trait CodeTexts: Send + Sync {
    /// The email with the code and the link.
    fn mail(&self, code: &str, link: &str) -> Mail;
    /// The SMS with the code.
    fn sms(&self, code: &str) -> String;
}

/// Why a code was not sent or not accepted. The portal shows each in the guest's language.
#[derive(Debug, Error)]
pub enum OtpError {
    /// The device could not be identified, or the login was refused.
    #[error(transparent)]
    Login(#[from] LoginError),
    /// The method is off, or no server or provider is configured.
    #[error("this login method is not available")]
    Off,
    /// The address or number is refused.
    #[error("{0}")]
    Contact(#[from] ContactError),
    /// A send limit.
    #[error("send limit reached ({0})")]
    Limit(LimitHit),
    /// The month's SMS budget is used up.
    #[error("the monthly SMS budget is used up")]
    Budget,
    /// A resend before the cooldown (seconds left).
    #[error("wait {0} s before asking for another code")]
    Cooldown(i64),
    /// No code was asked for from this device.
    #[error("no code was sent to this device")]
    NoCode,
    /// The input cannot be a code (not counted as a try).
    #[error("a code is 6 digits")]
    Malformed,
    /// Wrong code.
    #[error("wrong code, {left} tries left")]
    Wrong {
        /// Tries left.
        left: u32,
    },
    /// Too many wrong tries: a new code is needed.
    #[error("too many wrong tries")]
    Dead,
    /// The code's ten minutes are over.
    #[error("the code expired")]
    Expired,
    /// The code or link was used already.
    #[error("the code was used already")]
    Used,
    /// A link opened on a device other than the one that asked.
    #[error("the link belongs to another device")]
    OtherDevice,
    /// The server or provider did not take the message.
    #[error("{0}")]
    Send(#[from] DeliveryError),
    /// Our fault; details in the log.
    #[error(transparent)]
    Internal(#[from] GatewayError),
}

impl From<StoreError> for OtpError {
    fn from(e: StoreError) -> Self {
        OtpError::Internal(e.into())
    }
}

impl From<RandomError> for OtpError {
    fn from(e: RandomError) -> Self {
        OtpError::Internal(GatewayError::Inconsistent(e.to_string()))
    }
}

/// What the form asking for a code carried besides the address or number.
#[derive(Debug, Clone)]
pub struct Asked {
    /// Its consent choices (the terms and privacy notice accepted, optional ones ticked).
    pub consents: Vec<ConsentChoice>,
    /// The language the guest saw.
    pub lang: Lang,
}

/// A device's pending code as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingView {
    /// Email or SMS.
    pub channel: Channel,
    /// Where the code went (a number masked).
    pub sent_to: String,
    /// Whether the code can still be typed.
    pub live: bool,
    /// Wrong tries left.
    pub tries_left: u32,
    /// Seconds until "send again" works.
    pub resend_in: i64,
}

impl PendingView {
    pub(super) fn of(p: &PendingCode, cooldown: u32, now: i64) -> PendingView {
        PendingView {
            channel: p.channel,
            sent_to: match p.channel {
                Channel::Sms => masked_phone(&p.target),
                Channel::Email => p.target.clone(),
            },
            live: p.is_live(now),
            tries_left: MAX_TRIES.saturating_sub(p.tries),
            resend_in: p.resend_wait(cooldown, now),
        }
    }
}

impl Gateway {
    /// The method's options, if it is on and can send.
    pub(super) fn code_method(&self, channel: Channel) -> Result<CodeGuests, OtpError> {
        let hotspot = self.hotspot();
        let config = self.live_config();
        let (on, guests) = match channel {
            Channel::Email => (
                hotspot.methods.email.enabled && config.smtp.is_some(),
                &hotspot.methods.email.guests,
            ),
            Channel::Sms => (
                hotspot.methods.sms.enabled && config.sms.is_some(),
                &hotspot.methods.sms.guests,
            ),
        };
        if on {
            Ok(guests.clone())
        } else {
            Err(OtpError::Off)
        }
    }

    /// The code the device at `ip` was sent for `channel` within the hour, if any: reopening
    /// the page shows it and never sends another.
    pub async fn pending_code(&self, ip: Ipv4Addr, channel: Channel) -> Option<PendingView> {
        // The method first: a splash view of a hotspot without it pays no device lookup.
        let cooldown = self.code_method(channel).ok()?.limits.resend_cooldown_secs;
        let mac = self.device_at(ip).ok()?;
        let now = now();
        let p = (self.store)
            .run(move |s| s.newest_pending(&mac, channel, now))
            .await
            .ok()??;
        Some(PendingView::of(&p, cooldown, now))
    }

    /// Sends the device's pending code again (a new code; the wrong tries stay), after the
    /// cooldown and within the send limits.
    pub async fn resend_code(
        &self,
        ip: Ipv4Addr,
        channel: Channel,
        texts: &dyn CodeTexts,
        portal_url: &str,
    ) -> Result<PendingView, OtpError> {
        let mac = self.device_at(ip)?;
        let options = self.code_method(channel)?;
        let now = now();
        let m = mac.clone();
        let p = (self.store)
            .run(move |s| s.newest_pending(&m, channel, now))
            .await?
            .ok_or(OtpError::NoCode)?;
        let wait = p.resend_wait(options.limits.resend_cooldown_secs, now);
        if wait > 0 {
            return Err(OtpError::Cooldown(wait));
        }
        if !p.is_live(now) {
            // Dead or expired: a new login with a new count, as if the guest typed the
            // address again (the send limits still count).
            let asked = Asked {
                consents: p.consents.clone(),
                lang: p.lang,
            };
            return match channel {
                Channel::Email => {
                    self.request_email_code(ip, &p.target, asked, texts, portal_url)
                        .await
                }
                Channel::Sms => self.request_sms_code(ip, &p.target, asked, texts).await,
            };
        }
        let code = new_code()?;
        let hash = code_hash(&self.key, &p.target, &code);
        // A new mail carries a new link; the old one stops working with the old code.
        let token = match channel {
            Channel::Email => Some(new_link_token()?),
            Channel::Sms => None,
        };
        let token_hash = token.as_deref().map(|t| token_hash(&self.key, t));
        let limits = options.limits;
        let id = p.id;
        let resent = (self.store)
            .run(move |s| {
                let expires = now + CODE_VALIDITY_SECS;
                s.resend_pending(id, &hash, token_hash.as_deref(), now, expires, &limits)
            })
            .await?;
        let p = resent.map_err(|hit| self.refused_by_limit(channel, hit))?;
        let link = format!("{portal_url}/e/{}", token.unwrap_or_default());
        self.deliver(channel, &p, &code, &link, texts).await?;
        info!(%mac, channel = channel.as_str(), sends = p.sends, tries = p.tries, "code sent again");
        Ok(PendingView::of(
            &p,
            options.limits.resend_cooldown_secs,
            now,
        ))
    }

    /// Checks a typed code against the device's pending login and, if right, admits the
    /// device as the verified guest.
    pub async fn confirm_code(
        &self,
        ip: Ipv4Addr,
        channel: Channel,
        typed: &str,
    ) -> Result<ClientView, OtpError> {
        let mac = self.device_at(ip)?;
        let options = self.code_method(channel)?;
        let code = normalize_code(typed).ok_or(OtpError::Malformed)?;
        let now = now();
        let m = mac.clone();
        let p = (self.store)
            .run(move |s| s.newest_pending(&m, channel, now))
            .await?
            .ok_or(OtpError::NoCode)?;
        let matches = code_matches(&self.key, &p.target, &code, &p.code_hash);
        match p.verdict(matches, now) {
            Verdict::Accepted => {}
            verdict => {
                if matches!(verdict, Verdict::Wrong { .. } | Verdict::Dead) && !matches {
                    let id = p.id;
                    let tries = self.store.run(move |s| s.wrong_try(id)).await?;
                    warn!(%mac, %ip, channel = channel.as_str(), tries, "wrong code");
                    self.metrics
                        .login_failures
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                return Err(match verdict {
                    Verdict::Wrong { left } => OtpError::Wrong { left },
                    Verdict::Dead => OtpError::Dead,
                    Verdict::Expired => OtpError::Expired,
                    _ => OtpError::Used,
                });
            }
        }
        self.verified(mac, ip, &p, &options).await
    }

    /// Uses the pending login (once), admits the device as its verified guest and records the
    /// guest with the consents of the form that asked for the code.
    pub(super) async fn verified(
        &self,
        mac: String,
        ip: Ipv4Addr,
        p: &PendingCode,
        options: &CodeGuests,
    ) -> Result<ClientView, OtpError> {
        let id = p.id;
        let now = now();
        if !self.store.run(move |s| s.use_pending(id, now)).await? {
            return Err(OtpError::Used);
        }
        let method = p.channel.method();
        let Some(user) = self.guest_user(method, &p.target, &options.profile).await? else {
            error!(
                profile = options.profile,
                "code login refused: the method names no profile; create it (`hotspotd profile \
                 add`) or name one from `hotspotd profile list`"
            );
            return Err(OtpError::Off);
        };
        let login = GuestLogin {
            method,
            identifier: p.target.clone(),
            verified: true,
            mac: mac.clone(),
            lang: p.lang,
            consents: p.consents.clone(),
        };
        let view = self.admit_guest(login, ip, user).await?;
        info!(%mac, %ip, channel = p.channel.as_str(), user = user.user_id, "guest verified by code");
        Ok(view)
    }

    /// Counts and logs a send refused by a limit.
    pub(super) fn refused_by_limit(&self, channel: Channel, hit: LimitHit) -> OtpError {
        let c = &self.metrics.codes;
        crate::metrics::CodeCounters::add(match channel {
            Channel::Email => &c.email_refused_limits,
            Channel::Sms => &c.sms_refused_limits,
        });
        warn!(channel = channel.as_str(), limit = %hit, "code not sent: send limit");
        OtpError::Limit(hit)
    }

    /// Hands the code to the SMTP server or SMS provider; a failure ends the pending login
    /// (the guest was not sent the code it would be asked for).
    pub(super) async fn deliver(
        &self,
        channel: Channel,
        p: &PendingCode,
        code: &str,
        link: &str,
        texts: &dyn CodeTexts,
    ) -> Result<(), OtpError> {
        let result = match channel {
            Channel::Email => self.send_mail(&p.target, texts.mail(code, link)).await,
            Channel::Sms => self.send_sms(&p.target, &texts.sms(code)).await,
        };
        if let Err(e) = result {
            crate::metrics::CodeCounters::add(&self.metrics.codes.send_failures);
            warn!(channel = channel.as_str(), error = %e, retryable = e.is_retryable(), "code not delivered");
            let id = p.id;
            let now = now();
            self.store.run(move |s| s.expire_pending(id, now)).await?;
            return Err(e.into());
        }
        Ok(())
    }
}
