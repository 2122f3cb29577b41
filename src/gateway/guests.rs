//! Guests and their consents, as every login method records them: a login creates or updates
//! the guest (device, session, first/last seen) and appends the choices made on its form to
//! the consent ledger; the status page withdraws optional consents.

use std::net::Ipv4Addr;

use tracing::{info, warn};

use super::{Gateway, GatewayError, LoginError, now};
use crate::model::consent::{ConsentChoice, ConsentRecord, How, Purpose, latest_granted};
use crate::model::guest::{Guest, GuestId, Method, guest_user_hash, normalize_identifier};
use crate::model::profile::State;
use crate::model::settings::{Answer, Lang};
use crate::store::GuestVisit;

/// A login to record, as a method knows it after admitting the device.
#[derive(Debug, Clone)]
pub struct GuestLogin {
    /// How the guest logged in.
    pub method: Method,
    /// MAC (click-through), voucher id, username, email address or E.164 number; normalised
    /// here (see `model::guest::normalize_identifier`).
    pub identifier: String,
    /// Whether the identifier was proven by this login.
    pub verified: bool,
    /// The device.
    pub mac: String,
    /// The language the guest saw.
    pub lang: Lang,
    /// The choices made on the login form (see `portal::consent`), possibly none.
    pub consents: Vec<ConsentChoice>,
}

/// The user a guest logs in as under a method's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestUser {
    /// The user.
    pub user_id: i64,
    /// Made for this login (discard it with [`Gateway::discard_guest_user`] if the login is
    /// refused).
    pub created: bool,
}

/// A guest as its status page shows it.
#[derive(Debug, Clone)]
pub struct GuestConsents {
    /// The guest.
    pub guest: Guest,
    /// Its ledger, oldest first.
    pub records: Vec<ConsentRecord>,
    /// The session asking.
    pub session_id: i64,
    /// The device asking.
    pub mac: String,
}

impl Gateway {
    /// Records a login: creates or updates the guest, adds the device, links the device's
    /// running session (if it is online) and appends the consent choices, in one transaction.
    pub async fn record_guest_login(&self, login: GuestLogin) -> Result<GuestId, GatewayError> {
        let identifier = normalize_identifier(login.method, &login.identifier)
            .map_err(|e| GatewayError::Inconsistent(format!("guest identifier: {e}")))?;
        // The device's running session is read from the store, in the same call as the
        // write: the registry's lock may be held by the enforcement tick for milliseconds.
        let visit = GuestVisit {
            method: login.method,
            identifier,
            verified: login.verified,
            lang: login.lang,
            mac: login.mac,
            consents: login.consents,
            at: now(),
        };
        let (method, mac, choices) = (visit.method, visit.mac.clone(), visit.consents.len());
        let id = self
            .store
            .run(move |s| s.record_guest_visit(&visit))
            .await?;
        info!(guest = %id, %method, %mac, consents = choices, "guest recorded");
        Ok(id)
    }

    /// Records the guest of a login with a voucher (known by its id: its code is kept only as
    /// a hash) or an account (by its username), or a code guest's device logged in again by
    /// its MAC. The device is online either way: a failure is
    /// logged, the login stands.
    pub(super) async fn note_credential_guest(
        &self,
        (method, identifier): (Method, String),
        mac: String,
    ) {
        let login = GuestLogin {
            method,
            identifier,
            verified: true,
            mac,
            lang: self.hotspot().default_language,
            consents: Vec::new(),
        };
        if let Err(e) = self.record_guest_login(login).await {
            warn!(error = %e, "could not record the guest of a login");
        }
    }

    /// The user a guest logs in as under the profile named `profile`: found again on every
    /// visit (so its allowance is not renewed by logging in again), with the profile assigned
    /// afresh once the previous one has ended. `None`: no such profile.
    pub async fn guest_user(
        &self,
        method: Method,
        identifier: &str,
        profile: &str,
    ) -> Result<Option<GuestUser>, GatewayError> {
        let identifier = normalize_identifier(method, identifier)
            .map_err(|e| GatewayError::Inconsistent(format!("guest identifier: {e}")))?;
        let (key, profile) = (self.key.clone(), profile.to_owned());
        Ok(self
            .store
            .run(move |s| {
                let Some(p) = s.profile_by_name(&profile)? else {
                    return Ok(None);
                };
                let hash = guest_user_hash(&key, method, &identifier, p.id);
                let now = now();
                let Some(user) = s.user_by_code_hash(&hash)? else {
                    let made = s.insert_guest_user(&hash, (p.id, p.clock), method, now)?;
                    return Ok(Some(GuestUser {
                        user_id: made,
                        created: true,
                    }));
                };
                let running = s.assignments(user.id, now)?.iter().any(|a| {
                    a.profile_id == p.id
                        && a.state != State::Used
                        && a.ends_at.is_none_or(|end| end > now)
                });
                if !running {
                    s.assign_profile(user.id, (p.id, p.clock), now)?;
                }
                Ok(Some(GuestUser {
                    user_id: user.id,
                    created: false,
                }))
            })
            .await?)
    }

