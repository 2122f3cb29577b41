//! The design's images: each uploaded file checked and re-encoded by `model::asset::prepare`
//! (the gateway's own rules), stored in the manager's database under its SHA-256 per hotspot
//! (units will receive them by that id), and read back only within that hotspot.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::audit;
use super::vouchers::hotspot_of;
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{Conn, Mode};
use crate::manager::error::Error;
use crate::model::asset::{self, AssetId};

/// An image as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stored {
    /// `<sha256>.png|jpg`: what the design names.
    #[schema(value_type = String)]
    pub id: AssetId,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
}

/// Checks and re-encodes an uploaded file with the gateway's own rules and stores it for
/// `hotspot` under its hash (a second upload of the same image stores nothing new). A file
/// that is not an acceptable image is refused naming `field`, and nothing is stored.
pub async fn upload(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    field: &'static str,
    bytes: Bytes,
) -> Result<Stored, Error> {
    let prepared = tokio::task::spawn_blocking(move || asset::prepare(&bytes))
        .await
        .map_err(|_| Error::Internal)?
        .map_err(|e| Error::invalid(field, e.to_string()))?;
    let stored = Stored {
        id: prepared.id.clone(),
        width: prepared.width,
        height: prepared.height,
    };
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        c.execute(
            "INSERT INTO design_assets (hotspot_id, asset, bytes, width, height, created_by,
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (hotspot_id, asset) DO NOTHING",
            &[
                hotspot.into(),
                prepared.id.as_str().into(),
                prepared.bytes.into(),
                i64::from(prepared.width).into(),
                i64::from(prepared.height).into(),
                (&p.username).into(),
                now.into(),
            ],
        )?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        let what = format!("{} ({}×{})", prepared.id, prepared.width, prepared.height);
        audit::record(
            c,
            p.actor(),
            now,
            "upload splash image",
            &what,
            Some(tenant),
        )?;
        Ok(stored)
    })
    .await
}

/// Whether `hotspot` has image `id`.
pub fn has(c: &mut dyn Conn, hotspot: i64, id: &AssetId) -> Result<bool, Error> {
    Ok(c.query_opt(
        "SELECT 1 FROM design_assets WHERE hotspot_id = $1 AND asset = $2",
        &[hotspot.into(), id.as_str().into()],
    )?
    .is_some())
}

/// The bytes of image `id` of `hotspot`, if it has it.
pub fn bytes(c: &mut dyn Conn, hotspot: i64, id: &AssetId) -> Result<Option<Vec<u8>>, Error> {
    let row = c.query_opt(
        "SELECT bytes FROM design_assets WHERE hotspot_id = $1 AND asset = $2",
        &[hotspot.into(), id.as_str().into()],
    )?;
    Ok(row.map(|r| r.bytes(0)).transpose()?)
}

/// `POST /api/v1/hotspots/{hotspot}/design/assets`: the image file as the body; answers the
/// id to put into the design.
pub async fn upload_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    body: axum::body::Body,
) -> Result<Response, Error> {
    let bytes = crate::manager::multipart::read(body).await?;
    let stored = upload(&s, &p, hotspot, "file", bytes).await?;
    Ok((StatusCode::CREATED, axum::Json(stored)).into_response())
}

/// `GET /hotspots/{hotspot}/design/assets/{asset}`: an image of this hotspot by its id
/// (the content's hash: it never changes, so it may be cached).
pub async fn asset(
    State(s): State<ManagerState>,
    Path((hotspot, id)): Path<(i64, String)>,
) -> Result<Response, Error> {
    let id = AssetId::parse(&id).map_err(|_| Error::NotFound)?;
    let lookup = id.clone();
    let bytes =
        s.db.tx(Mode::Read, move |c| bytes(c, hotspot, &lookup))
            .await?
            .ok_or(Error::NotFound)?;
    Ok(image_response(&id, bytes))
}

/// An image's bytes as served to staff and units: its type, cached for good (the id is the
/// content's hash, so it never changes).
pub fn image_response(id: &AssetId, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, id.content_type()),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        bytes,
    )
        .into_response()
}
