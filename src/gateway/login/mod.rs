//! Logging a device in: each method (one file each) turns what the guest sent into a user, and
//! one funnel, [`Gateway::admit`], decides under the lock whether that user's device gets in.

mod account;
mod click;
mod codes;
mod email;
mod offline;
mod returning;
mod sms;
mod social;
mod voucher;

use std::net::Ipv4Addr;
use std::sync::atomic::Ordering;

use thiserror::Error;
use tracing::{info, warn};

use super::registry::{self, Active};
use super::users::load_state;
use super::{ClientView, Gateway, GatewayError, GuestLogin, GuestUser, local_now};
use crate::firewall::{Change, ClientGrant};
use crate::model::consent::ConsentError;
use crate::model::guest::Method;
use crate::model::login::{LoginRefusal, Online, admit_device, admit_user};
use crate::model::profile::activate_at_logon;
use crate::model::session::TerminateCause;
use crate::model::throttle::Reservation;
use crate::model::voucher_code::CodeError;
use crate::neighbours;
use crate::store::{NewSession, User};

pub use codes::{Asked, CodeTexts, OtpError, PendingView};
pub use social::{SocialRefusal, SocialUnit};

/// What the guest typed.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A voucher code.
    Voucher(String),
    /// An account.
    Account {
        /// Username.
        username: String,
        /// Password.
        password: String,
    },
}

