//! Session life cycle: why sessions end and when the clock or the counters end them.

use serde::{Deserialize, Serialize};

/// Why a session ended (RFC 2866 Acct-Terminate-Cause names where one fits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TerminateCause {
    /// The guest logged out (RADIUS 1).
    UserRequest,
    /// No traffic from the guest for the idle timeout (RADIUS 4).
    IdleTimeout,
    /// The per-session time limit was reached (RADIUS 5).
    SessionTimeout,
    /// The voucher's validity ended.
    ValidityExpired,
    /// The data allowance was used up.
    QuotaExhausted,
    /// An operator ended it (`hotspotd kick`, voucher revoked) (RADIUS 6).
    AdminReset,
    /// The device is gone: its address now belongs to another device (RADIUS 2).
    LostCarrier,
    /// The gateway could not enforce the session (firewall error) (RADIUS 9).
    NasError,
    /// The user's online time (uptime limit) is used up.
    UptimeLimit,
    /// The profile allows no access at this time of day.
    OutsideWindow,
    /// A newer login of the same user took the slot (shared users, "end the oldest") (RADIUS 13).
    PortPreempted,
}

impl TerminateCause {
    /// The name stored in the database and printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            TerminateCause::UserRequest => "user-request",
            TerminateCause::IdleTimeout => "idle-timeout",
            TerminateCause::SessionTimeout => "session-timeout",
            TerminateCause::ValidityExpired => "validity-expired",
            TerminateCause::QuotaExhausted => "quota-exhausted",
            TerminateCause::AdminReset => "admin-reset",
            TerminateCause::LostCarrier => "lost-carrier",
            TerminateCause::NasError => "nas-error",
            TerminateCause::UptimeLimit => "uptime-limit",
            TerminateCause::OutsideWindow => "outside-window",
            TerminateCause::PortPreempted => "port-preempted",
        }
    }
}

/// The time rules of one session, fixed at login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionClock {
    /// Unix time the session started.
    pub started_at: i64,
    /// End of the voucher's validity, if any.
    pub expires_at: Option<i64>,
    /// Maximum session length in seconds.
    pub session_timeout: u64,
    /// Seconds without client traffic after which the session ends.
    pub idle_timeout: u64,
}

impl SessionClock {
    /// The moment the session must end, and why, whatever the traffic.
    pub fn deadline(&self) -> (i64, TerminateCause) {
        let timeout_at = self
            .started_at
            .saturating_add(i64::try_from(self.session_timeout).unwrap_or(i64::MAX));
        match self.expires_at {
            Some(end) if end <= timeout_at => (end, TerminateCause::ValidityExpired),
            _ => (timeout_at, TerminateCause::SessionTimeout),
        }
    }

    /// Decides whether the session must end now. `last_activity` is the last time the client
    /// was seen sending; `quota_left` the bytes left on its voucher if it has a quota.
    pub fn verdict(
        &self,
        now: i64,
        last_activity: i64,
        quota_left: Option<u64>,
    ) -> Option<TerminateCause> {
        let (deadline, cause) = self.deadline();
        if now >= deadline {
            return Some(cause);
        }
        if quota_left == Some(0) {
            return Some(TerminateCause::QuotaExhausted);
        }
        let idle_for = now.saturating_sub(last_activity.max(self.started_at));
        if idle_for >= i64::try_from(self.idle_timeout).unwrap_or(i64::MAX) {
            return Some(TerminateCause::IdleTimeout);
        }
        None
    }

    /// Seconds until the deadline (never negative).
    pub fn seconds_left(&self, now: i64) -> u64 {
        u64::try_from(self.deadline().0.saturating_sub(now)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000;

    fn clock(expires_at: Option<i64>) -> SessionClock {
        SessionClock {
            started_at: T0,
            expires_at,
            session_timeout: 3600,
            idle_timeout: 300,
        }
    }

    #[test]
    fn the_earlier_of_validity_and_session_timeout_wins() {
        assert_eq!(
            clock(Some(T0 + 60)).deadline(),
            (T0 + 60, TerminateCause::ValidityExpired)
        );
        assert_eq!(
            clock(Some(T0 + 7200)).deadline(),
            (T0 + 3600, TerminateCause::SessionTimeout)
        );
        assert_eq!(
            clock(None).deadline(),
            (T0 + 3600, TerminateCause::SessionTimeout)
        );
    }

    #[test]
    fn verdicts_in_order_of_precedence() {
        let c = clock(Some(T0 + 1000));
        assert_eq!(c.verdict(T0 + 10, T0 + 10, Some(5)), None);
        assert_eq!(
            c.verdict(T0 + 1000, T0 + 999, Some(0)),
            Some(TerminateCause::ValidityExpired)
        );
        assert_eq!(
            c.verdict(T0 + 10, T0 + 10, Some(0)),
            Some(TerminateCause::QuotaExhausted)
        );
        assert_eq!(
            c.verdict(T0 + 400, T0 + 100, None),
            Some(TerminateCause::IdleTimeout)
        );
        assert_eq!(c.verdict(T0 + 399, T0 + 100, None), None);
        // A session that never sent anything is idle from its start.
        assert_eq!(
            c.verdict(T0 + 300, 0, None),
            Some(TerminateCause::IdleTimeout)
        );
        assert_eq!(c.seconds_left(T0 + 400), 600);
        assert_eq!(c.seconds_left(T0 + 5000), 0);
    }
}