    /// Deletes a user [`Gateway::guest_user`] made for a login that was then refused.
    pub async fn discard_guest_user(&self, user: GuestUser) {
        if !user.created {
            return;
        }
        let id = user.user_id;
        if let Err(e) = self.store.run(move |s| s.discard_unused_user(id)).await {
            warn!(error = %e, user = id, "could not delete the user of a refused guest login");
        }
    }

    /// The user of the guest known by `method` and `identifier`, if it has a profile that has
    /// not ended (MAC auto-login: a returning device within its validity).
    pub async fn returning_guest_user(
        &self,
        method: Method,
        identifier: &str,
    ) -> Result<Option<i64>, GatewayError> {
        let Ok(identifier) = normalize_identifier(method, identifier) else {
            return Ok(None);
        };
        Ok(self
            .store
            .run(move |s| {
                let Some(user) = s
                    .guest_by_identity(method, &identifier)?
                    .and_then(|g| g.user_id)
                else {
                    return Ok(None);
                };
                let now = now();
                let running = s
                    .assignments(user, now)?
                    .iter()
                    .any(|a| a.state != State::Used && a.ends_at.is_none_or(|end| end > now));
                Ok(running.then_some(user))
            })
            .await?)
    }

    /// The guest of the device at `ip`, if it is online, with its consents.
    pub async fn guest_at(&self, ip: Ipv4Addr) -> Result<Option<GuestConsents>, LoginError> {
        let Some(client) = self.client_at(ip).await else {
            return Ok(None);
        };
        let session_id = client.session_id;
        let found = self
            .store
            .run(move |s| {
                let Some(guest) = s.guest_of_session(session_id)? else {
                    return Ok(None);
                };
                let records = s.consents_of(guest.id)?;
                Ok(Some((guest, records)))
            })
            .await
            .map_err(GatewayError::from)?;
        Ok(found.map(|(guest, records)| GuestConsents {
            guest,
            records,
            session_id,
            mac: client.mac,
        }))
    }

    /// Withdraws an optional consent of the guest of the device at `ip` (the status page's
    /// button): a new ledger row, how = status page, of the text the guest had agreed to in the
    /// language it was shown. Returns whether there was a granted consent to withdraw.
    pub async fn withdraw_consent(
        &self,
        ip: Ipv4Addr,
        purpose: Purpose,
    ) -> Result<bool, LoginError> {
        if !Purpose::OPTIONAL.contains(&purpose) {
            return Ok(false);
        }
        let Some(g) = self.guest_at(ip).await? else {
            return Ok(false);
        };
        let Some(last) = g
            .records
            .iter()
            .filter(|r| r.choice.purpose == purpose)
            .max_by_key(|r| r.id)
            .filter(|r| r.choice.granted)
        else {
            return Ok(false);
        };
        let choice = ConsentChoice {
            granted: false,
            how: How::StatusPage,
            ..last.choice.clone()
        };
        let (guest, mac, session) = (g.guest.id, g.mac.clone(), g.session_id);
        self.store
            .run(move |s| s.append_consents(guest, Some(&mac), Some(session), &[choice], now()))
            .await
            .map_err(GatewayError::from)?;
        info!(%guest, mac = g.mac, %purpose, "consent withdrawn on the status page");
        Ok(true)
    }
}

impl Gateway {
    /// Records questionnaire answers of the guest at `ip` (online), after appending `consents`
    /// (a survey consent ticked on the questionnaire page). The answers are kept only if the
    /// guest's latest survey consent grants it; returns whether they were.
    pub async fn record_answers(
        &self,
        ip: Ipv4Addr,
        answers: Vec<Answer>,
        consents: Vec<ConsentChoice>,
    ) -> Result<bool, LoginError> {
        let Some(g) = self.guest_at(ip).await? else {
            return Ok(false);
        };
        let (guest, mac, session) = (g.guest.id, g.mac.clone(), g.session_id);
        let mut records = g.records;
        let kept = self
            .store
            .run(move |s| {
                let now = now();
                if !consents.is_empty() {
                    s.append_consents(guest, Some(&mac), Some(session), &consents, now)?;
                    records = s.consents_of(guest)?;
                }
                let kept = latest_granted(&records, Purpose::Surveys);
                if kept && !answers.is_empty() {
                    s.insert_answers(guest, Some(session), &answers, now)?;
                }
                Ok(kept)
            })
            .await
            .map_err(GatewayError::from)?;
        info!(%guest, kept, "questionnaire answered");
        Ok(kept)
    }
}

/// The settings' login methods must name profiles that exist (checked with every settings
/// change; a profile removed afterwards refuses the method's logins, with a log line).
pub(super) fn method_profile_errors(
    store: &crate::store::Store,
    doc: &crate::model::settings::HotspotSettings,
) -> Result<Vec<crate::model::settings::SettingsError>, crate::store::StoreError> {
    let click = &doc.methods.click;
    if !click.enabled || store.profile_by_name(&click.profile)?.is_some() {
        return Ok(Vec::new());
    }
    Ok(vec![crate::model::settings::SettingsError::new(
        "methods.click.profile",
        format!("no profile is named {:?}", click.profile),
        "create it (`hotspotd profile add`) or name one from `hotspotd profile list`",
    )])
}
