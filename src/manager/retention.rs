//! Each hotspot's retention, applied every hour (README, "Guests' data rights"): guests not
//! seen for `retention_inactive_months` calendar months are erased through the same path as an
//! erasure request (so every unit hears of it through the change feed), and ended sessions
//! that started more than `retention_sessions_months` ago are dropped (0 keeps them). Only
//! raw `guest_sessions` rows go: rollups and the consent ledger are not touched. Work comes in
//! bounded batches, each its own transaction, so a large first sweep never holds a long lock;
//! a sweep run twice does nothing the second time.

use std::time::Duration;

use chrono::{DateTime, Months};
use tokio_util::sync::CancellationToken;

use super::areas::audit::{self, Actor};
use super::areas::erasure;
use super::areas::vouchers::hotspot_of;
use super::db::{Db, DbError, Mode};
use super::error::Error;

/// Rows per transaction.
const BATCH: i64 = 500;
/// Between two sweeps.
const EVERY: Duration = Duration::from_secs(3600);

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Guests erased.
    pub erased: usize,
    /// Session rows dropped.
    pub dropped: usize,
}

/// `now` less `months` calendar months, Unix seconds.
fn months_before(now: i64, months: i64) -> i64 {
    let months = Months::new(u32::try_from(months).unwrap_or(0));
    DateTime::from_timestamp(now, 0)
        .and_then(|t| t.checked_sub_months(months))
        .map_or(i64::MIN, |t| t.timestamp())
}

const SYSTEM: Actor<'static> = Actor {
    account_id: None,
    username: "retention",
    address: "manager",
};

/// Erases up to [`BATCH`] guests of `hotspot` last seen before `cutoff`; how many.
async fn erase_batch(db: &Db, hotspot: i64, cutoff: i64, now: i64) -> Result<usize, Error> {
    db.tx(Mode::Write, move |c| {
        let ids = c.query(
            "SELECT id FROM guests WHERE hotspot_id = $1 AND erased_at IS NULL
             AND last_seen < $2 ORDER BY last_seen, id LIMIT $3",
            &[hotspot.into(), cutoff.into(), BATCH.into()],
        )?;
        for r in &ids {
            erasure::erase(c, hotspot, r.int(0)?, now)?;
        }
        if !ids.is_empty() {
            let (tenant, name) = hotspot_of(c, hotspot)?;
            let what = format!("{name}: {} guests inactive past the retention", ids.len());
            audit::record(c, SYSTEM, now, "erase guests", &what, Some(tenant))?;
        }
        Ok(ids.len())
    })
    .await
}

/// Drops up to [`BATCH`] ended sessions of `hotspot` started before `cutoff`; how many.
async fn drop_batch(db: &Db, hotspot: i64, cutoff: i64) -> Result<usize, Error> {
    db.tx(Mode::Write, move |c| {
        Ok(c.execute(
            "DELETE FROM guest_sessions WHERE id IN (SELECT id FROM guest_sessions
             WHERE hotspot_id = $1 AND started_at < $2 AND ended_at IS NOT NULL
             ORDER BY started_at, id LIMIT $3)",
            &[hotspot.into(), cutoff.into(), BATCH.into()],
        )? as usize)
    })
    .await
}

/// Applies every hotspot's retention as of `now`.
pub async fn sweep(db: &Db, now: i64) -> Result<Swept, Error> {
    let hotspots = db
        .tx(Mode::Read, |c| {
            c.query(
                "SELECT id, retention_inactive_months, retention_sessions_months FROM hotspots
                 ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.int(0)?, r.int(1)?, r.int(2)?)))
            .collect::<Result<Vec<_>, DbError>>()
        })
        .await?;
    let mut total = Swept::default();
    for (hotspot, inactive, sessions) in hotspots {
        let mut swept = Swept::default();
        if inactive > 0 {
            let cutoff = months_before(now, inactive);
            loop {
                let n = erase_batch(db, hotspot, cutoff, now).await?;
                swept.erased += n;
                if n < BATCH as usize {
                    break;
                }
            }
        }
        if sessions > 0 {
            let cutoff = months_before(now, sessions);
            loop {
                let n = drop_batch(db, hotspot, cutoff).await?;
                swept.dropped += n;
                if n < BATCH as usize {
                    break;
                }
            }
        }
        if swept != Swept::default() {
            tracing::info!(
                hotspot,
                erased = swept.erased,
                dropped = swept.dropped,
                "retention applied"
            );
        }
        total.erased += swept.erased;
        total.dropped += swept.dropped;
    }
    Ok(total)
}

/// Sweeps now and every hour until `stop`; a failed sweep is logged and tried at the next.
pub fn spawn(db: Db, stop: CancellationToken) {
    tokio::spawn(async move {
        loop {
            let now = chrono::Utc::now().timestamp();
            if let Err(e) = sweep(&db, now).await {
                tracing::error!(error = %e, "retention sweep failed; tried again in an hour");
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(EVERY) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::months_before;

    #[test]
    fn months_are_calendar_months() {
        // 2026-03-31 less one month is 2026-02-28 (chrono clamps to the month's end).
        let march_31 = 1_774_915_200;
        assert_eq!(months_before(march_31, 1), march_31 - 31 * 86_400);
        assert_eq!(months_before(march_31, 0), march_31);
    }
}
