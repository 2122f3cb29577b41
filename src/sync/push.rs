//! Records up: the outbox's oldest events and the unit's health in one signed batch; what
//! the manager acknowledges is deleted. A batch sent twice (the answer lost) is skipped by
//! the manager by `seq`, so nothing doubles.

use std::time::Instant;

use reqwest::Method;

use super::{Round, Running, SyncError, Unit};
use crate::proto::PROTOCOL;
use crate::proto::events::{EventAck, EventBatch, Health};

/// Events per batch.
pub(super) const BATCH: u32 = 300;

/// The one-minute load average.
fn load() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Sends one batch (possibly empty: the health alone, when due). `Round::More` when the
/// outbox holds more than one batch, `Round::Idle` when nothing was sent.
pub(super) async fn push<G: Running>(
    unit: &Unit<'_, G>,
    started: Instant,
    health_due: bool,
) -> Result<Round, SyncError> {
    let now = crate::gateway::now();
    let (events, stats) = unit
        .ctx
        .store
        .run(move |s| Ok((s.outbox_batch(BATCH)?, s.outbox_stats(now)?)))
        .await?;
    if events.is_empty() && !health_due {
        return Ok(Round::Idle);
    }
    let full = events.len() == BATCH as usize;
    let health = Health {
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_secs: i64::try_from(started.elapsed().as_secs()).unwrap_or(i64::MAX),
        clients: i64::try_from(unit.ctx.gateway.online().await).unwrap_or(i64::MAX),
        load: load(),
        outbox_depth: stats.depth,
        outbox_oldest_secs: stats.oldest_secs,
        settings_revision: unit.state.applied_revision,
        cursor: unit.state.cursor,
    };
    let batch = EventBatch {
        protocol: PROTOCOL,
        events,
        health: Some(health),
    };
    let body = serde_json::to_vec(&batch).map_err(|e| SyncError::Decode(e.to_string()))?;
    let ack: EventAck = unit
        .client
        .signed(unit.signer(), Method::POST, "/events", body)
        .await?;
    let through = ack.acked_through;
    unit.ctx.store.run(move |s| s.ack_outbox(through)).await?;
    unit.ctx.succeeded().await;
    Ok(if full { Round::More } else { Round::Done })
}
