//! The active sessions in memory: a cache of the database rows plus live kernel counts.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use serde::Serialize;

use crate::firewall::{ClientGrant, ClientRevoke, QuotaGrant};
use crate::model::session::SessionClock;
use crate::store::{SessionProgress, SessionRow, VoucherRow};

/// Seconds the kernel keeps a client past its deadline if the daemon has not revoked it by
/// then (the daemon normally acts within a second; this is only a backstop).
const KERNEL_GRACE_SECS: u64 = 5;

/// One device online.
#[derive(Debug, Clone)]
pub struct Active {
    /// The stored row; its byte counts are the base the kernel counters add to.
    pub row: SessionRow,
    /// Device address.
    pub ip: Ipv4Addr,
    /// Time rules.
    pub clock: SessionClock,
    /// The voucher's quota object, if any.
    pub quota: Option<QuotaGrant>,
    /// Bytes counted by the kernel since this client was (re)granted.
    pub kernel_up: u64,
    /// Bytes to the device counted by the kernel since the grant.
    pub kernel_down: u64,
    /// Last time the device sent traffic.
    pub last_activity: i64,
    /// Bytes left on the voucher, if it has a quota.
    pub quota_left: Option<u64>,
    /// What the database holds, so unchanged sessions are not rewritten every tick.
    pub saved: Option<SessionProgress>,
}

/// The voucher's quota as a kernel object, carrying the usage so far.
pub fn voucher_quota(voucher: &VoucherRow) -> Option<QuotaGrant> {
    voucher.terms.quota_bytes.map(|limit| QuotaGrant {
        voucher_id: voucher.id,
        limit_bytes: limit,
        used_bytes: voucher.usage.bytes_used,
    })
}

/// The time rules stored with a session.
pub fn clock_of(row: &SessionRow) -> SessionClock {
    SessionClock {
        started_at: row.started_at,
        expires_at: row.expires_at,
        session_timeout: row.session_timeout,
        idle_timeout: row.idle_timeout,
    }
}

impl Active {
    /// A session as loaded from (or just written to) the database.
    pub fn new(row: SessionRow, ip: Ipv4Addr, voucher: &VoucherRow) -> Self {
        let quota = voucher_quota(voucher);
        Active {
            clock: clock_of(&row),
            ip,
            quota,
            kernel_up: 0,
            kernel_down: 0,
            last_activity: row.last_activity_at,
            quota_left: quota.map(|q| q.limit_bytes.saturating_sub(q.used_bytes)),
            saved: None,
            row,
        }
    }

    /// Total bytes from the device in this session.
    pub fn bytes_up(&self) -> u64 {
        self.row.bytes_up + self.kernel_up
    }

    /// Total bytes to the device in this session.
    pub fn bytes_down(&self) -> u64 {
        self.row.bytes_down + self.kernel_down
    }

    /// What the database should hold now.
    pub fn progress(&self) -> SessionProgress {
        SessionProgress {
            id: self.row.id,
            bytes_up: self.bytes_up(),
            bytes_down: self.bytes_down(),
            last_activity_at: self.last_activity,
        }
    }

    /// The progress to write, if it changed since the last write.
    pub fn unsaved_progress(&self) -> Option<SessionProgress> {
        let now = self.progress();
        (self.saved != Some(now)).then_some(now)
    }

    /// What the kernel needs to let the device through until its deadline.
    pub fn grant(&self, now: i64) -> ClientGrant {
        ClientGrant {
            session_id: self.row.id,
            mac: self.row.mac.clone(),
            ip: self.ip,
            timeout_secs: self.clock.seconds_left(now) + KERNEL_GRACE_SECS,
            rate_up_bps: self.row.rate_up_bps,
            rate_down_bps: self.row.rate_down_bps,
            quota: self.quota,
        }
    }

    /// What the kernel needs to forget the device.
    pub fn revoke(&self, drop_quota: bool) -> ClientRevoke {
        ClientRevoke {
            session_id: self.row.id,
            mac: self.row.mac.clone(),
            ip: self.ip,
            quota: self.quota,
            drop_quota,
        }
    }

    /// The public view of this session.
    pub fn view(&self, now: i64) -> ClientView {
        ClientView {
            session_id: self.row.id,
            mac: self.row.mac.clone(),
            ip: self.ip.to_string(),
            voucher_id: self.row.voucher_id,
            started_at: self.row.started_at,
            bytes_up: self.bytes_up(),
            bytes_down: self.bytes_down(),
            seconds_left: self.clock.seconds_left(now),
            bytes_left: self.quota_left,
            idle_seconds: u64::try_from(now - self.last_activity).unwrap_or(0),
            rate_down_bps: self.row.rate_down_bps,
            rate_up_bps: self.row.rate_up_bps,
        }
    }
}

/// A connected client as the CLI and the status page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ClientView {
    /// Session id.
    pub session_id: i64,
    /// Device MAC.
    pub mac: String,
    /// Device IPv4 address.
    pub ip: String,
    /// Voucher used.
    pub voucher_id: i64,
    /// Unix time of login.
    pub started_at: i64,
    /// Bytes from the device.
    pub bytes_up: u64,
    /// Bytes to the device.
    pub bytes_down: u64,
    /// Seconds until the session ends at the latest.
    pub seconds_left: u64,
    /// Bytes left on the voucher, if limited.
    pub bytes_left: Option<u64>,
    /// Seconds since the device last sent traffic.
    pub idle_seconds: u64,
    /// Download rate limit, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Upload rate limit, bits/s.
    pub rate_up_bps: Option<u64>,
}

/// Active sessions by MAC.
#[derive(Debug, Default)]
pub struct Registry {
    by_mac: HashMap<String, Active>,
}

impl Registry {
    /// The session of this device.
    pub fn get(&self, mac: &str) -> Option<&Active> {
        self.by_mac.get(mac)
    }

    /// The session holding this IP.
    pub fn by_ip(&self, ip: Ipv4Addr) -> Option<&Active> {
        self.by_mac.values().find(|a| a.ip == ip)
    }

    /// Devices online with this voucher.
    pub fn voucher_devices(&self, voucher_id: i64) -> u32 {
        let n = self
            .by_mac
            .values()
            .filter(|a| a.row.voucher_id == voucher_id)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Adds or replaces a device's session.
    pub fn insert(&mut self, active: Active) {
        self.by_mac.insert(active.row.mac.clone(), active);
    }

    /// Removes a device's session.
    pub fn remove(&mut self, mac: &str) -> Option<Active> {
        self.by_mac.remove(mac)
    }

    /// Every session.
    pub fn iter(&self) -> impl Iterator<Item = &Active> {
        self.by_mac.values()
    }

    /// Every session, mutable (the enforcement loop updates counts).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Active> {
        self.by_mac.values_mut()
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.by_mac.len()
    }

    /// True when nobody is online.
    pub fn is_empty(&self) -> bool {
        self.by_mac.is_empty()
    }
}
