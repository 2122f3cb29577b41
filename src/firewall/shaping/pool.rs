//! Pools of HTB class numbers: made once per interface, handed to sessions with a rate and
//! taken back when they end. Pure: no kernel here.

use std::collections::HashMap;

use ipnet::Ipv4Net;

/// Classes per interface at most. Making classes costs the kernel a walk over every class of
/// the qdisc each (quadratic: 10,000 take about 7 s with their leaves' share on top), so
/// pools are made once at start; re-rating one later is cheap. 10,240 holds the 10,000
/// clients the gateway is sized for, with room for a few address moves in flight.
pub const MAX_CLASSES: u16 = 10_240;

/// Guest addresses of a subnet: all but network, broadcast and the gateway's own.
pub fn guest_addresses(subnet: &Ipv4Net) -> u64 {
    let all = 1u64 << (32 - u32::from(subnet.prefix_len()));
    let usable = if subnet.prefix_len() >= 31 {
        all
    } else {
        all - 2
    };
    usable.saturating_sub(1)
}

/// Pool size for interfaces carrying these subnets: one class per possible guest, capped.
pub fn size_for<'a>(subnets: impl Iterator<Item = &'a Ipv4Net>) -> u16 {
    let guests: u64 = subnets.map(guest_addresses).sum();
    u16::try_from(guests.min(u64::from(MAX_CLASSES))).unwrap_or(MAX_CLASSES)
}

/// The free class numbers (minors 1..=size) of one interface's pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    free: Vec<u16>,
}

impl Pool {
    /// Every class of `size` free.
    pub fn new(size: u16) -> Self {
        Pool {
            free: (1..=size).rev().collect(),
        }
    }

    /// A free class (the lowest number returned last: reuse keeps numbers small).
    pub fn take(&mut self) -> Option<u16> {
        self.free.pop()
    }

    /// Gives a class back.
    pub fn give(&mut self, minor: u16) {
        self.free.push(minor);
    }
}

/// A session's classes: download on its LAN interface (device index, minor), upload on
/// the WAN (minor).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Classes {
    /// Download class: index of the LAN device, minor.
    pub down: Option<(usize, u16)>,
    /// Upload class on the WAN.
    pub up: Option<u16>,
}

/// Every pool and who holds what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignments {
    /// One pool per device: the LAN devices, then the WAN last.
    pub pools: Vec<Pool>,
    /// Classes per session id.
    pub by_session: HashMap<i64, Classes>,
}

impl Assignments {
    /// Empty pools of these sizes.
    pub fn new(sizes: &[u16]) -> Self {
        Assignments {
            pools: sizes.iter().map(|s| Pool::new(*s)).collect(),
            by_session: HashMap::new(),
        }
    }

    fn wan(&self) -> usize {
        self.pools.len() - 1
    }

    /// Gives `session`'s classes back; returns what it held.
    pub fn release(&mut self, session: i64) -> Classes {
        let held = self.by_session.remove(&session).unwrap_or_default();
        if let Some((device, minor)) = held.down {
            self.pools[device].give(minor);
        }
        if let Some(minor) = held.up {
            let wan = self.wan();
            self.pools[wan].give(minor);
        }
        held
    }

    /// Classes for `session` in the directions it has a rate for (keeping those it holds;
    /// `down_device` is its LAN device, if its address is on one). `None` in a direction
    /// with a rate: that pool is used up.
    pub fn assign(
        &mut self,
        session: i64,
        down_device: Option<usize>,
        down: bool,
        up: bool,
    ) -> Classes {
        let mut held = self.release(session);
        let wan = self.wan();
        held.down = match (down, down_device, held.down) {
            (true, Some(d), Some((had, minor))) if had == d => {
                self.pools[d].take_back(minor).map(|m| (d, m))
            }
            (true, Some(d), _) => self.pools[d].take().map(|m| (d, m)),
            _ => None,
        };
        held.up = match (up, held.up) {
            (true, Some(minor)) => self.pools[wan].take_back(minor),
            (true, None) => self.pools[wan].take(),
            _ => None,
        };
        if held != Classes::default() {
            self.by_session.insert(session, held);
        }
        held
    }
}

/// What a batch's sessions held before it, to put back if the batch fails.
#[derive(Debug, Default)]
pub struct Journal {
    prior: Vec<(i64, Classes)>,
    seen: std::collections::HashSet<i64>,
}

impl Journal {
    /// Notes what `session` holds, the first time the batch touches it.
    pub fn note(&mut self, assigned: &Assignments, session: i64) {
        if self.seen.insert(session) {
            let held = assigned
                .by_session
                .get(&session)
                .copied()
                .unwrap_or_default();
            self.prior.push((session, held));
        }
    }
}

impl Assignments {
    /// Undoes a batch: every session it touched gets back what it held before. Its classes
    /// were held all along, so they are free once the batch's sessions give theirs back.
    pub fn undo(&mut self, journal: Journal) {
        for (session, _) in &journal.prior {
            self.release(*session);
        }
        let wan = self.wan();
        for (session, held) in journal.prior {
            if let Some((device, minor)) = held.down {
                self.pools[device].take_back(minor);
            }
            if let Some(minor) = held.up {
                self.pools[wan].take_back(minor);
            }
            if held != Classes::default() {
                self.by_session.insert(session, held);
            }
        }
    }
}

impl Pool {
    /// Takes `minor` out of the free list again (it was just given back).
    fn take_back(&mut self, minor: u16) -> Option<u16> {
        let at = self.free.iter().rposition(|m| *m == minor)?;
        self.free.remove(at);
        Some(minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_hold_one_class_per_guest_address_up_to_the_cap() {
        let lan: Ipv4Net = "10.77.0.0/24".parse().unwrap();
        let big: Ipv4Net = "10.0.0.0/8".parse().unwrap();
        assert_eq!(guest_addresses(&lan), 253);
        assert_eq!(size_for([lan, lan].iter()), 506);
        assert_eq!(size_for([big].iter()), MAX_CLASSES);
    }

    #[test]
    fn classes_are_handed_out_kept_and_taken_back() {
        let mut a = Assignments::new(&[2, 2]);
        let first = a.assign(1, Some(0), true, true);
        assert_eq!(
            first,
            Classes {
                down: Some((0, 1)),
                up: Some(1)
            }
        );
        // A new grant of the same session keeps its classes.
        assert_eq!(a.assign(1, Some(0), true, true), first);
        assert_eq!(a.assign(2, Some(0), true, false).down, Some((0, 2)));
        // Used up: no class, the pool is untouched.
        assert_eq!(
            a.assign(3, Some(0), true, true),
            Classes {
                down: None,
                up: Some(2)
            }
        );
        assert_eq!(a.release(1), first);
        assert_eq!(a.assign(3, Some(0), true, true).down, Some((0, 1)));
        assert!(!a.by_session.contains_key(&1));
    }

    #[test]
    fn a_failed_batch_is_undone() {
        let mut a = Assignments::new(&[3, 3]);
        a.assign(1, Some(0), true, true);
        let before = a.clone();
        let mut journal = Journal::default();
        for session in [1, 2] {
            journal.note(&a, session);
        }
        a.release(1);
        a.assign(2, Some(0), true, true);
        a.undo(journal);
        assert_eq!(a.by_session, before.by_session);
        assert_eq!(a.pools[0].free.len(), before.pools[0].free.len());
        assert_eq!(a.assign(3, Some(0), true, false).down, Some((0, 2)));
    }
}
