//! Claims to addresses awaiting confirmation, pure: a frame naming a new address is no proof
//! (anyone can forge a guest's MAC in one), so a session moves only once its device no longer
//! answers at its old address, and an IPv6 address changes hands only once its holder has not
//! been seen using it for a while and does not answer for it either.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

/// How often the old address is asked about while a move waits.
pub const ASK_EVERY: Duration = Duration::from_secs(1);
/// Times it is asked.
pub const ASKS: u32 = 3;
/// A move nobody answered against within this time is confirmed.
pub const CONFIRM_AFTER: Duration = Duration::from_secs(3);
/// After a device answered against a claim, further claims for it are ignored this long: a
/// guest repeating forged frames makes the gateway ask (and log) once per period, not per
/// frame. (A real move in this time waits for the next sighting after it.)
pub const QUIET_AFTER_ANSWER: Duration = Duration::from_secs(10);

/// An IPv6 address's holder not seen using it for this long may lose it to another device
/// (the capture reports an address in use every 10 s; its holder is asked before it loses it).
pub const IPV6_LAPSE_SECS: i64 = 30;
/// Time the holder has to answer for the address.
pub const IPV6_ANSWER_SECS: i64 = 3;
/// A holder's silence counts this long after it was asked; then it is asked again.
const IPV6_ASK_VALID_SECS: i64 = 30;
/// Addresses asked about at most at once (a flood of claims costs no more memory).
const IPV6_ASKED_MAX: usize = 4096;

/// A move of a session's device from `from` to `to` (`to == from`: another device claims
/// the session's address, and the session ends if its device is gone), asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Move {
    from: Ipv4Addr,
    to: Ipv4Addr,
    since: Instant,
    asks: u32,
    last_ask: Instant,
    /// When the device answered at `from` (the claim is refused).
    answered: Option<Instant>,
}

/// What to do with a claim of an IPv6 address another session holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contest {
    /// The holder keeps it.
    Refuse,
    /// The holder has been silent: ask it whether it still uses the address (it keeps it
    /// meanwhile).
    Ask,
    /// The holder was asked and did not answer: the address changes hands.
    TakeOver,
}

/// Pending claims: at most one move per online device and one question per IPv6 address.
#[derive(Debug, Default)]
pub struct Claims {
    moves: HashMap<String, Move>,
    asked6: HashMap<Ipv6Addr, i64>,
}

impl Claims {
    /// The device `mac`, online at `from`, was seen at `to`, or (`to == from`) another
    /// device claims `from`. Returns whether this is a new claim (`from` is to be asked about
    /// now).
    pub fn claim(&mut self, mac: &str, from: Ipv4Addr, to: Ipv4Addr, now: Instant) -> bool {
        let quiet = |at: Instant| now.duration_since(at) < QUIET_AFTER_ANSWER;
        match self.moves.get(mac) {
            Some(m) if m.answered.is_some_and(quiet) => false,
            Some(m) if m.answered.is_none() && m.from == from && m.to == to => false,
            _ => {
                let claim = Move {
                    from,
                    to,
                    since: now,
                    asks: 1,
                    last_ask: now,
                    answered: None,
                };
                self.moves.insert(mac.to_string(), claim);
                true
            }
        }
    }

    /// The device was seen at its session's address: the claim waiting for it (its address
    /// returned) is refused.
    pub fn answered(&mut self, mac: &str, now: Instant) -> Option<Ipv4Addr> {
        let m = self.moves.get_mut(mac).filter(|m| m.answered.is_none())?;
        m.answered = Some(now);
        Some(m.to)
    }

    /// At `now`: the old addresses to ask about again, and the moves (device, from, to)
    /// nobody answered against in time.
    pub fn due(&mut self, now: Instant) -> (Vec<Ipv4Addr>, Vec<(String, Ipv4Addr, Ipv4Addr)>) {
        let (mut ask, mut confirmed) = (Vec::new(), Vec::new());
        let quiet = |at: Instant| now.duration_since(at) < QUIET_AFTER_ANSWER;
        self.moves.retain(|_, m| m.answered.is_none_or(quiet));
        for (mac, m) in self.moves.iter_mut().filter(|(_, m)| m.answered.is_none()) {
            if now.duration_since(m.since) >= CONFIRM_AFTER {
                confirmed.push((mac.clone(), m.from, m.to));
            } else if m.asks < ASKS && now.duration_since(m.last_ask) >= ASK_EVERY {
                m.asks += 1;
                m.last_ask = now;
                ask.push(m.from);
            }
        }
        for (mac, ..) in &confirmed {
            self.moves.remove(mac);
        }
        (ask, confirmed)
    }

