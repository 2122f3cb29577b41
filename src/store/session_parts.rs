//! The profiles each session ran under. A session that spans a profile switch (the active
//! profile ended and the next one took over without logging the guest off) has one part per
//! assigned profile. A part stores where it began: the time and the session's byte counts
//! then. Its usage runs to the next part's beginning, or to the session's end (or now), so
//! the end of a session writes nothing here.

use std::collections::HashMap;

use rusqlite::{Transaction, params};
use serde::Serialize;

use super::{SessionRow, Store, StoreError, to_i64, to_u64};

/// A session that now runs under another assigned profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileSwitch {
    /// The session.
    pub session_id: i64,
    /// The assignment now active.
    pub assignment_id: i64,
    /// Its profile.
    pub profile_id: i64,
    /// Unix time of the switch.
    pub at: i64,
    /// The session's bytes from the device up to the switch.
    pub bytes_up: u64,
    /// The session's bytes to the device up to the switch.
    pub bytes_down: u64,
}

/// The part of a session spent under one profile, with its usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionPart {
    /// The profile.
    pub profile_id: i64,
    /// The assignment (unknown for sessions recorded before parts were).
    pub assignment_id: Option<i64>,
    /// Unix time the part began.
    pub started_at: i64,
    /// Seconds in this part (so far, for the running part of an active session).
    pub duration_secs: u64,
    /// Bytes from the device in this part.
    pub bytes_up: u64,
    /// Bytes to the device in this part.
    pub bytes_down: u64,
}

/// Where a part began, as stored.
struct Start {
    profile_id: i64,
    assignment_id: Option<i64>,
    at: i64,
    up: u64,
    down: u64,
}

const INSERT: &str = "INSERT INTO session_profiles (session_id, profile_id, assignment_id,
    started_at, bytes_up_before, bytes_down_before) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// The first part of a new session, inside the caller's transaction.
pub(super) fn insert_first(
    tx: &Transaction,
    session: &SessionRow,
    assignment_id: Option<i64>,
) -> Result<(), StoreError> {
    tx.execute(
        INSERT,
        params![
            session.id,
            session.profile_id,
            assignment_id,
            session.started_at,
            0,
            0
        ],
    )?;
    Ok(())
}

/// Splits a session's usage into its parts.
fn split(starts: &[Start], s: &SessionRow, now: i64) -> Vec<SessionPart> {
    starts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (end, up, down) = match starts.get(i + 1) {
                Some(next) => (next.at, next.up, next.down),
                None => (s.ended_at.unwrap_or(now), s.bytes_up, s.bytes_down),
            };
            SessionPart {
                profile_id: p.profile_id,
                assignment_id: p.assignment_id,
                started_at: p.at,
                duration_secs: to_u64(end.saturating_sub(p.at)),
                bytes_up: up.saturating_sub(p.up),
                bytes_down: down.saturating_sub(p.down),
            }
        })
        .collect()
}

