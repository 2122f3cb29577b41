//! `GET /sync/v1/changes?cursor=N&wait=S` and `GET /sync/v1/assets/{id}` (signed). A changes
//! request answers at once when the unit's hotspot's feed has rows after `cursor` (or with a
//! reset snapshot when the cursor is 0 or one this feed never gave out); otherwise it waits on
//! the hotspot's in-process waker, costing no database work, for at most
//! `min(S, MAX_WAIT_SECS)` seconds, and reads the feed once more when woken.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use serde::Deserialize;

use super::signed::SignedUnit;
use super::state;
use super::wire::SyncError;
use crate::manager::ManagerState;
use crate::manager::areas::design_assets;
use crate::manager::db::{Conn, Mode};
use crate::model::asset::AssetId;
use crate::proto::MAX_WAIT_SECS;
use crate::proto::changes::ChangesResponse;

/// Feed rows per answer; a unit behind by more asks again at once with the new cursor.
const PAGE: i64 = 500;

/// The query of a changes request.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(default)]
    cursor: i64,
    #[serde(default)]
    wait: u64,
}

/// The feed of `hotspot` after `cursor`: its rows' entities in their state now, each once
/// (at its last row), or a snapshot.
fn read(c: &mut dyn Conn, hotspot: i64, cursor: i64) -> Result<ChangesResponse, SyncError> {
    let last = c
        .query_opt(
            "SELECT MAX(id) FROM sync_changes WHERE hotspot_id = $1",
            &[hotspot.into()],
        )?
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten()
        .unwrap_or(0);
    if cursor <= 0 || cursor > last {
        return Ok(ChangesResponse {
            cursor: last,
            reset: true,
            changes: state::snapshot(c, hotspot)?,
        });
    }
    let rows = c.query(
        "SELECT id, kind, subject FROM sync_changes WHERE hotspot_id = $1 AND id > $2
         ORDER BY id LIMIT $3",
        &[hotspot.into(), cursor.into(), PAGE.into()],
    )?;
    let mut next = cursor;
    let mut subjects: Vec<(String, String)> = Vec::new();
    for r in &rows {
        next = r.int(0)?;
        let subject = (r.text(1)?, r.text(2)?);
        subjects.retain(|s| *s != subject);
        subjects.push(subject);
    }
    let mut changes = Vec::new();
    for (kind, subject) in &subjects {
        changes.extend(state::of(c, hotspot, kind, subject)?);
    }
    Ok(ChangesResponse {
        cursor: next,
        reset: false,
        changes,
    })
}

async fn read_feed(
    s: &ManagerState,
    hotspot: i64,
    cursor: i64,
) -> Result<ChangesResponse, SyncError> {
    s.db.tx(Mode::Read, move |c| read(c, hotspot, cursor)).await
}

/// `GET /sync/v1/changes?cursor=N&wait=S`
pub async fn changes(
    State(s): State<ManagerState>,
    uri: Uri,
    unit: SignedUnit,
) -> Result<Json<ChangesResponse>, SyncError> {
    let Query(args) = Query::<Args>::try_from_uri(&uri).map_err(|_| SyncError::Invalid {
        field: "cursor",
        problem: "cursor and wait must be whole numbers (cursor from the last answer)".into(),
    })?;
    // Subscribed before reading: a change committed after the read wakes this request.
    let mut woken = s.db.feed().subscribe(unit.hotspot);
    let first = read_feed(&s, unit.hotspot, args.cursor).await?;
    let wait = Duration::from_secs(args.wait.min(MAX_WAIT_SECS));
    if first.reset || first.cursor != args.cursor || wait.is_zero() {
        return Ok(Json(first));
    }
    let deadline = tokio::time::Instant::now() + wait;
    // A wake with nothing new for this feed (a reconnected listener wakes everyone; another
    // schema's notification) waits on for the rest of the time.
    while let Ok(Ok(())) = tokio::time::timeout_at(deadline, woken.changed()).await {
        let next = read_feed(&s, unit.hotspot, args.cursor).await?;
        if next.reset || next.cursor != args.cursor {
            return Ok(Json(next));
        }
    }
    Ok(Json(first))
}

/// `GET /sync/v1/assets/{id}`: a design image of the unit's own hotspot, by its id as the
/// settings document names it (`<sha256>.png`) or by the bare hash.
pub async fn asset(
    State(s): State<ManagerState>,
    Path(name): Path<String>,
    unit: SignedUnit,
) -> Result<Response, SyncError> {
    let candidates: Vec<AssetId> = if name.contains('.') {
        AssetId::parse(&name).into_iter().collect()
    } else {
        ["png", "jpg"]
            .iter()
            .filter_map(|ext| AssetId::parse(&format!("{name}.{ext}")).ok())
            .collect()
    };
    let hotspot = unit.hotspot;
    let found =
        s.db.tx(Mode::Read, move |c| {
            for id in candidates {
                if let Some(bytes) = design_assets::bytes(c, hotspot, &id)? {
                    return Ok(Some((id, bytes)));
                }
            }
            Ok::<_, SyncError>(None)
        })
        .await?;
    let (id, bytes) = found.ok_or(SyncError::NotFound)?;
    Ok(design_assets::image_response(&id, bytes))
}
