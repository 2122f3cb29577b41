//! Profiles and the activation rules of the seed (`seeds/user-manager-profiles.txt`), as pure
//! functions over a user's queue of assigned profiles:
//!
//! - "At first logon" profiles stay inactive until the user's first logon; then the start is
//!   fixed and end = start + validity, and that end never changes.
//! - "Now" profiles start when they are assigned: their start and end are fixed then. One that
//!   waits behind another profile is `started` (its clock runs) until its turn comes.
//! - At the active profile's end the next inactive profile starts, without dropping a guest
//!   who is online; with none left the guest is logged off.
//! - A profile already active at logon is used. A guest who logged off before the end starts
//!   the next profile only at a logon after that end.
//! - One profile is active at a time; the last profile can be removed only while inactive.
//!
//! Ends follow the clock whoever is online: every reader passes the stored queue through
//! [`settle`] first, so a profile that ended while its user was offline reads as used.

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
    /// Not started yet ("at first logon", before its turn).
    Waiting,
    /// Started at assignment ("now") while another profile is in use: its clock runs.
    Started,
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
            State::Started => "started",
            State::Active => "active",
            State::Used => "used",
        }
    }

    /// Reads the stored form.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "waiting" => Some(State::Waiting),
            "started" => Some(State::Started),
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

/// A freshly assigned profile: a "now" profile starts at once (it becomes the active one when
/// [`settle`] finds nothing ahead of it).
pub fn assign(id: i64, profile_id: i64, clock: ProfileClock, now: i64) -> Assignment {
    let (state, started_at, ends_at) = match clock.starts {
        Starts::Now => (State::Started, Some(now), end_from(now, clock)),
        Starts::FirstLogon => (State::Waiting, None, None),
    };
    Assignment {
        id,
        profile_id,
        clock,
        assigned_at: now,
        state,
        started_at,
        ends_at,
    }
}

fn ended(a: &Assignment, now: i64) -> bool {
    a.ends_at.is_some_and(|end| now >= end)
}

/// Marks as used every profile whose end has passed (the active one, and "now" profiles that
/// ran out while queued).
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

/// The next profile in line (assignment order): the first neither used nor active.
fn next_in_line(queue: &[Assignment]) -> Option<usize> {
    queue
        .iter()
        .position(|a| matches!(a.state, State::Waiting | State::Started))
}

/// Makes the next profile in line the active one; one waiting for a logon starts now (the
/// caller has a logon, or a guest online), one started at assignment keeps its times.
fn start_next(queue: &mut [Assignment], now: i64) -> Option<usize> {
    let i = next_in_line(queue)?;
    let a = &mut queue[i];
    if a.state == State::Waiting {
        a.started_at = Some(now);
        a.ends_at = end_from(now, a.clock);
    }
    a.state = State::Active;
    Some(i)
}

/// The queue as the clock has it at `now`, without a logon: profiles past their end are used,
/// and with none active, a next profile whose clock already runs (started at assignment) is
/// the active one. A profile waiting for a logon stays waiting. Every view and rule reads
/// the queue through this, whether its user is online or not.
pub fn settle(queue: &mut [Assignment], now: i64) {
    retire_ended(queue, now);
    if active(queue).is_none()
        && let Some(i) = next_in_line(queue)
        && queue[i].state == State::Started
    {
        queue[i].state = State::Active;
    }
}

/// At logon: the profile to use, starting one if needed; `None` when nothing is left.
pub fn activate_at_logon(queue: &mut [Assignment], now: i64) -> Option<usize> {
    settle(queue, now);
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
    // The guest is online: the next profile starts now even if it waits for a logon.
    settle(queue, now);
    match active(queue).or_else(|| start_next(queue, now)) {
        Some(to) => Tick::Switched { from: current, to },
        None => Tick::LogOff,
    }
}

/// When access runs out for a user who stays online from now on: the active profile's end,
/// carried on by the profiles queued after it (one waiting for a logon starts at the end
/// before it; one started at assignment keeps its own end, and is skipped if that comes
/// first). `None`: no end (unlimited), or no active profile.
pub fn runs_out_at(queue: &[Assignment]) -> Option<i64> {
    let current = active(queue)?;
    let mut end = queue[current].ends_at?;
    for a in &queue[current + 1..] {
        match a.state {
            State::Waiting => end = end_from(end, a.clock)?,
            State::Started => end = end.max(a.ends_at?),
            State::Active | State::Used => {}
        }
    }
    Some(end)
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

pub mod spec;
#[cfg(test)]
mod tests;
pub mod words;
