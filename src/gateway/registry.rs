//! What is online, in memory: device sessions (a cache of their database rows plus live kernel
//! counts) and, per user with a device online, the active profile, its usage and the limits
//! currently in the kernel.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::firewall::{ClientGrant, ClientRevoke, QuotaGrant, Quotas};
use crate::model::calendar::LocalTime;
use crate::model::limitation::{Effective, LimitReached, Usage, effective};
use crate::model::profile::{Assignment, active, runs_out_at};
use crate::model::session::SessionClock;
use crate::neighbours::pin::Pins;
use crate::store::{Profile, SessionProgress, SessionRow, User};

/// Seconds the kernel keeps a client past its deadline if the daemon has not acted by then
/// (the daemon normally acts within a second; this is only a backstop).
const KERNEL_GRACE_SECS: u64 = 5;

mod active;
pub use active::Active;

/// The limits of a user as installed in the kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// What they were computed from: a change means the kernel needs new limits.
    pub signature: Vec<i64>,
    /// Generation, part of the quota objects' names.
    pub generation: u64,
    /// Download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
    /// The quota objects as granted.
    pub quotas: Quotas,
}

/// A user with at least one device online.
#[derive(Debug, Clone)]
pub struct UserState {
    /// The user.
    pub user: User,
    /// Its queue of profiles.
    pub queue: Vec<Assignment>,
    /// The active profile (shared by the users holding it: thousands of vouchers of one
    /// profile keep one copy).
    pub profile: Arc<Profile>,
    /// Usage of the active profile: limitation → (period start, usage in that period).
    pub usage: HashMap<i64, (i64, Usage)>,
    /// Limits in force at the last evaluation.
    pub effective: Effective,
    /// Limits in the kernel.
    pub applied: Applied,
}

impl UserState {
    /// The active assignment.
    pub fn assignment(&self) -> Option<&Assignment> {
        active(&self.queue).map(|i| &self.queue[i])
    }

    /// Usage of a limitation in its current period.
    pub fn usage_now(&self, limitation_id: i64, period_start: i64) -> Usage {
        match self.usage.get(&limitation_id) {
            Some((start, u)) if *start == period_start => *u,
            _ => Usage::default(),
        }
    }

    /// Re-evaluates the limits at `now`.
    pub fn evaluate(&mut self, now: LocalTime) -> Result<Effective, LimitReached> {
        let eff = effective(
            &self.profile.limitations,
            self.profile.outside_windows,
            |l| self.usage_now(l.id, l.reset.period_start(now)),
            now,
        )?;
        self.effective = eff;
        Ok(eff)
    }

    /// What the kernel limits depend on: profile, applicable limitations and their periods,
    /// and whether a window is open. Equal signatures need no new kernel objects.
    pub fn signature(&self, now: LocalTime) -> Vec<i64> {
        let mut sig = vec![self.assignment().map_or(0, |a| a.id)];
        for a in &self.profile.limitations {
            if a.window.contains(now) {
                sig.push(a.limitation.id);
                sig.push(a.limitation.reset.period_start(now));
            }
        }
        sig
    }

    /// Computes new kernel limits from the current evaluation (quota objects of a new
    /// generation, sized to what is left).
    pub fn next_applied(&self, now: LocalTime) -> Applied {
        let generation = self.applied.generation + 1;
        let uid = self.user.id;
        let quota = |kind: &str, left: Option<u64>| {
            left.map(|bytes| QuotaGrant {
                name: format!("q{kind}{uid}g{generation}"),
                bytes,
                used: 0,
            })
        };
        Applied {
            signature: self.signature(now),
            generation,
            rate_down_bps: self.effective.rate_down_bps,
            rate_up_bps: self.effective.rate_up_bps,
            quotas: Quotas {
                total: quota("t", self.effective.total_left),
                up: quota("u", self.effective.up_left),
                down: quota("d", self.effective.down_left),
            },
        }
    }

    /// When the user's access ends for sure, if known: the end of its queue of profiles, and
    /// the uptime left.
    pub fn access_ends(&self, now: i64) -> Option<i64> {
        let profile_end = runs_out_at(&self.queue);
        let uptime_end = self
            .effective
            .uptime_left
            .map(|left| now.saturating_add(i64::try_from(left).unwrap_or(i64::MAX)));
        [profile_end, uptime_end].into_iter().flatten().min()
    }
}

/// The clock of a device session given its user's access end.
pub fn clock_of(row: &SessionRow, access_ends: Option<i64>) -> SessionClock {
    SessionClock {
        started_at: row.started_at,
        expires_at: access_ends,
        session_timeout: row.session_timeout,
        idle_timeout: row.idle_timeout,
    }
}

/// Kernel grant for a device of a user whose address is already let through (limits
/// replaced, an IPv6 address joining); set `flush_redirected` for a newly opened address.
pub fn grant(a: &Active, u: &UserState, now: i64) -> ClientGrant {
    let clock = clock_of(&a.row, u.access_ends(now));
    ClientGrant {
        session_id: a.row.id,
        mac: a.row.mac.clone(),
        ip: a.ip,
        ip6: a.ip6.clone(),
        timeout_secs: clock.seconds_left(now) + KERNEL_GRACE_SECS,
        rate_up_bps: u.applied.rate_up_bps,
        rate_down_bps: u.applied.rate_down_bps,
        quotas: u.applied.quotas.clone(),
        flush_redirected: false,
    }
}