impl Store {
    /// Records that active sessions now run under another assignment. A session whose latest
    /// part is that assignment already is left as it is, so a caller may pass every session
    /// of a user whose queue changed.
    pub fn record_profile_switches(
        &mut self,
        switches: &[ProfileSwitch],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            // Parts recorded before assignments were (NULL) match by profile.
            let mut stmt = tx.prepare_cached(
                "INSERT INTO session_profiles (session_id, profile_id, assignment_id, started_at,
                 bytes_up_before, bytes_down_before) SELECT ?1, ?2, ?3, ?4, ?5, ?6
                 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?1 AND ended_at IS NULL)
                 AND NOT EXISTS (SELECT 1 FROM (SELECT assignment_id, profile_id
                     FROM session_profiles WHERE session_id = ?1 ORDER BY id DESC LIMIT 1)
                     WHERE assignment_id = ?3 OR (assignment_id IS NULL AND profile_id = ?2))",
            )?;
            for s in switches {
                stmt.execute(params![
                    s.session_id,
                    s.profile_id,
                    s.assignment_id,
                    s.at,
                    to_i64(s.bytes_up),
                    to_i64(s.bytes_down)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The parts of these sessions with their usage, by session id, in order.
    pub fn session_parts(
        &self,
        sessions: &[SessionRow],
        now: i64,
    ) -> Result<HashMap<i64, Vec<SessionPart>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT profile_id, assignment_id, started_at, bytes_up_before, bytes_down_before
             FROM session_profiles WHERE session_id = ?1 ORDER BY id",
        )?;
        let mut out = HashMap::with_capacity(sessions.len());
        for s in sessions {
            let starts = stmt
                .query_map([s.id], |r| {
                    Ok(Start {
                        profile_id: r.get(0)?,
                        assignment_id: r.get(1)?,
                        at: r.get(2)?,
                        up: to_u64(r.get(3)?),
                        down: to_u64(r.get(4)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            out.insert(s.id, split(&starts, s, now));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::limitation::OutsideWindows;
    use crate::model::profile::{ProfileClock, Starts, activate_at_logon};
    use crate::model::session::TerminateCause;
    use crate::store::{NewProfile, NewSession, SessionProgress};

    fn profile(store: &mut Store, name: &str) -> (i64, ProfileClock) {
        let clock = ProfileClock {
            validity_secs: Some(60),
            starts: Starts::FirstLogon,
        };
        let id = store
            .insert_profile(
                &NewProfile {
                    name: name.into(),
                    name_for_users: name.into(),
                    owner: "admin".into(),
                    clock,
                    price_cents: None,
                    shared_users: 1,
                    outside_windows: OutsideWindows::Deny,
                },
                0,
            )
            .unwrap();
        (id, clock)
    }

    #[test]
    fn a_session_across_a_switch_has_its_usage_split_by_profile() {
        let mut store = Store::open_in_memory().unwrap();
        let first = profile(&mut store, "first");
        let second = profile(&mut store, "second");
        let user = store.insert_account("ann", "x", "", None, 0).unwrap();
        store.assign_profile(user, first, 0).unwrap();
        let next = store.assign_profile(user, second, 0).unwrap();
        let mut queue = store.assignments(user, 1000).unwrap();
        activate_at_logon(&mut queue, 1000);
        let row = store
            .start_session(
                &NewSession {
                    user_id: user,
                    profile_id: first.0,
                    mac: "02:00:00:00:00:01".into(),
                    ip: "10.0.0.2".into(),
                    started_at: 1000,
                    session_timeout: 600,
                    idle_timeout: 60,
                },
                &queue,
                true,
            )
            .unwrap();
        let switch = ProfileSwitch {
            session_id: row.id,
            assignment_id: next.id,
            profile_id: second.0,
            at: 1060,
            bytes_up: 10,
            bytes_down: 300,
        };
        store.record_profile_switches(&[switch]).unwrap();
        // Again (another device of the user, a reload): no second part.
        store
            .record_profile_switches(&[ProfileSwitch { at: 1070, ..switch }])
            .unwrap();
        let running = store
            .session_parts(std::slice::from_ref(&row), 1065)
            .unwrap();
        assert_eq!(running[&row.id].len(), 2);
        assert_eq!(running[&row.id][1].duration_secs, 5, "so far");
        let progress = SessionProgress {
            id: row.id,
            bytes_up: 15,
            bytes_down: 500,
            last_activity_at: 1090,
        };
        store
            .end_session(&progress, TerminateCause::UserRequest, 1090)
            .unwrap();
        let ended = store.recent_sessions(1).unwrap();
        let parts = &store.session_parts(&ended, 5000).unwrap()[&row.id];
        let got: Vec<_> = parts
            .iter()
            .map(|p| (p.profile_id, p.duration_secs, p.bytes_up, p.bytes_down))
            .collect();
        assert_eq!(got, vec![(first.0, 60, 10, 300), (second.0, 30, 5, 200)]);
        assert_eq!(parts[0].assignment_id, Some(queue[0].id));
        // An ended session takes no more parts.
        store
            .record_profile_switches(&[ProfileSwitch {
                assignment_id: 999,
                ..switch
            }])
            .unwrap();
        assert_eq!(store.session_parts(&ended, 5000).unwrap()[&row.id].len(), 2);
    }
}