/// Why a login did not succeed; the message is shown to the guest.
#[derive(Debug, Error)]
pub enum LoginError {
    /// The request did not come from a device on the guest network.
    #[error(
        "your device could not be identified on the guest network; reconnect to the Wi-Fi and try again"
    )]
    UnknownDevice,
    /// The device uses an address that DHCP leased to another device (spoofed or stale).
    #[error(
        "your device is using an address that belongs to another device; reconnect to the Wi-Fi"
    )]
    AddressConflict,
    /// Too many wrong attempts.
    #[error("too many wrong attempts; please wait {0} seconds and try again")]
    Throttled(i64),
    /// The input cannot be a code.
    #[error("{0}")]
    Malformed(#[from] CodeError),
    /// No voucher has this code.
    #[error("this code is not valid; check it and try again")]
    WrongCode,
    /// No account with this username and password.
    #[error("wrong username or password")]
    WrongPassword,
    /// The user exists but cannot log in now.
    #[error("{0}")]
    Refused(#[from] LoginRefusal),
    /// The login form's consents are missing the terms or the privacy notice.
    #[error("{0}")]
    Consent(#[from] ConsentError),
    /// A social login's assertion was refused.
    #[error("{0}")]
    Social(#[from] SocialRefusal),
    /// The offline pass was asked for, but the manager answers again (a pass that is not the
    /// venue's policy, or a unit with no manager, is [`LoginError::MethodUnavailable`]).
    #[error("the sign-in service is back; please connect with one of the ways shown")]
    OfflinePassClosed,
    /// The method is off, or its settings name something missing (the log says what).
    #[error("this way of connecting is not available right now; please ask staff")]
    MethodUnavailable,
    /// Our fault; details are in the log.
    #[error("the hotspot could not log you in because of an internal error; please ask staff")]
    Internal(#[from] GatewayError),
}

impl Gateway {
    /// Logs in the device at `ip`.
    pub async fn login(
        &self,
        ip: Ipv4Addr,
        credentials: Credentials,
    ) -> Result<ClientView, LoginError> {
        let result = self.try_login(ip, credentials).await;
        // Successes are counted where every kind of login ends (`admit`).
        let counter = match &result {
            Ok(_) => None,
            Err(LoginError::WrongCode | LoginError::WrongPassword | LoginError::Malformed(_)) => {
                Some(&self.metrics.login_failures)
            }
            Err(_) => Some(&self.metrics.login_refusals),
        };
        if let Some(counter) = counter {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    async fn try_login(
        &self,
        ip: Ipv4Addr,
        credentials: Credentials,
    ) -> Result<ClientView, LoginError> {
        let mac = self.device_at(ip)?;
        // Counted before anything is checked; given back below unless it was a wrong guess.
        let attempt = self.reserve_attempt(ip)?;
        let user = match self.identify(credentials).await {
            Ok(Ok(user)) => user,
            Ok(Err(wrong)) => {
                let wait = self.attempt_wait(ip);
                warn!(%mac, %ip, wait_ms = wait, "wrong credentials");
                return Err(wrong);
            }
            // Not a guess: the input could not be a code.
            Err(malformed @ LoginError::Malformed(_)) => {
                self.give_back(attempt);
                return Err(malformed);
            }
            Err(e) => return Err(e),
        };
        self.give_back(attempt);
        let view = self.admit(mac.clone(), ip, user.id).await?;
        let method = match user.username {
            Some(name) => (Method::Account, name),
            None => (Method::Voucher, user.id.to_string()),
        };
        self.note_credential_guest(method, mac).await;
        Ok(view)
    }

    /// The MAC of the guest at `ip`: on a guest subnet, in that network's neighbour table, and not
    /// using an address DHCP leased to another device. Every way in (login, paid order) asks
    /// this.
    pub(super) fn device_at(&self, ip: Ipv4Addr) -> Result<String, LoginError> {
        let lan = (self.config.guest_lan(ip)).ok_or(LoginError::UnknownDevice)?;
        let mac = neighbours::lookup(ip, &lan.interface).ok_or(LoginError::UnknownDevice)?;
        if self.leased_to_other(ip, &mac) {
            warn!(%mac, %ip, "request from an address leased to another device refused");
            return Err(LoginError::AddressConflict);
        }
        Ok(mac)
    }

    /// Logs a device in as a known user (a paid order's access).
    pub(super) async fn admit_user_id(
        &self,
        mac: String,
        ip: Ipv4Addr,
        user_id: i64,
    ) -> Result<ClientView, LoginError> {
        self.admit(mac, ip, user_id).await
    }

    /// Finds the user; the inner error is a wrong code or password (counted by the throttle).
    async fn identify(
        &self,
        credentials: Credentials,
    ) -> Result<Result<User, LoginError>, LoginError> {
        match credentials {
            Credentials::Voucher(typed) => self.identify_voucher(&typed).await,
            Credentials::Account { username, password } => {
                self.identify_account(username, password).await
            }
        }
    }

    /// Admits the device of a guest `login` as `user`, its consents written first: an
    /// admitted guest always has the consents it gave on record (a failure between the two
    /// leaves a guest who consented and is not online, never one online without its consent).
    /// A refused login deletes a user made for it. The guest is linked to its new session
    /// after.
    async fn admit_guest(
        &self,
        login: GuestLogin,
        ip: Ipv4Addr,
        user: GuestUser,
    ) -> Result<ClientView, LoginError> {
        let admitted = match self.record_guest_login(login.clone()).await {
            Ok(_) => self.admit(login.mac.clone(), ip, user.user_id).await,
            Err(e) => Err(e.into()),
        };
        if admitted.is_err() {
            self.discard_guest_user(user).await;
            return admitted;
        }
        let visit = GuestLogin {
            consents: Vec::new(),
            ..login
        };
        // Online with its consents on record; only the link to the session is missing.
        if let Err(e) = self.record_guest_login(visit).await {
            warn!(error = %e, "could not link a guest to its session");
        }
        admitted
    }

    /// Admits a device with the configured session timeout.
    async fn admit(
        &self,
        mac: String,
        ip: Ipv4Addr,
        user_id: i64,
    ) -> Result<ClientView, LoginError> {
        self.admit_for(mac, ip, user_id, None).await
    }

    /// Everything from reading the user's state to recording the session happens under the
    /// lock, so two devices racing with a single-use code cannot both get in. `timeout`
    /// shortens the session (an email login's temporary session).
    async fn admit_for(
        &self,
        mac: String,
        ip: Ipv4Addr,
        user_id: i64,
        timeout: Option<u64>,
    ) -> Result<ClientView, LoginError> {
        let mut reg = self.online.lock().await;
        let local = local_now();
        let now = local.unix;
        let (user, elsewhere) = self
            .store
            .run(move |s| Ok((s.user(user_id)?, s.remote_devices_online(user_id, now)?)))
            .await
            .map_err(GatewayError::from)?;
        let user =
            user.ok_or_else(|| GatewayError::Inconsistent(format!("user {user_id} vanished")))?;
        let current = reg.sessions.get(&mac).map(|a| (a.row.user_id, a.ip));
        let same_user_online = current.is_some_and(|(u, _)| u == user_id);
        let counts_as_login = admit_user(
            user.disabled_at.is_some(),
            user.max_logins,
            user.logins,
            same_user_online,
        )?;

        let mut state = match reg.users.get(&user_id) {
            // Another device of the user is online: its live state (usage up to this second).
            Some(online) => {
                let mut state = (**online).clone();
                state.user = user;
                state
            }
            None => {
                let mut queue = self
                    .store
                    .run(move |s| s.assignments(user_id, now))
                    .await
                    .map_err(GatewayError::from)?;
                activate_at_logon(&mut queue, now).ok_or(LoginRefusal::Expired)?;
                self.store
                    .run(move |s| load_state(s, user, queue, local))
                    .await
                    .map_err(GatewayError::from)?
                    .ok_or(LoginRefusal::Expired)?
            }
        };
        state.evaluate(local).map_err(LoginRefusal::from)?;
        let online = Online {
            here: u32::try_from(reg.devices_of(user_id).len()).unwrap_or(u32::MAX),
            elsewhere,
            this_device: same_user_online,
        };
        let preempt = admit_device(
            state.profile.shared_users,
            online,
            self.hotspot().sessions.shared_users_policy,
        )?;

        // Decided: only now end what the new session replaces.
        if let Some((_, old_ip)) = current {
            if same_user_online && old_ip == ip {
                let a = &reg.sessions[&mac];
                return reg.view(a, now).ok_or_else(|| {
                    GatewayError::Inconsistent("online user without state".into()).into()
                });
            }
            // Same device, new address (DHCP gave it another one): the session moves without
            // using up a login. Another user on this device: the old one logs out.
            let cause = if same_user_online {
                TerminateCause::LostCarrier
            } else {
                TerminateCause::UserRequest
            };
            self.end_locked(&mut reg, &mac, cause).await?;
        }
        if let Some(other) = reg
            .by_ip(ip)
            .filter(|a| a.row.mac != mac)
            .map(|a| a.row.mac.clone())
        {
            // Its lease went to this device: the old device has left.
            self.end_locked(&mut reg, &other, TerminateCause::LostCarrier)
                .await?;
        }
        if preempt && let Some(oldest) = reg.devices_of(user_id).first().map(|a| a.row.mac.clone())
        {
            self.end_locked(&mut reg, &oldest, TerminateCause::PortPreempted)
                .await?;
        }

        let new = NewSession {
            user_id,
            profile_id: state.profile.id,
            mac: mac.clone(),
            ip: ip.to_string(),
            started_at: now,
            session_timeout: timeout.unwrap_or(self.hotspot().sessions.session_timeout.secs()),
            idle_timeout: self.hotspot().sessions.idle_timeout.secs(),
        };
        let stored_queue = state.queue.clone();
        let row = self
            .store
            .run(move |s| s.start_session(&new, &stored_queue, counts_as_login))
            .await
            .map_err(GatewayError::from)?;
        if counts_as_login {
            state.user.logins += 1;
        }
        // The first device of a user gets fresh kernel limits; later ones share them.
        if !reg.users.contains_key(&user_id) {
            state.applied = self.next_applied(&state, local);
        }
        let mut active = Active::new(row, ip, now);
        active.ip6 = self.ipv6_of_new_session(&reg, &mac);
        let grant = ClientGrant {
            flush_redirected: true,
            ..registry::grant(&active, &state, now)
        };
        if let Err(e) = self.firewall.change(Change::Allow(grant)).await {
            let progress = active.progress();
            self.store
                .run(move |s| s.end_session(&progress, TerminateCause::NasError, now))
                .await
                .map_err(GatewayError::from)?;
            return Err(GatewayError::from(e).into());
        }
        info!(%mac, %ip, session = active.row.id, user = user_id, profile = state.profile.name, "guest logged in");
        self.metrics.logins.fetch_add(1, Ordering::Relaxed);
        reg.insert_user(user_id, state);
        reg.insert_session(active);
        let a = &reg.sessions[&mac];
        reg.view(a, now)
            .ok_or_else(|| GatewayError::Inconsistent("new session without state".into()).into())
    }

    fn reserve_attempt(&self, ip: Ipv4Addr) -> Result<Reservation, LoginError> {
        let mut t = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
        t.reserve(&ip.to_string(), now_ms())
            .map_err(|t| LoginError::Throttled(t.retry_after()))
    }

    /// Milliseconds the address must now wait before its next attempt.
    fn attempt_wait(&self, ip: Ipv4Addr) -> i64 {
        let t = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
        t.wait_of(&ip.to_string(), now_ms())
    }

    fn give_back(&self, attempt: Reservation) {
        let mut t = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
        t.give_back(attempt);
    }
}

/// Unix time in milliseconds: waits are told in seconds, rounded up from this.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