/// Kernel revocation for a device of a user.
pub fn revoke(
    a: &Active,
    applied: &Applied,
    drop_quotas: bool,
    ends_session: bool,
) -> ClientRevoke {
    ClientRevoke {
        session_id: a.row.id,
        mac: a.row.mac.clone(),
        ip: a.ip,
        ip6: a.ip6.clone(),
        quotas: applied.quotas.clone(),
        drop_quotas,
        ends_session,
    }
}

/// A connected client as the CLI and the status page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    /// Session id.
    pub session_id: i64,
    /// Device MAC.
    pub mac: String,
    /// Device IPv4 address.
    pub ip: String,
    /// Device IPv6 addresses authorised with it.
    #[serde(default)]
    pub ip6: Vec<Ipv6Addr>,
    /// User id (a voucher's id).
    pub user_id: i64,
    /// Account name, if an account.
    pub username: Option<String>,
    /// The active profile's name, as operators name it in commands (every operator view shows
    /// this one).
    pub profile: String,
    /// The active profile's name for users, as guests see it.
    pub profile_for_users: String,
    /// Unix time of login.
    pub started_at: i64,
    /// Bytes from the device.
    pub bytes_up: u64,
    /// Bytes to the device.
    pub bytes_down: u64,
    /// Seconds until the session ends at the latest.
    pub seconds_left: u64,
    /// When the active profile ends, if it does.
    pub profile_ends_at: Option<i64>,
    /// Online time left, if limited.
    pub uptime_left: Option<u64>,
    /// Bytes left (the tightest of total, download and upload), if limited.
    pub bytes_left: Option<u64>,
    /// Seconds since the device last sent traffic.
    pub idle_seconds: u64,
    /// Download rate limit, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Upload rate limit, bits/s.
    pub rate_up_bps: Option<u64>,
}

/// The device holding an IPv6 address, and when it was last seen using it.
#[derive(Debug)]
struct Holder6 {
    mac: String,
    seen: i64,
}

/// Everything online. The kernel's neighbour entries of the sessions' addresses are pinned to
/// their MACs as sessions come, move and go (always through here).
#[derive(Debug, Default)]
pub struct Registry {
    /// Device sessions by MAC.
    pub sessions: HashMap<String, Active>,
    /// Users with a device online. Boxed: the table reserves room for up to twice as many
    /// entries as it holds, and a state is a few hundred bytes (10,000 users: 7.6 MB inline,
    /// 4.8 MB boxed).
    pub users: HashMap<i64, Box<UserState>>,
    /// IP → MAC of the sessions, so the portal finds a guest without scanning everyone.
    ips: HashMap<Ipv4Addr, String>,
    /// IPv6 address → the session's device: one address belongs to one device.
    ips6: HashMap<Ipv6Addr, Holder6>,
    /// User → MACs of its sessions, so per-user work (ends, regrants, shared users) does not
    /// scan every session.
    by_user: HashMap<i64, Vec<String>>,
    /// One copy of each profile in use, by id.
    profiles: HashMap<i64, Arc<Profile>>,
    /// Final numbers of ended sessions and usage that could not be written yet (disk full):
    /// the next tick writes them with its own.
    pub unsaved_ends: Vec<SessionProgress>,
    /// See `unsaved_ends`.
    pub unsaved_usage: Vec<crate::store::UsageDelta>,
    pins: Pins,
}

impl Registry {
    /// An empty registry whose sessions' neighbour entries go to `pins`.
    pub fn with_pins(pins: Pins) -> Self {
        Registry {
            pins,
            ..Registry::default()
        }
    }

    /// The session holding this IP.
    pub fn by_ip(&self, ip: Ipv4Addr) -> Option<&Active> {
        self.ips
            .get(&ip)
            .and_then(|mac| self.sessions.get(mac))
            .filter(|a| a.ip == ip)
    }

    /// Adds or replaces a user's state, sharing its profile with other users of an identical
    /// one.
    pub fn insert_user(&mut self, user_id: i64, mut state: UserState) {
        let id = state.profile.id;
        match self.profiles.get(&id) {
            Some(shared) if **shared == *state.profile => state.profile = shared.clone(),
            _ => {
                self.profiles.insert(id, state.profile.clone());
            }
        }
        self.users.insert(user_id, Box::new(state));
    }

    /// The MAC of the session holding this IPv6 address.
    pub fn holder6(&self, ip: Ipv6Addr) -> Option<&str> {
        self.ips6.get(&ip).map(|h| h.mac.as_str())
    }

    /// The MAC of the session holding this IPv6 address and when it was last seen using it.
    pub fn holder6_seen(&self, ip: Ipv6Addr) -> Option<(&str, i64)> {
        self.ips6.get(&ip).map(|h| (h.mac.as_str(), h.seen))
    }

