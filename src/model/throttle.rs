//! Throttling of wrong voucher codes and passwords, per guest address: a few free tries, then
//! an exponential wait (`reference/semantics.md` §5, NIST SP 800-63B §5.2.2).
//!
//! An attempt is *reserved* the moment it starts, before the code is looked up or the password
//! hashed, so a burst of simultaneous attempts cannot all be checked before the first failure
//! is recorded; a success gives its reservation back.
//!
//! The key is the guest's address, not its MAC: a guesser changing its MAC on the same address
//! gains nothing, and one using many addresses is bounded by the size of the guest subnets
//! (each address needs the gateway to resolve it on the guest network). There is no
//! gateway-wide budget: it would let one guesser make every guest with a right code wait.

use std::collections::HashMap;

/// Tuning of the throttle (times in milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Attempts an address may make before it has to wait; the last of them starts the wait.
    pub free_tries: u32,
    /// First wait; doubles with every further attempt.
    pub base_delay_ms: i64,
    /// Longest wait.
    pub max_delay_ms: i64,
    /// An address without attempts for this long starts afresh.
    pub forget_after_ms: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            free_tries: 3,
            base_delay_ms: 2_000,
            max_delay_ms: 300_000,
            forget_after_ms: 3_600_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    /// Attempts counted (reserved and not given back).
    tries: u32,
    blocked_until: i64,
    last_try: i64,
}

/// Attempt bookkeeping; the clock (Unix milliseconds) is passed in.
#[derive(Debug)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    records: HashMap<String, Record>,
    last_sweep: i64,
}

/// An attempt under way; hand it back with [`LoginThrottle::give_back`] if it succeeded.
#[derive(Debug)]
#[must_use = "a successful attempt gives its reservation back"]
pub struct Reservation {
    key: String,
    /// The wait this attempt imposed and the one it replaced.
    wait: Option<(i64, i64)>,
}

/// An attempt refused without being checked: wait this many milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Milliseconds until the address may try again.
    pub wait_ms: i64,
}

impl Throttled {
    /// Whole seconds to wait, rounded up, so a guest who waits what it is told is let in.
    pub fn retry_after(self) -> i64 {
        ((self.wait_ms + 999) / 1000).max(1)
    }
}

impl LoginThrottle {
    /// A throttle with no history.
    pub fn new(policy: ThrottlePolicy) -> Self {
        LoginThrottle {
            policy,
            records: HashMap::new(),
            last_sweep: 0,
        }
    }

    /// Forgets idle addresses once a minute, so memory follows the addresses in use.
    fn sweep(&mut self, now: i64) {
        if now - self.last_sweep >= 60_000 {
            self.last_sweep = now;
            let horizon = now - self.policy.forget_after_ms;
            self.records
                .retain(|_, r| r.last_try > horizon || r.blocked_until > now);
        }
    }

    fn delay(&self, tries: u32) -> i64 {
        let doublings = (tries - self.policy.free_tries).min(20);
        (self.policy.base_delay_ms << doublings).min(self.policy.max_delay_ms)
    }

    /// Counts an attempt from `key` before it is checked, or refuses it.
    pub fn reserve(&mut self, key: &str, now: i64) -> Result<Reservation, Throttled> {
        self.sweep(now);
        let forget = self.policy.forget_after_ms;
        let rec = self.records.entry(key.to_string()).or_insert(Record {
            tries: 0,
            blocked_until: 0,
            last_try: now,
        });
        if rec.blocked_until > now {
            return Err(Throttled {
                wait_ms: rec.blocked_until - now,
            });
        }
        if now - rec.last_try >= forget {
            rec.tries = 0;
        }
        rec.tries = rec.tries.saturating_add(1);
        rec.last_try = now;
        let tries = rec.tries;
        let previous = rec.blocked_until;
        let wait = (tries >= self.policy.free_tries).then(|| {
            let until = now + self.delay(tries);
            (until, previous)
        });
        if let (Some((until, _)), Some(rec)) = (wait, self.records.get_mut(key)) {
            rec.blocked_until = until;
        }
        Ok(Reservation {
            key: key.to_string(),
            wait,
        })
    }

    /// A successful attempt does not count: its reservation, and the wait it started, go.
    pub fn give_back(&mut self, reservation: Reservation) {
        let Some(rec) = self.records.get_mut(&reservation.key) else {
            return;
        };
        rec.tries = rec.tries.saturating_sub(1);
        if let Some((until, previous)) = reservation.wait
            && rec.blocked_until == until
        {
            rec.blocked_until = previous;
        }
        if rec.tries == 0 && rec.blocked_until == 0 {
            self.records.remove(&reservation.key);
        }
    }

    /// Milliseconds `key` must wait before its next attempt (0: none).
    pub fn wait_of(&self, key: &str, now: i64) -> i64 {
        self.records
            .get(key)
            .map_or(0, |r| (r.blocked_until - now).max(0))
    }
}

#[cfg(test)]
mod tests;
