//! Profiles and the activation rules of the seed (`seeds/user-manager-profiles.txt`), as pure
//! functions over a user's queue of assigned profiles:
//!
//! - "At first logon" profiles stay inactive until the user's first logon; then the start is
//!   fixed and end = start + validity, and that end never changes.
//! - "Now" profiles have their end fixed when they are assigned.
//! - At the active profile's end the next inactive profile starts, without dropping a guest
//!   who is online; with none left the guest is logged off.
//! - A profile already active at logon is used. A guest who logged off before the end starts
//!   the next profile only at a logon after that end.
//! - One profile is active at a time; the last profile can be removed only while inactive.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// When a profile's validity clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Starts {
    /// At the user's first logon: a voucher on the shelf does not age.
    FirstLogon,
    /// When the profile is assigned.
    Now,
}

impl Starts {
    /// The stored / printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Starts::FirstLogon => "first-logon",
            Starts::Now => "now",
        }
    }

    /// Reads the stored name back.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "first-logon" | "logon" => Some(Starts::FirstLogon),
            "now" | "assigned" => Some(Starts::Now),
            _ => None,
        }
    }
}

/// What of a profile the activation rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileClock {
    /// Wall-clock lifetime once started; `None` = unlimited.
    pub validity_secs: Option<u64>,
    /// When the clock starts.
    pub starts: Starts,
}

/// Where an assigned profile is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Not started yet.
    Waiting,
    /// The profile in use.
    Active,
    /// Ended for good.
    Used,
}

impl State {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Active => "active",
            State::Used => "used",
        }
    }

    /// Reads the stored form.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "waiting" => Some(State::Waiting),
            "active" => Some(State::Active),
            "used" => Some(State::Used),
            _ => None,
        }
    }
}

/// One profile in a user's queue (queue order = assignment order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Row id.
    pub id: i64,
    /// The profile.
    pub profile_id: i64,
    /// Its clock rules.
    pub clock: ProfileClock,
    /// Unix time of assignment.
    pub assigned_at: i64,
    /// Where it is.
    pub state: State,
    /// When it became active.
    pub started_at: Option<i64>,
    /// When it ends; fixed once known and never moved.
    pub ends_at: Option<i64>,
}

fn end_from(start: i64, clock: ProfileClock) -> Option<i64> {
    clock
        .validity_secs
        .map(|v| start.saturating_add(i64::try_from(v).unwrap_or(i64::MAX)))
}

/// A freshly assigned profile: a "now" profile's end is fixed at once.
pub fn assign(id: i64, profile_id: i64, clock: ProfileClock, now: i64) -> Assignment {
    Assignment {
        id,
        profile_id,
        clock,
        assigned_at: now,
        state: State::Waiting,
        started_at: None,
        ends_at: match clock.starts {
            Starts::Now => end_from(now, clock),
            Starts::FirstLogon => None,
        },
    }
}

fn ended(a: &Assignment, now: i64) -> bool {
    a.ends_at.is_some_and(|end| now >= end)
}

/// Marks as used the active profile if its end has passed (and "now" profiles that ran out
/// while waiting).
fn retire_ended(queue: &mut [Assignment], now: i64) {
    for a in queue.iter_mut() {
        if a.state != State::Used && ended(a, now) {
            a.state = State::Used;
        }
    }
}

/// The active profile, if any.
pub fn active(queue: &[Assignment]) -> Option<usize> {
    queue.iter().position(|a| a.state == State::Active)
}

/// Starts the next waiting profile (in assignment order).
fn start_next(queue: &mut [Assignment], now: i64) -> Option<usize> {
    let i = queue.iter().position(|a| a.state == State::Waiting)?;
    let a = &mut queue[i];
    a.state = State::Active;
    a.started_at = Some(now);
    if a.ends_at.is_none() {
        a.ends_at = end_from(now, a.clock);
    }
    Some(i)
}

/// At logon: the profile to use, starting one if needed; `None` when nothing is left.
pub fn activate_at_logon(queue: &mut [Assignment], now: i64) -> Option<usize> {
    retire_ended(queue, now);
    active(queue).or_else(|| start_next(queue, now))
}

/// What happened to an online user's profile at a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// The same profile goes on.
    Continue(usize),
    /// The active profile ended and the next one started (the guest stays online).
    Switched {
        /// The profile that ended.
        from: usize,
        /// The one now active.
        to: usize,
    },
    /// No profile is left: log the guest off.
    LogOff,
}

/// While online: at the active profile's end, switch to the next one or log off.
pub fn on_tick(queue: &mut [Assignment], now: i64) -> Tick {
    let Some(current) = active(queue) else {
        return Tick::LogOff;
    };
    if !ended(&queue[current], now) {
        return Tick::Continue(current);
    }
    retire_ended(queue, now);
    match start_next(queue, now) {
        Some(to) => Tick::Switched { from: current, to },
        None => Tick::LogOff,
    }
}

/// A profile that may not be removed.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum RemoveError {
    /// It is the user's last profile and it is active.
    #[error("the last profile of a user can be removed only while it is inactive")]
    LastActive,
    /// No such assignment.
    #[error("the user has no such profile")]
    NotFound,
}

/// May the assignment at `index` be removed (seed: the last profile only while inactive)?
pub fn can_remove(queue: &[Assignment], index: usize) -> Result<(), RemoveError> {
    let a = queue.get(index).ok_or(RemoveError::NotFound)?;
    let unused = queue.iter().filter(|a| a.state != State::Used).count();
    if a.state == State::Active && unused == 1 {
        return Err(RemoveError::LastActive);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