    /// Notes that `mac` was seen using `ip` at `now`, if it holds it.
    pub fn saw_ip6(&mut self, mac: &str, ip: Ipv6Addr, now: i64) {
        if let Some(h) = self.ips6.get_mut(&ip).filter(|h| h.mac == mac) {
            h.seen = h.seen.max(now);
        }
    }

    fn hold6(&mut self, mac: &str, ip: Ipv6Addr, seen: i64) {
        let holder = Holder6 {
            mac: mac.to_string(),
            seen,
        };
        self.ips6.insert(ip, holder);
        self.pins.pin(ip.into(), mac);
    }

    fn release6(&mut self, mac: &str, ip: Ipv6Addr) {
        if self.ips6.get(&ip).is_some_and(|h| h.mac == mac) {
            self.ips6.remove(&ip);
            self.pins.unpin(ip.into(), mac);
        }
    }

    /// Records an IPv6 address an online device was seen using at `now` (the kernel already
    /// lets it through).
    pub fn add_ip6(&mut self, mac: &str, ip: Ipv6Addr, now: i64) {
        if let Some(a) = self.sessions.get_mut(mac) {
            a.ip6.push(ip);
            self.hold6(mac, ip, now);
        }
    }

    /// Forgets an IPv6 address of an online device (the kernel no longer lets it through).
    pub fn remove_ip6(&mut self, mac: &str, ip: Ipv6Addr) {
        if let Some(a) = self.sessions.get_mut(mac) {
            a.ip6.retain(|x| *x != ip);
            self.release6(mac, ip);
        }
    }

    /// Drops the kernel's neighbour entry of `ip` (after its session ended: the device left).
    pub fn forget_neighbour(&self, ip: Ipv4Addr) {
        self.pins.forget(ip.into());
    }

    /// Adds a device session (always through here, so the IP indexes stay right).
    pub fn insert_session(&mut self, active: Active) {
        let mac = active.row.mac.clone();
        // One session per device: a session it had leaves every index first.
        self.remove_session(&mac);
        self.ips.insert(active.ip, mac.clone());
        self.pins.pin(active.ip.into(), &mac);
        for a in &active.ip6 {
            self.hold6(&mac, *a, active.last_tick);
        }
        let macs = self.by_user.entry(active.row.user_id).or_default();
        if !macs.contains(&mac) {
            macs.push(mac.clone());
        }
        self.sessions.insert(mac, active);
    }

    fn unlink_user(&mut self, user_id: i64, mac: &str) {
        if let Some(macs) = self.by_user.get_mut(&user_id) {
            macs.retain(|m| m != mac);
            if macs.is_empty() {
                self.by_user.remove(&user_id);
            }
        }
    }

    /// Removes a device session.
    pub fn remove_session(&mut self, mac: &str) -> Option<Active> {
        let active = self.sessions.remove(mac)?;
        if self.ips.get(&active.ip).is_some_and(|m| m == mac) {
            self.ips.remove(&active.ip);
            self.pins.unpin(active.ip.into(), mac);
        }
        for a in &active.ip6 {
            self.release6(mac, *a);
        }
        self.unlink_user(active.row.user_id, mac);
        Some(active)
    }

    /// Devices online for a user, oldest session first.
    pub fn devices_of(&self, user_id: i64) -> Vec<&Active> {
        let mut v: Vec<&Active> = self
            .by_user
            .get(&user_id)
            .into_iter()
            .flatten()
            .filter_map(|mac| self.sessions.get(mac))
            .collect();
        v.sort_by_key(|a| a.row.id);
        v
    }

    /// Whether a user has a device online.
    pub fn has_devices(&self, user_id: i64) -> bool {
        self.by_user.contains_key(&user_id)
    }

    /// The public view of a device session.
    pub fn view(&self, a: &Active, now: i64) -> Option<ClientView> {
        let u = self.users.get(&a.row.user_id)?;
        let clock = clock_of(&a.row, u.access_ends(now));
        let e = &u.effective;
        let bytes_left = [e.total_left, e.down_left, e.up_left]
            .into_iter()
            .flatten()
            .min();
        Some(ClientView {
            session_id: a.row.id,
            mac: a.row.mac.clone(),
            ip: a.ip.to_string(),
            ip6: a.ip6.clone(),
            user_id: u.user.id,
            username: u.user.username.clone(),
            profile: u.profile.name.clone(),
            profile_for_users: u.profile.name_for_users.clone(),
            started_at: a.row.started_at,
            bytes_up: a.bytes_up(),
            bytes_down: a.bytes_down(),
            seconds_left: clock.seconds_left(now),
            profile_ends_at: u.assignment().and_then(|x| x.ends_at),
            uptime_left: e.uptime_left,
            bytes_left,
            idle_seconds: u64::try_from(now - a.last_activity).unwrap_or(0),
            rate_down_bps: u.applied.rate_down_bps,
            rate_up_bps: u.applied.rate_up_bps,
        })
    }
}

#[cfg(test)]
mod tests;