    /// Another device claims `ip`, whose holder was last seen using it at `holder_seen`.
    pub fn contest6(&mut self, ip: Ipv6Addr, holder_seen: i64, now: i64) -> Contest {
        if now - holder_seen < IPV6_LAPSE_SECS {
            return Contest::Refuse;
        }
        match self.asked6.get(&ip) {
            Some(&at) if now - at < IPV6_ASK_VALID_SECS => {
                if now - at >= IPV6_ANSWER_SECS && holder_seen < at {
                    self.asked6.remove(&ip);
                    Contest::TakeOver
                } else {
                    Contest::Refuse
                }
            }
            _ => {
                if self.asked6.len() >= IPV6_ASKED_MAX {
                    self.asked6.retain(|_, at| now - *at < IPV6_ASK_VALID_SECS);
                    if self.asked6.len() >= IPV6_ASKED_MAX {
                        self.asked6.clear();
                    }
                }
                self.asked6.insert(ip, now);
                Contest::Ask
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: &str = "02:77:00:00:00:0b";

    fn v4(last: u8) -> Ipv4Addr {
        Ipv4Addr::new(10, 77, 0, last)
    }

    #[test]
    fn a_move_is_confirmed_only_when_nobody_answers_at_the_old_address() {
        let mut c = Claims::default();
        let t0 = Instant::now();
        assert!(c.claim(MAC, v4(11), v4(99), t0));
        // The same claim again asks nothing new; the old address is asked about each second.
        assert!(!c.claim(MAC, v4(11), v4(99), t0 + Duration::from_millis(300)));
        assert_eq!(c.due(t0 + Duration::from_millis(500)), (vec![], vec![]));
        assert_eq!(c.due(t0 + ASK_EVERY).0, vec![v4(11)]);
        assert_eq!(c.due(t0 + 2 * ASK_EVERY).0, vec![v4(11)]);
        assert_eq!(c.due(t0 + Duration::from_millis(2500)), (vec![], vec![]));
        let (_, moved) = c.due(t0 + CONFIRM_AFTER);
        assert_eq!(moved, vec![(MAC.to_string(), v4(11), v4(99))]);
        assert_eq!(c.due(t0 + 2 * CONFIRM_AFTER), (vec![], vec![]));
    }

    #[test]
    fn an_answer_at_the_old_address_refuses_the_move() {
        let mut c = Claims::default();
        let t0 = Instant::now();
        assert!(c.claim(MAC, v4(11), v4(99), t0));
        assert_eq!(c.answered(MAC, t0), Some(v4(99)));
        assert_eq!(c.answered(MAC, t0), None);
        assert_eq!(c.due(t0 + CONFIRM_AFTER), (vec![], vec![]));
        // Claims right after an answer are ignored (forged frames repeated)...
        assert!(!c.claim(MAC, v4(11), v4(98), t0 + Duration::from_secs(1)));
        assert_eq!(c.due(t0 + CONFIRM_AFTER), (vec![], vec![]));
        // ...then count again. A claim of another address starts over: its time runs from then.
        let t1 = t0 + QUIET_AFTER_ANSWER;
        assert!(c.claim(MAC, v4(11), v4(98), t1));
        assert!(c.claim(MAC, v4(11), v4(97), t1 + Duration::from_secs(2)));
        assert!(c.due(t1 + CONFIRM_AFTER).1.is_empty());
        assert_eq!(
            c.due(t1 + Duration::from_secs(5)).1,
            vec![(MAC.to_string(), v4(11), v4(97))]
        );
    }

    #[test]
    fn an_ipv6_address_changes_hands_after_a_lapse_and_an_unanswered_question() {
        let ip: Ipv6Addr = "2001:db8:77::abcd".parse().unwrap();
        let mut c = Claims::default();
        let seen = 1000;
        assert_eq!(c.contest6(ip, seen, seen + 5), Contest::Refuse);
        let t = seen + IPV6_LAPSE_SECS;
        assert_eq!(c.contest6(ip, seen, t), Contest::Ask);
        assert_eq!(
            c.contest6(ip, seen, t + 1),
            Contest::Refuse,
            "no time to answer"
        );
        // The holder answered: seen since the question.
        assert_eq!(c.contest6(ip, t + 1, t + IPV6_ANSWER_SECS), Contest::Refuse);
        // It did not.
        assert_eq!(
            c.contest6(ip, seen, t + IPV6_ANSWER_SECS),
            Contest::TakeOver
        );
        // A question long ago counts no more: asked again.
        assert_eq!(c.contest6(ip, seen, t + 100), Contest::Ask);
        assert_eq!(
            c.contest6(ip, seen, t + 100 + IPV6_ASK_VALID_SECS),
            Contest::Ask
        );
    }
}
