//! Several units in one hotspot: each unit reports its own cumulative usage of a user (voucher
//! code hash or account name) under a profile; the manager keeps one row per unit and sends the
//! hotspot every unit's row with the earliest first login (`Change::Usage`). A unit adds the
//! other units' rows to its own live counters, so the merge is a sum and a minimum: the same
//! whatever order reports arrive in and however often they are sent again.

use super::feed::{self, Subject};
use super::wire::SyncError;
use crate::manager::db::{Conn, DbError};
use crate::proto::changes::{Change, UnitUsage, Usage};
use crate::proto::events::UsageReport;

/// Stores unit `unit`'s report (events arrive in the unit's order, so its latest report is its
/// counters; the first start only moves earlier), counts the voucher's logins hotspot-wide,
/// and appends the merged usage to the feed.
pub fn record(
    c: &mut dyn Conn,
    hotspot: i64,
    unit: i64,
    r: &UsageReport,
    now: i64,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO unit_usage (hotspot_id, username, profile, unit_id, first_start, bytes_down,
         bytes_up, uptime_secs, logins) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (hotspot_id, username, profile, unit_id) DO UPDATE SET
         first_start = CASE WHEN excluded.first_start < unit_usage.first_start
                            THEN excluded.first_start ELSE unit_usage.first_start END,
         bytes_down = excluded.bytes_down, bytes_up = excluded.bytes_up,
         uptime_secs = excluded.uptime_secs, logins = excluded.logins",
        &[
            hotspot.into(),
            (&r.user).into(),
            (&r.profile).into(),
            unit.into(),
            r.first_start.into(),
            r.bytes_down.into(),
            r.bytes_up.into(),
            r.uptime_secs.into(),
            r.logins.into(),
        ],
    )?;
    c.execute(
        "UPDATE vouchers SET logins = (SELECT COALESCE(SUM(logins), 0) FROM unit_usage
         WHERE hotspot_id = $1 AND username = $2) WHERE hotspot_id = $1 AND code_hash = $2",
        &[hotspot.into(), (&r.user).into()],
    )?;
    feed::append(
        c,
        hotspot,
        Subject::Usage {
            user: &r.user,
            profile: &r.profile,
        },
        now,
    )
}

const ROWS: &str = "SELECT username, profile, unit_id, first_start, bytes_down, bytes_up,
    uptime_secs, logins FROM unit_usage WHERE hotspot_id = $1
    AND (CAST($2 AS TEXT) IS NULL OR (username = $2 AND profile = $3))
    ORDER BY username, profile, unit_id";

fn merge(
    c: &mut dyn Conn,
    hotspot: i64,
    one: Option<(&str, &str)>,
) -> Result<Vec<Change>, SyncError> {
    let (user, profile) = one.unzip();
    let rows = c.query(
        ROWS,
        &[
            hotspot.into(),
            user.map(str::to_string).into(),
            profile.map(str::to_string).into(),
        ],
    )?;
    let mut merged: Vec<Usage> = Vec::new();
    for r in &rows {
        let (user, profile, first_start) = (r.text(0)?, r.text(1)?, r.int(3)?);
        let row = UnitUsage {
            unit_id: r.int(2)?,
            bytes_down: r.int(4)?,
            bytes_up: r.int(5)?,
            uptime_secs: r.int(6)?,
            logins: r.int(7)?,
        };
        match merged.last_mut() {
            Some(u) if u.user == user && u.profile == profile => {
                u.first_start = u.first_start.min(first_start);
                u.per_unit.push(row);
            }
            _ => merged.push(Usage {
                user,
                profile,
                first_start,
                per_unit: vec![row],
            }),
        }
    }
    Ok(merged.into_iter().map(Change::Usage).collect())
}

/// The merged usage of `user` under `profile`, if any unit reported it.
pub fn merged(
    c: &mut dyn Conn,
    hotspot: i64,
    user: &str,
    profile: &str,
) -> Result<Option<Change>, SyncError> {
    Ok(merge(c, hotspot, Some((user, profile)))?.pop())
}

/// Every merged usage of `hotspot` (a reset).
pub fn all(c: &mut dyn Conn, hotspot: i64) -> Result<Vec<Change>, SyncError> {
    merge(c, hotspot, None)
}
