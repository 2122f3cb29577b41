//! Codes sent by email and SMS: pending logins, the log of sends the limits count, and the
//! month's SMS count for the budget.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError};
use crate::model::consent::ConsentChoice;
use crate::model::otp::{Channel, LimitHit, MAX_TRIES, PendingCode, SendCounts, SendLimits};
use crate::model::settings::Lang;

/// A code about to be sent for a new pending login.
#[derive(Debug, Clone)]
pub struct NewPending {
    /// Email or SMS.
    pub channel: Channel,
    /// Address or E.164 number.
    pub target: String,
    /// The asking device.
    pub mac: String,
    /// Keyed hash of the code.
    pub code_hash: Vec<u8>,
    /// Keyed hash of the email link's token.
    pub token_hash: Option<Vec<u8>>,
    /// Now.
    pub now: i64,
    /// When the code stops working.
    pub expires_at: i64,
    /// The form's consent choices.
    pub consents: Vec<ConsentChoice>,
    /// The language the guest saw.
    pub lang: Lang,
}

const PENDING: &str = "SELECT id, channel, target, mac, code_hash, tries, sends, created_at,
    sent_at, expires_at, used_at, consents, lang FROM pending_codes";

fn pending_row(r: &Row) -> rusqlite::Result<PendingCode> {
    let channel: String = r.get(1)?;
    Ok(PendingCode {
        id: r.get(0)?,
        channel: if channel == "email" {
            Channel::Email
        } else {
            Channel::Sms
        },
        target: r.get(2)?,
        mac: r.get(3)?,
        code_hash: r.get(4)?,
        tries: r.get(5)?,
        sends: r.get(6)?,
        created_at: r.get(7)?,
        sent_at: r.get(8)?,
        expires_at: r.get(9)?,
        used_at: r.get(10)?,
        consents: serde_json::from_str(&r.get::<_, String>(11)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(11, rusqlite::types::Type::Text, e.into())
        })?,
        lang: r.get::<_, String>(12)?.parse().map_err(|e: String| {
            rusqlite::Error::FromSqlConversionFailure(12, rusqlite::types::Type::Text, e.into())
        })?,
    })
}

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

impl Store {
    /// Codes of `channel` sent in the limits' windows, for this device and target.
    pub fn send_counts(
        &self,
        channel: Channel,
        mac: &str,
        target: &str,
        now: i64,
    ) -> Result<SendCounts, StoreError> {
        let count = |column: &str, value: &str, since: i64| -> Result<u32, StoreError> {
            let sql = format!(
                "SELECT COUNT(*) FROM code_sends WHERE channel = ?1 AND sent_at > ?2 AND {column} = ?3"
            );
            Ok(self
                .conn
                .query_row(&sql, params![channel.as_str(), since, value], |r| r.get(0))?)
        };
        let hotspot_hour = self.conn.query_row(
            "SELECT COUNT(*) FROM code_sends WHERE channel = ?1 AND sent_at > ?2",
            params![channel.as_str(), now - HOUR],
            |r| r.get(0),
        )?;
        Ok(SendCounts {
            device_hour: count("mac", mac, now - HOUR)?,
            device_day: count("mac", mac, now - DAY)?,
            target_hour: count("target", target, now - HOUR)?,
            target_day: count("target", target, now - DAY)?,
            hotspot_hour,
        })
    }

