//! Throttling of wrong voucher codes: exponential backoff per device plus a gateway-wide
//! failure budget, because a guesser who randomises its MAC gets a fresh per-device record
//! every time (`reference/semantics.md` §5, NIST SP 800-63B §5.2.2).

use std::collections::HashMap;

/// Tuning of the throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Wrong codes a device may enter before it has to wait.
    pub free_failures: u32,
    /// First wait in seconds; doubles with every further failure.
    pub base_delay: i64,
    /// Longest wait in seconds.
    pub max_delay: i64,
    /// Failures the whole gateway tolerates per `budget_window` seconds.
    pub budget: u32,
    /// Length of the gateway-wide window in seconds.
    pub budget_window: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            free_failures: 3,
            base_delay: 2,
            max_delay: 300,
            budget: 60,
            budget_window: 60,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct DeviceRecord {
    failures: u32,
    blocked_until: i64,
}

/// Failure bookkeeping; the clock is passed in.
#[derive(Debug)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    devices: HashMap<String, DeviceRecord>,
    window_start: i64,
    window_failures: u32,
}

/// Why an attempt is not even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// This device must wait this many seconds.
    Device(i64),
    /// The gateway as a whole has seen too many failures; retry in this many seconds.
    Gateway(i64),
}

impl Throttled {
    /// Seconds to wait.
    pub fn retry_after(self) -> i64 {
        match self {
            Throttled::Device(s) | Throttled::Gateway(s) => s.max(1),
        }
    }
}

impl LoginThrottle {
    /// A throttle with no history.
    pub fn new(policy: ThrottlePolicy) -> Self {
        LoginThrottle {
            policy,
            devices: HashMap::new(),
            window_start: 0,
            window_failures: 0,
        }
    }

    fn roll_window(&mut self, now: i64) {
        if now - self.window_start >= self.policy.budget_window {
            self.window_start = now;
            self.window_failures = 0;
            // Forget devices whose wait is long over, so memory stays bounded.
            let horizon = now - self.policy.max_delay;
            self.devices.retain(|_, r| r.blocked_until > horizon);
        }
    }

    /// May `device` try a code now?
    pub fn check(&mut self, device: &str, now: i64) -> Result<(), Throttled> {
        self.roll_window(now);
        if let Some(rec) = self.devices.get(device)
            && rec.blocked_until > now
        {
            return Err(Throttled::Device(rec.blocked_until - now));
        }
        if self.window_failures >= self.policy.budget {
            return Err(Throttled::Gateway(
                self.window_start + self.policy.budget_window - now,
            ));
        }
        Ok(())
    }

    /// Records a wrong code; returns the wait now imposed on the device (0 = none).
    pub fn record_failure(&mut self, device: &str, now: i64) -> i64 {
        self.roll_window(now);
        self.window_failures = self.window_failures.saturating_add(1);
        let policy = self.policy;
        let rec = self
            .devices
            .entry(device.to_string())
            .or_insert(DeviceRecord {
                failures: 0,
                blocked_until: 0,
            });
        rec.failures = rec.failures.saturating_add(1);
        if rec.failures <= policy.free_failures {
            return 0;
        }
        let doublings = (rec.failures - policy.free_failures - 1).min(20);
        let delay = (policy.base_delay << doublings).min(policy.max_delay);
        rec.blocked_until = now + delay;
        delay
    }

    /// A correct code clears the device's record.
    pub fn record_success(&mut self, device: &str) {
        self.devices.remove(device);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000;

    #[test]
    fn device_backoff_doubles_up_to_the_cap() {
        let mut t = LoginThrottle::new(ThrottlePolicy {
            budget: 1000,
            ..Default::default()
        });
        let mut now = T0;
        let mut delays = vec![];
        for _ in 0..12 {
            assert_eq!(t.check("aa", now), Ok(()));
            let d = t.record_failure("aa", now);
            delays.push(d);
            now += d;
        }
        assert_eq!(delays, [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
        t.record_failure("aa", now);
        assert_eq!(t.check("aa", now + 1), Err(Throttled::Device(299)));
        assert_eq!(t.check("bb", now + 1), Ok(()));
        t.record_success("aa");
        assert_eq!(t.check("aa", now + 1), Ok(()));
    }

    #[test]
    fn random_macs_hit_the_gateway_budget() {
        let mut t = LoginThrottle::new(ThrottlePolicy::default());
        for i in 0..60 {
            let dev = format!("random-{i}");
            assert_eq!(t.check(&dev, T0), Ok(()));
            t.record_failure(&dev, T0);
        }
        assert_eq!(t.check("fresh", T0 + 10), Err(Throttled::Gateway(50)));
        assert_eq!(t.check("fresh", T0 + 60), Ok(()));
    }
}
