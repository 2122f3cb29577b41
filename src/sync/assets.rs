//! Design images the manager's settings document names, fetched by content hash before the
//! document is put in force: `GET /sync/v1/assets/{id}` for each one the unit lacks, its
//! SHA-256 checked against the id before it is stored in the data directory's images (the
//! gateway's asset store), so guests never get a page with a missing image.

use sha2::{Digest, Sha256};

use super::{Running, SyncError, Unit};
use crate::model::settings::HotspotSettings;

/// More than any image the manager stores (it scales and re-encodes them).
const MAX_BYTES: usize = 16 << 20;

/// Fetches and stores every image `doc` names that the unit lacks. `Ok(None)`: all present.
/// `Ok(Some(why))`: an image the manager cannot give (not found, or not what its id says):
/// the document is not put in force, the previous settings stay. An error (the manager
/// unreachable, say) is retried with the whole answer.
pub(super) async fn fetch_missing<G: Running>(
    unit: &Unit<'_, G>,
    revision: i64,
    doc: &HotspotSettings,
) -> Result<Option<String>, SyncError> {
    let Some(dir) = unit.ctx.store.run(|s| Ok(s.assets())).await? else {
        return Ok(None);
    };
    for (field, id) in doc.design.images() {
        if id.check().is_err() || dir.contains(id) {
            continue;
        }
        let route = format!("/assets/{id}");
        let bytes = match unit.client.signed_bytes(unit.signer(), &route).await {
            Ok(bytes) => bytes,
            Err(SyncError::Refused { status: 404, .. }) => {
                return Ok(Some(format!(
                    "revision {revision}: the manager has no image {id} ({field})"
                )));
            }
            Err(e) => return Err(e),
        };
        // A content address, public in every page that shows the image: no secret to time.
        let digest = hex::encode(Sha256::digest(&bytes));
        if bytes.len() > MAX_BYTES || !digest.eq_ignore_ascii_case(id.hash()) {
            return Ok(Some(format!(
                "revision {revision}: the image the manager sent for {id} ({field}) is not it"
            )));
        }
        let (dir, id) = (dir.clone(), id.clone());
        tokio::task::spawn_blocking(move || dir.put_bytes(&id, &bytes))
            .await
            .map_err(|e| SyncError::Apply(e.to_string()))?
            .map_err(|e| SyncError::Apply(format!("storing an image: {e}")))?;
    }
    Ok(None)
}