    /// Records a new pending login and its first send, if the limits allow one more send;
    /// older pending logins of the device for this channel stop working (only the newest
    /// code is typed).
    pub fn start_pending(
        &mut self,
        new: &NewPending,
        limits: &SendLimits,
    ) -> Result<Result<PendingCode, LimitHit>, StoreError> {
        self.prune_codes(new.now)?;
        let counts = self.send_counts(new.channel, &new.mac, &new.target, new.now)?;
        if let Err(hit) = limits.allow(counts) {
            return Ok(Err(hit));
        }
        let consents = serde_json::to_string(&new.consents).map_err(|e| StoreError::Corrupt {
            column: "pending_codes.consents",
            value: e.to_string(),
        })?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE pending_codes SET expires_at = MIN(expires_at, ?3)
                 WHERE mac = ?1 AND channel = ?2 AND used_at IS NULL",
            params![new.mac, new.channel.as_str(), new.now],
        )?;
        tx.execute(
            "INSERT INTO pending_codes (channel, target, mac, code_hash, token_hash, created_at,
                 sent_at, expires_at, consents, lang) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9)",
            params![
                new.channel.as_str(),
                new.target,
                new.mac,
                new.code_hash,
                new.token_hash,
                new.now,
                new.expires_at,
                consents,
                new.lang.code()
            ],
        )?;
        let id = tx.last_insert_rowid();
        log_send(&tx, new.channel, &new.target, &new.mac, new.now)?;
        tx.commit()?;
        Ok(Ok(self.pending(id)?.ok_or(StoreError::Corrupt {
            column: "pending_codes.id",
            value: id.to_string(),
        })?))
    }

    /// Replaces a pending login's code (a resend) if the limits allow one more send. The
    /// wrong tries stay as they are; the new code is valid from now.
    pub fn resend_pending(
        &mut self,
        id: i64,
        code_hash: &[u8],
        token_hash: Option<&[u8]>,
        now: i64,
        expires_at: i64,
        limits: &SendLimits,
    ) -> Result<Result<PendingCode, LimitHit>, StoreError> {
        let p = self.pending(id)?.ok_or(StoreError::Corrupt {
            column: "pending_codes.id",
            value: id.to_string(),
        })?;
        if let Err(hit) = limits.allow(self.send_counts(p.channel, &p.mac, &p.target, now)?) {
            return Ok(Err(hit));
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE pending_codes SET code_hash = ?2, sends = sends + 1, sent_at = ?3,
                 expires_at = ?4, token_hash = COALESCE(?5, token_hash) WHERE id = ?1",
            params![id, code_hash, now, expires_at, token_hash],
        )?;
        log_send(&tx, p.channel, &p.target, &p.mac, now)?;
        tx.commit()?;
        let p = self.pending(id)?.ok_or(StoreError::Corrupt {
            column: "pending_codes.id",
            value: id.to_string(),
        })?;
        Ok(Ok(p))
    }

    /// Ends a pending login whose code never reached the guest.
    pub fn expire_pending(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE pending_codes SET expires_at = MIN(expires_at, ?2) WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    /// A pending login by id.
    pub fn pending(&self, id: i64) -> Result<Option<PendingCode>, StoreError> {
        Ok(self
            .conn
            .query_row(&format!("{PENDING} WHERE id = ?1"), [id], pending_row)
            .optional()?)
    }

    /// The device's newest pending login of `channel` not yet used (live or not: a dead one
    /// still tells the guest where the code went), if it was asked for in the last hour.
    pub fn newest_pending(
        &self,
        mac: &str,
        channel: Channel,
        now: i64,
    ) -> Result<Option<PendingCode>, StoreError> {
        let sql = format!(
            "{PENDING} WHERE mac = ?1 AND channel = ?2 AND used_at IS NULL AND created_at > ?3
                 ORDER BY id DESC LIMIT 1"
        );
        Ok(self
            .conn
            .query_row(
                &sql,
                params![mac, channel.as_str(), now - HOUR],
                pending_row,
            )
            .optional()?)
    }

    /// The pending login an email link's token belongs to.
    pub fn pending_by_token(&self, token_hash: &[u8]) -> Result<Option<PendingCode>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("{PENDING} WHERE token_hash = ?1"),
                [token_hash],
                pending_row,
            )
            .optional()?)
    }

    /// Counts a wrong try (never past the maximum); returns the tries now.
    pub fn wrong_try(&mut self, id: i64) -> Result<u32, StoreError> {
        self.conn.execute(
            "UPDATE pending_codes SET tries = MIN(tries + 1, ?2) WHERE id = ?1",
            params![id, MAX_TRIES],
        )?;
        Ok(self
            .conn
            .query_row("SELECT tries FROM pending_codes WHERE id = ?1", [id], |r| {
                r.get(0)
            })?)
    }

    /// Marks a pending login used; false if it already was (a second use, or a race lost).
    pub fn use_pending(&mut self, id: i64, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE pending_codes SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
            params![id, now],
        )? == 1)
    }

    /// Links an email login to the user of its temporary session.
    pub fn set_temporary_user(&mut self, id: i64, user_id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE pending_codes SET temporary_user_id = ?2 WHERE id = ?1",
            params![id, user_id],
        )?;
        Ok(())
    }

    /// The user of a pending login's temporary session, if it got one.
    pub fn temporary_user(&self, id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT temporary_user_id FROM pending_codes WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?)
    }

    /// Temporary sessions the device got since `since`.
    pub fn temporary_grants_since(&self, mac: &str, since: i64) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM pending_codes WHERE mac = ?1 AND created_at > ?2
                 AND temporary_user_id IS NOT NULL",
            params![mac, since],
            |r| r.get(0),
        )?)
    }

    /// The target of the device's latest login with a code of `channel` verified after
    /// `since` (for MAC auto-login).
    pub fn last_verified(
        &self,
        mac: &str,
        channel: Channel,
        since: i64,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT target FROM pending_codes WHERE mac = ?1 AND channel = ?2
                     AND used_at > ?3 ORDER BY used_at DESC LIMIT 1",
                params![mac, channel.as_str(), since],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// SMS sent in `month` (`YYYY-MM`).
    pub fn sms_sent_in(&self, month: &str) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT sent FROM sms_months WHERE month = ?1",
                [month],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Counts one SMS sent in `month`; returns the count before it.
    pub fn count_sms(&mut self, month: &str) -> Result<u32, StoreError> {
        let tx = self.conn.transaction()?;
        let before: u32 = tx
            .query_row(
                "SELECT sent FROM sms_months WHERE month = ?1",
                [month],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        tx.execute(
            "INSERT INTO sms_months (month, sent) VALUES (?1, 1)
                 ON CONFLICT (month) DO UPDATE SET sent = sent + 1",
            [month],
        )?;
        super::outbox::sms_sent(&tx, chrono::Utc::now().timestamp())?;
        tx.commit()?;
        Ok(before)
    }

    /// Forgets sends older than a day, unused codes a day after they expired, and used ones
    /// (which let a returning device log in again) after the longest guest validity, a year.
    fn prune_codes(&mut self, now: i64) -> Result<usize, StoreError> {
        let keep_secs = 366 * DAY;
        let sends = self
            .conn
            .execute("DELETE FROM code_sends WHERE sent_at <= ?1", [now - DAY])?;
        let pending = self.conn.execute(
            "DELETE FROM pending_codes WHERE (used_at IS NULL AND expires_at <= ?1)
                 OR created_at <= ?2",
            params![now - DAY, now - keep_secs],
        )?;
        Ok(sends + pending)
    }
}

fn log_send(
    tx: &rusqlite::Transaction,
    channel: Channel,
    target: &str,
    mac: &str,
    now: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO code_sends (channel, target, mac, sent_at) VALUES (?1, ?2, ?3, ?4)",
        params![channel.as_str(), target, mac, now],
    )?;
    Ok(())
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
