//! Session rows: started together with the voucher's usage in one transaction, updated with
//! byte counts by the enforcement loop, closed with a terminate cause.

use rusqlite::{Row, params};
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::session::TerminateCause;
use crate::model::voucher::LoginGrant;

/// What the gateway knows when it starts a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The voucher used.
    pub voucher_id: i64,
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
    /// Effective download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Effective upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRow {
    /// Id.
    pub id: i64,
    /// The voucher used.
    pub voucher_id: i64,
    /// Device MAC.
    pub mac: String,
    /// Device IPv4 address.
    pub ip: String,
    /// Unix time of login.
    pub started_at: i64,
    /// Voucher validity end.
    pub expires_at: Option<i64>,
    /// Longest session, seconds.
    pub session_timeout: u64,
    /// Idle timeout, seconds.
    pub idle_timeout: u64,
    /// Download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
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

const SELECT: &str = "SELECT id, voucher_id, mac, ip, started_at, expires_at, session_timeout,
    idle_timeout, rate_down_bps, rate_up_bps, bytes_up, bytes_down, last_activity_at, ended_at,
    end_cause FROM sessions";

fn to_u64(v: i64) -> u64 {
    v.max(0) as u64
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn from_row(row: &Row) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: row.get(0)?,
        voucher_id: row.get(1)?,
        mac: row.get(2)?,
        ip: row.get(3)?,
        started_at: row.get(4)?,
        expires_at: row.get(5)?,
        session_timeout: to_u64(row.get(6)?),
        idle_timeout: to_u64(row.get(7)?),
        rate_down_bps: row.get::<_, Option<i64>>(8)?.map(to_u64),
        rate_up_bps: row.get::<_, Option<i64>>(9)?.map(to_u64),
        bytes_up: to_u64(row.get(10)?),
        bytes_down: to_u64(row.get(11)?),
        last_activity_at: row.get(12)?,
        ended_at: row.get(13)?,
        end_cause: row.get(14)?,
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
    /// Records a login: the voucher's usage (first use fixes its expiry) and the new session,
    /// atomically. Returns the session.
    pub fn start_session(
        &mut self,
        new: &NewSession,
        grant: &LoginGrant,
    ) -> Result<SessionRow, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE vouchers SET
                uses = uses + ?2,
                first_used_at = COALESCE(first_used_at, ?3),
                expires_at = COALESCE(expires_at, ?4)
             WHERE id = ?1",
            params![
                new.voucher_id,
                i64::from(grant.counts_as_use),
                new.started_at,
                grant.expires_at
            ],
        )?;
        tx.execute(
            "INSERT INTO sessions (voucher_id, mac, ip, started_at, expires_at, session_timeout,
             idle_timeout, rate_down_bps, rate_up_bps, last_activity_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?4)",
            params![
                new.voucher_id,
                new.mac,
                new.ip,
                new.started_at,
                grant.expires_at,
                to_i64(new.session_timeout),
                to_i64(new.idle_timeout),
                new.rate_down_bps.map(to_i64),
                new.rate_up_bps.map(to_i64),
            ],
        )?;
        let id = tx.last_insert_rowid();
        let row = tx.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)?;
        tx.commit()?;
        Ok(row)
    }

    /// Writes the progress of many sessions in one transaction.
    pub fn record_progress(&mut self, progress: &[SessionProgress]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE sessions SET bytes_up = ?2, bytes_down = ?3, last_activity_at = ?4
                 WHERE id = ?1 AND ended_at IS NULL",
            )?;
            for p in progress {
                stmt.execute(params![
                    p.id,
                    to_i64(p.bytes_up),
                    to_i64(p.bytes_down),
                    p.last_activity_at
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Closes a session with its final counts; false if it was not active.
    pub fn end_session(
        &mut self,
        progress: &SessionProgress,
        cause: TerminateCause,
        now: i64,
    ) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::voucher::{Starts, VoucherTerms};

    fn setup() -> (Store, i64) {
        let mut store = Store::open_in_memory().unwrap();
        let terms = VoucherTerms {
            validity_secs: Some(3600),
            starts: Starts::FirstLogon,
            max_uses: Some(1),
            shared_users: 1,
            rate_down_bps: None,
            rate_up_bps: None,
            quota_bytes: None,
        };
        let id = store
            .insert_vouchers(&[vec![7; 32]], &terms, "", 100)
            .unwrap()[0];
        (store, id)
    }

    fn new_session(voucher_id: i64, mac: &str) -> NewSession {
        NewSession {
            voucher_id,
            mac: mac.into(),
            ip: "10.0.0.2".into(),
            started_at: 1000,
            session_timeout: 600,
            idle_timeout: 60,
            rate_down_bps: Some(1_000_000),
            rate_up_bps: None,
        }
    }

    #[test]
    fn login_updates_usage_and_history() {
        let (mut store, vid) = setup();
        let grant = LoginGrant {
            expires_at: Some(4600),
            first_use: true,
            counts_as_use: true,
        };
        let s = store
            .start_session(&new_session(vid, "02:00:00:00:00:01"), &grant)
            .unwrap();
        assert_eq!(s.expires_at, Some(4600));
        assert_eq!(s.last_activity_at, 1000);
        let v = store.voucher(vid).unwrap().unwrap();
        assert_eq!(
            (v.usage.uses, v.usage.first_used_at, v.usage.expires_at),
            (1, Some(1000), Some(4600))
        );

        // The same device cannot hold two active sessions.
        assert!(
            store
                .start_session(&new_session(vid, "02:00:00:00:00:01"), &grant)
                .is_err()
        );

        let p = SessionProgress {
            id: s.id,
            bytes_up: 10,
            bytes_down: 90,
            last_activity_at: 1005,
        };
        store.record_progress(&[p]).unwrap();
        assert_eq!(store.voucher(vid).unwrap().unwrap().usage.bytes_used, 100);
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
        assert_eq!(history[0].end_cause.as_deref(), Some("user-request"));
        assert_eq!(history[0].bytes_down, 190);
        assert_eq!(store.voucher(vid).unwrap().unwrap().usage.bytes_used, 200);
    }
}
