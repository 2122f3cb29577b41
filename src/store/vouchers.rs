//! Voucher rows: created in batches, found by keyed hash, listed, revoked.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::voucher::{Starts, VoucherTerms, VoucherUsage, expiry_at_creation};

/// A voucher as stored (never with its code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoucherRow {
    /// Id shown to operators.
    pub id: i64,
    /// Operator's note (e.g. batch name).
    pub note: String,
    /// Unix time of creation.
    pub created_at: i64,
    /// What was sold.
    pub terms: VoucherTerms,
    /// What happened since.
    pub usage: VoucherUsage,
}

const SELECT: &str = "SELECT v.id, v.note, v.created_at, v.validity_secs, v.starts, v.max_uses,
    v.shared_users, v.rate_down_bps, v.rate_up_bps, v.quota_bytes, v.uses, v.first_used_at,
    v.expires_at, v.revoked_at,
    (SELECT COALESCE(SUM(s.bytes_up + s.bytes_down), 0) FROM sessions s WHERE s.voucher_id = v.id)
    FROM vouchers v";

fn u64_col(row: &Row, idx: usize) -> rusqlite::Result<Option<u64>> {
    Ok(row.get::<_, Option<i64>>(idx)?.map(|v| v.max(0) as u64))
}

fn from_row(row: &Row) -> rusqlite::Result<(VoucherRow, String)> {
    let starts: String = row.get(4)?;
    let voucher = VoucherRow {
        id: row.get(0)?,
        note: row.get(1)?,
        created_at: row.get(2)?,
        terms: VoucherTerms {
            validity_secs: u64_col(row, 3)?,
            starts: Starts::from_name(&starts).unwrap_or(Starts::FirstLogon),
            max_uses: row.get(5)?,
            shared_users: row.get(6)?,
            rate_down_bps: u64_col(row, 7)?,
            rate_up_bps: u64_col(row, 8)?,
            quota_bytes: u64_col(row, 9)?,
        },
        usage: VoucherUsage {
            uses: row.get(10)?,
            first_used_at: row.get(11)?,
            expires_at: row.get(12)?,
            revoked_at: row.get(13)?,
            bytes_used: u64_col(row, 14)?.unwrap_or(0),
        },
    };
    Ok((voucher, starts))
}

/// Rejects rows whose `starts` column is not a known name rather than guessing.
fn checked((voucher, starts): (VoucherRow, String)) -> Result<VoucherRow, StoreError> {
    if Starts::from_name(&starts).is_none() {
        return Err(StoreError::Corrupt {
            column: "vouchers.starts",
            value: starts,
        });
    }
    Ok(voucher)
}

fn opt_i64(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

impl Store {
    /// Stores one voucher per hash, all with the same terms, in one transaction.
    pub fn insert_vouchers(
        &mut self,
        hashes: &[Vec<u8>],
        terms: &VoucherTerms,
        note: &str,
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(hashes.len());
        {
            let mut stmt = tx.prepare(
                "INSERT INTO vouchers (code_hash, note, created_at, validity_secs, starts,
                 max_uses, shared_users, rate_down_bps, rate_up_bps, quota_bytes, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for hash in hashes {
                stmt.execute(params![
                    hash,
                    note,
                    now,
                    opt_i64(terms.validity_secs),
                    terms.starts.as_str(),
                    terms.max_uses,
                    terms.shared_users,
                    opt_i64(terms.rate_down_bps),
                    opt_i64(terms.rate_up_bps),
                    opt_i64(terms.quota_bytes),
                    expiry_at_creation(terms, now),
                ])?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// The voucher whose code has this keyed hash.
    pub fn voucher_by_hash(&self, hash: &[u8]) -> Result<Option<VoucherRow>, StoreError> {
        let sql = format!("{SELECT} WHERE v.code_hash = ?1");
        let row = self.conn.query_row(&sql, [hash], from_row).optional()?;
        row.map(checked).transpose()
    }

    /// One voucher by id.
    pub fn voucher(&self, id: i64) -> Result<Option<VoucherRow>, StoreError> {
        let sql = format!("{SELECT} WHERE v.id = ?1");
        let row = self.conn.query_row(&sql, [id], from_row).optional()?;
        row.map(checked).transpose()
    }

    /// All vouchers, newest first.
    pub fn list_vouchers(&self) -> Result<Vec<VoucherRow>, StoreError> {
        let sql = format!("{SELECT} ORDER BY v.id DESC");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], from_row)?;
        rows.map(|r| checked(r?)).collect()
    }

    /// Marks a voucher revoked; false when there is no such voucher or it was revoked already.
    pub fn revoke_voucher(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE vouchers SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now],
        )?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn terms() -> VoucherTerms {
        VoucherTerms {
            validity_secs: Some(3600),
            starts: Starts::Now,
            max_uses: None,
            shared_users: 2,
            rate_down_bps: Some(2_000_000),
            rate_up_bps: None,
            quota_bytes: Some(10_000_000),
        }
    }

    #[test]
    fn insert_find_list_revoke() {
        let mut store = Store::open_in_memory().unwrap();
        let ids = store
            .insert_vouchers(&[vec![1; 32], vec![2; 32]], &terms(), "lobby", 1000)
            .unwrap();
        assert_eq!(ids.len(), 2);
        let v = store.voucher_by_hash(&[2; 32]).unwrap().unwrap();
        assert_eq!(v.id, ids[1]);
        assert_eq!(v.terms, terms());
        assert_eq!(v.note, "lobby");
        assert_eq!(v.usage.expires_at, Some(4600));
        assert!(store.voucher_by_hash(&[3; 32]).unwrap().is_none());
        assert_eq!(store.list_vouchers().unwrap().len(), 2);
        assert!(store.revoke_voucher(ids[0], 2000).unwrap());
        assert!(!store.revoke_voucher(ids[0], 2001).unwrap());
        assert!(!store.revoke_voucher(999, 2001).unwrap());
        assert_eq!(
            store.voucher(ids[0]).unwrap().unwrap().usage.revoked_at,
            Some(2000)
        );
    }

    #[test]
    fn duplicate_hashes_are_refused_whole() {
        let mut store = Store::open_in_memory().unwrap();
        let dup = store.insert_vouchers(&[vec![1; 32], vec![1; 32]], &terms(), "", 1);
        assert!(dup.is_err());
        assert!(store.list_vouchers().unwrap().is_empty());
    }

    #[test]
    fn an_unknown_starts_value_is_reported() {
        let mut store = Store::open_in_memory().unwrap();
        let ids = store
            .insert_vouchers(&[vec![1; 32]], &terms(), "", 1)
            .unwrap();
        store
            .conn
            .execute("UPDATE vouchers SET starts = 'later'", [])
            .unwrap();
        assert!(matches!(
            store.voucher(ids[0]),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
