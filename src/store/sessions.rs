//! Session rows: started together with the voucher's usage (and the session's first profile
//! part) in one transaction, updated with byte counts by the enforcement loop, closed with a
//! terminate cause.

use rusqlite::{Row, params};
use serde::Serialize;

use super::outbox::{self, counters, new_uid};
use super::{Store, StoreError, to_i64, to_u64};
use crate::model::profile::{Assignment, active};
use crate::model::session::TerminateCause;

/// What the gateway knows when it starts a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The user (account or voucher).
    pub user_id: i64,
    /// The profile active at login.
    pub profile_id: i64,
    /// Device MAC, lower-case colon form.
    pub mac: String,
    /// Device IPv4 address.
    pub ip: String,
    /// Unix time.
    pub started_at: i64,
    /// Longest session, seconds.
    pub session_timeout: u64,
    /// Idle timeout, seconds.
    pub idle_timeout: u64,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRow {
    /// Id.
    pub id: i64,
    /// The user.
    pub user_id: i64,
    /// The profile active at login.
    pub profile_id: i64,
    /// Device MAC.
    pub mac: String,
    /// Device IPv4 address.
    pub ip: String,
    /// Unix time of login.
    pub started_at: i64,
    /// Longest session, seconds.
    pub session_timeout: u64,
    /// Idle timeout, seconds.
    pub idle_timeout: u64,
    /// Bytes from the device.
    pub bytes_up: u64,
    /// Bytes to the device.
    pub bytes_down: u64,
    /// Last time the device was seen sending.
    pub last_activity_at: i64,
    /// Unix time of the end, if ended.
    pub ended_at: Option<i64>,
    /// Why it ended.
    pub end_cause: Option<String>,
}

const SELECT: &str = "SELECT id, user_id, profile_id, mac, ip, started_at, session_timeout,
    idle_timeout, bytes_up, bytes_down, last_activity_at, ended_at, end_cause FROM sessions";

fn from_row(row: &Row) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: row.get(0)?,
        user_id: row.get(1)?,
        profile_id: row.get(2)?,
        mac: row.get(3)?,
        ip: row.get(4)?,
        started_at: row.get(5)?,
        session_timeout: to_u64(row.get(6)?),
        idle_timeout: to_u64(row.get(7)?),
        bytes_up: to_u64(row.get(8)?),
        bytes_down: to_u64(row.get(9)?),
        last_activity_at: row.get(10)?,
        ended_at: row.get(11)?,
        end_cause: row.get(12)?,
    })
}

/// Byte counts and activity of one active session, written every enforcement tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionProgress {
    /// Session id.
    pub id: i64,
    /// Bytes from the device so far.
    pub bytes_up: u64,
    /// Bytes to the device so far.
    pub bytes_down: u64,
    /// Last time the device sent anything.
    pub last_activity_at: i64,
}

