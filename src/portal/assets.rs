//! `GET /assets/{sha256}.{ext}`: the splash page's images, reachable before login. A name is
//! the hash of the content, so an answer never changes: browsers keep it for a year and
//! revalidate with the hash as the entity tag. Images read once are kept in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tracing::error;

use super::PortalState;
use crate::model::asset::AssetId;

/// Images kept in memory at most (a design names at most a logo, a background and 8
/// banners; ids of images no longer used age out only with a restart, so the cap bounds
/// them).
const CACHED: usize = 32;

/// Images already read, by id.
#[derive(Default)]
pub struct AssetCache(Mutex<HashMap<AssetId, Arc<[u8]>>>);

impl AssetCache {
    fn get(&self, id: &AssetId) -> Option<Arc<[u8]>> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    fn keep(&self, id: AssetId, bytes: Arc<[u8]>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() < CACHED {
            map.insert(id, bytes);
        }
    }
}

/// The image, or 404; 304 when the browser's copy is current.
pub async fn asset(
    State(state): State<PortalState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = AssetId::parse(&name) else {
        return (StatusCode::NOT_FOUND, "No such image").into_response();
    };
    let etag = format!("\"{}\"", id.hash());
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == etag || tag.trim() == "*");
    let bytes = match state.assets.get(&id) {
        Some(bytes) => bytes,
        None => match state.gateway.asset(id.clone()).await {
            Ok(Some(bytes)) => {
                let bytes: Arc<[u8]> = bytes.into();
                state.assets.keep(id.clone(), bytes.clone());
                bytes
            }
            Ok(None) => return (StatusCode::NOT_FOUND, "No such image").into_response(),
            Err(e) => {
                error!(error = %e, %id, "cannot read a splash image");
                return (StatusCode::INTERNAL_SERVER_ERROR, "portal error").into_response();
            }
        },
    };
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = bytes.to_vec().into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(id.content_type()),
        );
        res
    };
    let h = res.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, tag);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
