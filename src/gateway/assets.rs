//! Splash images for the portal, read from the data directory (`store::AssetDir`).

use super::Gateway;
use crate::model::asset::AssetId;
use crate::store::AssetDir;

impl Gateway {
    /// The stored image `id`, or `None` if there is none.
    pub async fn asset(&self, id: AssetId) -> std::io::Result<Option<Vec<u8>>> {
        let dir = AssetDir::new(&self.config.data_dir);
        tokio::task::spawn_blocking(move || dir.get(&id))
            .await
            .map_err(std::io::Error::other)?
    }
}