impl Store {
    /// Records a login atomically: the user's queue as the activation rules left it, the
    /// login count, and the new session.
    pub fn start_session(
        &mut self,
        new: &NewSession,
        queue: &[Assignment],
        counts_as_login: bool,
    ) -> Result<SessionRow, StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE user_profiles SET state = ?2, started_at = ?3, ends_at = ?4 WHERE id = ?1",
            )?;
            for a in queue {
                stmt.execute(params![a.id, a.state.as_str(), a.started_at, a.ends_at])?;
            }
        }
        if counts_as_login {
            tx.execute(
                "UPDATE users SET logins = logins + 1 WHERE id = ?1",
                [new.user_id],
            )?;
        }
        tx.execute(
            "INSERT INTO sessions (user_id, profile_id, mac, ip, started_at, session_timeout,
             idle_timeout, last_activity_at, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5, ?8)",
            params![
                new.user_id,
                new.profile_id,
                new.mac,
                new.ip,
                new.started_at,
                to_i64(new.session_timeout),
                to_i64(new.idle_timeout),
                new_uid(),
            ],
        )?;
        let id = tx.last_insert_rowid();
        let row = tx.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)?;
        super::session_parts::insert_first(&tx, &row, active(queue).map(|i| queue[i].id))?;
        tx.commit()?;
        Ok(row)
    }

    /// Sets how often a running session's counters go to the manager, seconds.
    pub fn set_interim_secs(&mut self, secs: u64) {
        self.interim_secs = to_i64(secs.max(1));
    }

    /// Writes the progress of active sessions (an ended one keeps what its end wrote), and
    /// reports the counters of those whose interim is due to the manager.
    pub fn record_progress(
        &mut self,
        progress: &[SessionProgress],
        now: i64,
    ) -> Result<(), StoreError> {
        self.write_progress(progress, Some(now))
    }

    /// Writes the final bytes of sessions whose ends are already recorded (read back from
    /// the kernel by their removal); their reported ends carry them.
    pub fn record_final(&mut self, progress: &[SessionProgress]) -> Result<(), StoreError> {
        self.write_progress(progress, None)
    }

    /// `interim_at`: `Some(now)` for active sessions, `None` for ended ones.
    fn write_progress(
        &mut self,
        progress: &[SessionProgress],
        interim_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let condition = if interim_at.is_some() {
            "AND ended_at IS NULL"
        } else {
            ""
        };
        let interim_secs = self.interim_secs;
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(&format!(
                "UPDATE sessions SET bytes_up = ?2, bytes_down = ?3, last_activity_at = ?4
                 WHERE id = ?1 {condition}"
            ))?;
            for p in progress {
                stmt.execute(params![
                    p.id,
                    to_i64(p.bytes_up),
                    to_i64(p.bytes_down),
                    p.last_activity_at
                ])?;
            }
        }
        if outbox::enabled(&tx)? {
            match interim_at {
                Some(now) => {
                    let mut owe = tx.prepare_cached(
                        "UPDATE sessions SET interim_owed = 1 WHERE id = ?1 AND ended_at IS NULL",
                    )?;
                    for p in progress {
                        owe.execute([p.id])?;
                    }
                    drop(owe);
                    send_due_interims(&tx, now, interim_secs)?;
                }
                None => {
                    for p in progress {
                        outbox::session_stopped(&tx, p.id)?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Reports the interims that came due since the last progress (counters that changed
    /// before the interval was up, and have not changed since): each session's last counters
    /// reach the manager within an interval, also when its guest went quiet.
    pub fn send_owed_interims(&mut self, now: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        if outbox::enabled(&tx)? {
            send_due_interims(&tx, now, self.interim_secs)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records that an active session's device now uses another address.
    pub fn move_session(&mut self, id: i64, ip: &str) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE sessions SET ip = ?2 WHERE id = ?1 AND ended_at IS NULL",
            params![id, ip],
        )?;
        Ok(changed == 1)
    }

    /// Closes a session with its final counts; false if it was not active.
    pub fn end_session(
        &mut self,
        progress: &SessionProgress,
        cause: TerminateCause,
        now: i64,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE sessions SET bytes_up = ?2, bytes_down = ?3, last_activity_at = ?4,
             ended_at = ?5, end_cause = ?6 WHERE id = ?1 AND ended_at IS NULL",
            params![
                progress.id,
                to_i64(progress.bytes_up),
                to_i64(progress.bytes_down),
                progress.last_activity_at,
                now,
                cause.as_str()
            ],
        )?;
        if changed == 1 {
            outbox::session_stopped(&tx, progress.id)?;
        }
        tx.commit()?;
        Ok(changed == 1)
    }

    /// Every session still active, oldest first.
    pub fn active_sessions(&self) -> Result<Vec<SessionRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT} WHERE ended_at IS NULL ORDER BY id"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The most recent sessions, active or ended, newest first.
    pub fn recent_sessions(&self, limit: u32) -> Result<Vec<SessionRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT} ORDER BY id DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A user's most recent sessions, newest first.
    pub fn sessions_of_user(
        &self,
        user_id: i64,
        limit: u32,
    ) -> Result<Vec<SessionRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "{SELECT} WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![user_id, limit], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Sends the interim (and the user's usage) of each active session whose counters changed
/// since its last interim and whose interval is up. Reads only active sessions (the partial
/// index of one active session per MAC).
fn send_due_interims(
    tx: &rusqlite::Transaction,
    now: i64,
    interim_secs: i64,
) -> Result<(), StoreError> {
    let due: Vec<(i64, i64, i64)> = tx
        .prepare_cached(
            "SELECT id, bytes_up, bytes_down FROM sessions INDEXED BY sessions_one_active_per_mac
             WHERE ended_at IS NULL AND interim_owed = 1
             AND COALESCE(interim_at, started_at) + ?2 <= ?1",
        )?
        .query_map(params![now, interim_secs], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (id, up, down) in due {
        tx.execute(
            "UPDATE sessions SET interim_at = ?2, interim_owed = 0 WHERE id = ?1",
            params![id, now],
        )?;
        let c = counters(
            u64::try_from(up).unwrap_or(0),
            u64::try_from(down).unwrap_or(0),
        );
        outbox::session_interim(tx, id, c, now)?;
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::limitation::OutsideWindows;
    use crate::model::profile::{ProfileClock, Starts, activate_at_logon};
    use crate::store::NewProfile;

    pub(in crate::store) fn setup() -> (Store, i64, Vec<Assignment>) {
        let mut store = Store::open_in_memory().unwrap();
        let clock = ProfileClock {
            validity_secs: Some(3600),
            starts: Starts::FirstLogon,
        };
        let profile = store
            .insert_profile(
                &NewProfile {
                    name: "1h".into(),
                    name_for_users: "One hour".into(),
                    owner: "admin".into(),
                    clock,
                    price_cents: None,
                    shared_users: 1,
                    outside_windows: OutsideWindows::Deny,
                },
                100,
            )
            .unwrap();
        let user = store
            .insert_vouchers(&[vec![7; 32]], (profile, clock), Some(1), "", 100)
            .unwrap()[0];
        let queue = store.assignments(user, 100).unwrap();
        (store, user, queue)
    }

    pub(in crate::store) fn new_session(user_id: i64, mac: &str, profile_id: i64) -> NewSession {
        NewSession {
            user_id,
            profile_id,
            mac: mac.into(),
            ip: "10.0.0.2".into(),
            started_at: 1000,
            session_timeout: 600,
            idle_timeout: 60,
        }
    }

    #[test]
    fn only_a_user_without_history_is_discarded() {
        let (mut store, user, mut queue) = setup();
        activate_at_logon(&mut queue, 1000);
        store
            .start_session(
                &new_session(user, "02:00:00:00:00:01", queue[0].profile_id),
                &queue,
                true,
            )
            .unwrap();
        assert!(!store.discard_unused_user(user).unwrap());
        assert!(store.user(user).unwrap().is_some());

        let clock = ProfileClock {
            validity_secs: Some(3600),
            starts: Starts::FirstLogon,
        };
        let unused = store
            .insert_vouchers(&[vec![8; 32]], (queue[0].profile_id, clock), None, "", 100)
            .unwrap()[0];
        assert_eq!(store.assignments(unused, 100).unwrap().len(), 1);
        assert!(store.discard_unused_user(unused).unwrap());
        assert!(store.user(unused).unwrap().is_none());
        assert!(store.assignments(unused, 100).unwrap().is_empty());
        assert!(!store.discard_unused_user(unused).unwrap(), "already gone");
    }

    #[test]
    fn login_updates_queue_logins_and_history() {
        let (mut store, user, mut queue) = setup();
        activate_at_logon(&mut queue, 1000);
        let s = store
            .start_session(
                &new_session(user, "02:00:00:00:00:01", queue[0].profile_id),
                &queue,
                true,
            )
            .unwrap();
        assert_eq!(s.last_activity_at, 1000);
        let stored = store.assignments(user, 1000).unwrap();
        assert_eq!(stored[0].ends_at, Some(4600));
        assert_eq!(store.user(user).unwrap().unwrap().logins, 1);

        // The same device cannot hold two active sessions.
        assert!(
            store
                .start_session(
                    &new_session(user, "02:00:00:00:00:01", queue[0].profile_id),
                    &queue,
                    false
                )
                .is_err()
        );

        let p = SessionProgress {
            id: s.id,
            bytes_up: 10,
            bytes_down: 90,
            last_activity_at: 1005,
        };
        store.record_progress(&[p], 1005).unwrap();
        assert!(
            store
                .end_session(
                    &SessionProgress {
                        bytes_down: 190,
                        ..p
                    },
                    TerminateCause::UserRequest,
                    1010
                )
                .unwrap()
        );
        assert!(
            !store
                .end_session(&p, TerminateCause::UserRequest, 1011)
                .unwrap()
        );
        assert!(store.active_sessions().unwrap().is_empty());
        let history = store.recent_sessions(10).unwrap();
        assert_eq!(store.sessions_of_user(user, 10).unwrap(), history);
        assert!(store.sessions_of_user(user + 1, 10).unwrap().is_empty());
        assert_eq!(history[0].end_cause.as_deref(), Some("user-request"));
        assert_eq!(history[0].bytes_down, 190);
    }
}
