//! Several units in one hotspot: each unit reports its own cumulative usage of a user (voucher
//! code hash or account name) under a profile; the manager keeps one row per unit and sends the
//! hotspot every unit's row with the earliest first login (`Change::Usage`). A unit adds the
//! other units' rows to its own live counters, so the merge is a sum and a minimum: the same
//! whatever order reports arrive in and however often they are sent again.
//!
//! Each unit's row also carries the user's devices online there now (its open sessions under
//! the profile), so shared users count hotspot-wide: a session's start, stop or a unit's
//! restart appends the user's merged usage to the feed, and the other units learn of it
//! within the feed's long-poll.

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

/// Each unit's reported counters with its open sessions of the user and profile, then the
/// units with open sessions that reported nothing yet (no stop there so far): their counters
/// are zero and their first login the earliest open session's start.
const ROWS: &str = "SELECT u.username, u.profile, u.unit_id, u.first_start, u.bytes_down,
    u.bytes_up, u.uptime_secs, u.logins,
    (SELECT COUNT(*) FROM guest_sessions s WHERE s.hotspot_id = u.hotspot_id
     AND s.usage_user = u.username AND s.usage_profile = u.profile AND s.unit_id = u.unit_id
     AND s.ended_at IS NULL)
    FROM unit_usage u WHERE u.hotspot_id = $1
    AND (CAST($2 AS TEXT) IS NULL OR (u.username = $2 AND u.profile = $3))
    UNION ALL
    SELECT s.usage_user, s.usage_profile, s.unit_id, MIN(s.started_at), 0, 0, 0, 0, COUNT(*)
    FROM guest_sessions s WHERE s.hotspot_id = $1 AND s.ended_at IS NULL
    AND s.usage_user IS NOT NULL AND s.unit_id IS NOT NULL
    AND (CAST($2 AS TEXT) IS NULL OR (s.usage_user = $2 AND s.usage_profile = $3))
    AND NOT EXISTS (SELECT 1 FROM unit_usage u WHERE u.hotspot_id = s.hotspot_id
        AND u.username = s.usage_user AND u.profile = s.usage_profile
        AND u.unit_id = s.unit_id)
    GROUP BY s.usage_user, s.usage_profile, s.unit_id
    ORDER BY 1, 2, 3";

fn merge(
    c: &mut dyn Conn,
    hotspot: i64,
    one: Option<(&str, &str)>,
) -> Result<Vec<Usage>, SyncError> {
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
            online: r.int(8)?,
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
    Ok(merged)
}

/// The merged usage of `user` under `profile`. Nothing reported and nothing online (a
/// session stopped before its unit's usage report) is an empty merge: the units then count
/// no device of the user online anywhere else.
pub fn merged(
    c: &mut dyn Conn,
    hotspot: i64,
    user: &str,
    profile: &str,
) -> Result<Change, SyncError> {
    let usage = merge(c, hotspot, Some((user, profile)))?
        .pop()
        .unwrap_or_else(|| Usage {
            user: user.to_string(),
            profile: profile.to_string(),
            first_start: 0,
            per_unit: Vec::new(),
        });
    Ok(Change::Usage(usage))
}

/// Every merged usage of `hotspot` (a reset).
pub fn all(c: &mut dyn Conn, hotspot: i64) -> Result<Vec<Change>, SyncError> {
    Ok(merge(c, hotspot, None)?
        .into_iter()
        .map(Change::Usage)
        .collect())
}

/// Session `uid` (just reported started by its unit) counts against `user` under `profile`
/// while open: the user's merged usage now shows one more device online at its unit.
pub fn session_started(
    c: &mut dyn Conn,
    hotspot: i64,
    uid: &str,
    (user, profile): (&str, &str),
    now: i64,
) -> Result<(), DbError> {
    // An operator's session without a user counts against nobody.
    if user.is_empty() {
        return Ok(());
    }
    c.execute(
        "UPDATE guest_sessions SET usage_user = $1, usage_profile = $2
         WHERE hotspot_id = $3 AND uid = $4",
        &[user.into(), profile.into(), hotspot.into(), uid.into()],
    )?;
    feed::append(c, hotspot, Subject::Usage { user, profile }, now)
}

/// The user and profile open session `uid` counts against, if any: read before the session
/// is closed, so its close can be announced.
pub fn open_session_user(
    c: &mut dyn Conn,
    hotspot: i64,
    uid: &str,
) -> Result<Option<(String, String)>, DbError> {
    let row = c.query_opt(
        "SELECT usage_user, usage_profile FROM guest_sessions WHERE hotspot_id = $1
         AND uid = $2 AND ended_at IS NULL AND usage_user IS NOT NULL",
        &[hotspot.into(), uid.into()],
    )?;
    row.map(|r| Ok((r.text(0)?, r.text(1)?))).transpose()
}

/// Sessions of these users and profiles closed: their merged usage goes to the feed again
/// (one change per user and profile), so the other units stop counting those devices.
pub fn sessions_closed(
    c: &mut dyn Conn,
    hotspot: i64,
    mut closed: Vec<(String, String)>,
    now: i64,
) -> Result<(), DbError> {
    closed.sort();
    closed.dedup();
    for (user, profile) in &closed {
        feed::append(c, hotspot, Subject::Usage { user, profile }, now)?;
    }
    Ok(())
}
