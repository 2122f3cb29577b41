//! The current state of what a feed row names, as `proto::changes::Change`s: what a unit
//! receives, in the shapes the manager's API shows (profiles and limitations as their API
//! answers them, the settings document as its revisions store it, vouchers as code hashes).

use serde_json::Value;

use super::feed::{BATCH, GUEST_ERASED, LIMITATION, PROFILE, SETTINGS, USAGE, VOUCHER};
use super::wire::SyncError;
use crate::manager::areas::{limitations, profiles};
use crate::manager::db::{Conn, DbError, Row};
use crate::proto::changes::{Change, Voucher, VoucherTerms};

/// More than any hotspot holds of profiles or limitations.
const ALL: i64 = 1_000_000;

fn json<T: serde::Serialize>(v: &T) -> Result<Value, SyncError> {
    serde_json::to_value(v).map_err(|e| {
        tracing::error!(error = %e, "sync state as JSON");
        SyncError::Internal
    })
}

/// The settings document in force, once a revision was saved (the defaults a unit already has
/// are not sent).
fn settings(c: &mut dyn Conn, hotspot: i64) -> Result<Option<Change>, SyncError> {
    let row = c.query_opt(
        "SELECT revision, document FROM hotspot_settings WHERE hotspot_id = $1
         ORDER BY revision DESC LIMIT 1",
        &[hotspot.into()],
    )?;
    let Some(r) = row else { return Ok(None) };
    let document = serde_json::from_str(&r.text(1)?).map_err(|e| {
        tracing::error!(error = %e, hotspot, "stored hotspot settings unreadable");
        SyncError::Internal
    })?;
    Ok(Some(Change::Settings {
        revision: r.int(0)?,
        document,
    }))
}

fn profile(c: &mut dyn Conn, hotspot: i64, name: &str) -> Result<Change, SyncError> {
    Ok(match profiles::by_name(c, hotspot, name)? {
        Some(p) => Change::Profile {
            name: p.name.clone(),
            spec: json(&p)?,
        },
        None => Change::ProfileRemoved { name: name.into() },
    })
}

fn limitation(c: &mut dyn Conn, hotspot: i64, name: &str) -> Result<Change, SyncError> {
    let id = c.query_opt(
        "SELECT id FROM limitations WHERE hotspot_id = $1 AND name = $2",
        &[hotspot.into(), name.into()],
    )?;
    Ok(match id {
        Some(r) => Change::Limitation {
            name: name.into(),
            spec: json(&limitations::get(c, hotspot, r.int(0)?)?)?,
        },
        None => Change::LimitationRemoved { name: name.into() },
    })
}

const VOUCHERS: &str = "SELECT v.code_hash, v.revoked_at, b.profile, b.validity_secs, b.starts,
    b.shared_users, b.rate_down_bps, b.rate_up_bps, b.quota_bytes, b.max_logins
    FROM vouchers v JOIN voucher_batches b ON b.id = v.batch_id
    WHERE v.hotspot_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR v.batch_id = $2)
      AND (CAST($3 AS TEXT) IS NULL OR v.code_hash = $3) ORDER BY v.id";

fn voucher(r: &Row) -> Result<Change, DbError> {
    let profile = r.opt_text(2)?;
    // A batch made from a profile travels by the profile's name; quick terms travel whole.
    let terms = match profile {
        Some(_) => None,
        None => Some(VoucherTerms {
            validity_secs: r.opt_int(3)?,
            starts: match r.text(4)?.as_str() {
                "now" => "creation".into(),
                other => other.into(),
            },
            shared_users: r.int(5)?,
            rate_down_bps: r.opt_int(6)?,
            rate_up_bps: r.opt_int(7)?,
            quota_bytes: r.opt_int(8)?,
            max_logins: r.opt_int(9)?,
        }),
    };
    Ok(Change::Voucher(Voucher {
        code_hash: r.text(0)?,
        profile,
        terms,
        revoked: r.opt_int(1)?.is_some(),
    }))
}

fn vouchers(
    c: &mut dyn Conn,
    hotspot: i64,
    batch: Option<i64>,
    code_hash: Option<&str>,
) -> Result<Vec<Change>, SyncError> {
    let rows = c.query(
        VOUCHERS,
        &[
            hotspot.into(),
            batch.into(),
            code_hash.map(str::to_string).into(),
        ],
    )?;
    let found = rows.iter().map(voucher).collect::<Result<Vec<_>, _>>()?;
    Ok(match code_hash {
        Some(hash) if found.is_empty() => vec![Change::VoucherRemoved {
            code_hash: hash.into(),
        }],
        _ => found,
    })
}

/// The state of the entity a feed row names (`kind`, `subject` as `feed::append` stored them).
pub fn of(
    c: &mut dyn Conn,
    hotspot: i64,
    kind: &str,
    subject: &str,
) -> Result<Vec<Change>, SyncError> {
    Ok(match kind {
        SETTINGS => settings(c, hotspot)?.into_iter().collect(),
        PROFILE => vec![profile(c, hotspot, subject)?],
        LIMITATION => vec![limitation(c, hotspot, subject)?],
        BATCH => match subject.parse::<i64>() {
            Ok(id) => vouchers(c, hotspot, Some(id), None)?,
            Err(_) => Vec::new(),
        },
        VOUCHER => vouchers(c, hotspot, None, Some(subject))?,
        USAGE => match subject.split_once('\t') {
            Some((user, profile)) => vec![super::usage::merged(c, hotspot, user, profile)?],
            None => Vec::new(),
        },
        GUEST_ERASED => vec![Change::GuestErased {
            guest_uid: subject.into(),
        }],
        _ => Vec::new(),
    })
}

/// Everything a unit of `hotspot` holds, for a reset.
pub fn snapshot(c: &mut dyn Conn, hotspot: i64) -> Result<Vec<Change>, SyncError> {
    let mut all: Vec<Change> = settings(c, hotspot)?.into_iter().collect();
    for p in profiles::list(c, hotspot, None, ALL)? {
        all.push(Change::Profile {
            name: p.name.clone(),
            spec: json(&p)?,
        });
    }
    for l in limitations::list(c, hotspot, None, ALL)? {
        all.push(Change::Limitation {
            name: l.name.clone(),
            spec: json(&l)?,
        });
    }
    all.extend(vouchers(c, hotspot, None, None)?);
    all.extend(super::usage::all(c, hotspot)?);
    // Every erasure, for a unit that missed the feed rows (it may still hold the guest); an
    // erasure the unit already applied, or of a guest it never knew, changes nothing there.
    let erased = c.query(
        "SELECT uid FROM guests WHERE hotspot_id = $1 AND erased_at IS NOT NULL ORDER BY id",
        &[hotspot.into()],
    )?;
    for r in &erased {
        all.push(Change::GuestErased {
            guest_uid: r.text(0)?,
        });
    }
    Ok(all)
}
