//! One device online: its stored session row and the kernel's counts on top of it.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::firewall::LastCounts;
use crate::model::limitation::Usage;
use crate::store::{SessionProgress, SessionRow};

/// One device online.
#[derive(Debug, Clone)]
pub struct Active {
    /// The stored row; its byte counts are the base the kernel counters add to.
    pub row: SessionRow,
    /// Device address.
    pub ip: Ipv4Addr,
    /// Global IPv6 addresses the device was seen using (authorised with its MAC).
    pub ip6: Vec<Ipv6Addr>,
    /// Bytes from the device counted by the kernel since the counters were created (at login,
    /// or by the last rebuild of the table).
    pub kernel_up: u64,
    /// Bytes to the device counted by the kernel, likewise.
    pub kernel_down: u64,
    /// Last time the device sent traffic.
    pub last_activity: i64,
    /// Last enforcement tick (online time is added from here).
    pub last_tick: i64,
    /// What the database holds, so unchanged sessions are not rewritten every tick.
    pub saved: Option<SessionProgress>,
}

impl Active {
    /// A session as loaded from (or just written to) the database.
    pub fn new(row: SessionRow, ip: Ipv4Addr, now: i64) -> Self {
        Active {
            ip,
            ip6: Vec::new(),
            kernel_up: 0,
            kernel_down: 0,
            last_activity: row.last_activity_at,
            last_tick: now,
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

    /// Takes in the last numbers of this session's counters, read by the transaction that
    /// ended it, and folds them into the base. Returns the traffic no tick has seen: it
    /// still has to be charged to the user.
    pub fn settle(&mut self, last: &LastCounts, now: i64) -> Usage {
        let up = last.up.unwrap_or(self.kernel_up);
        let down = last.down.unwrap_or(self.kernel_down);
        let fresh = Usage {
            up: up.saturating_sub(self.kernel_up),
            down: down.saturating_sub(self.kernel_down),
            uptime: 0,
        };
        if fresh.up > 0 {
            self.last_activity = now;
        }
        self.kernel_up = self.kernel_up.max(up);
        self.kernel_down = self.kernel_down.max(down);
        self.fold_counts();
        fresh
    }

    /// Moves kernel counts into the base before the kernel objects are recreated at zero.
    pub fn fold_counts(&mut self) {
        self.row.bytes_up += self.kernel_up;
        self.row.bytes_down += self.kernel_down;
        self.kernel_up = 0;
        self.kernel_down = 0;
    }
}
