//! Registration (a one-time token for a hotspot, the unit's new Ed25519 public key) and key
//! rotation (the new public key, signed with the current key). The private key never leaves
//! the unit; the caller stores what these return.

use reqwest::Method;

use super::SyncError;
use super::client::{Client, check_url};
use crate::proto::auth::UnitKey;
use crate::proto::register::{RegisterRequest, RegisterResponse, RotateRequest};
use crate::store::{Trust, UnitIdentity};

/// What `hotspotd unit register` was given.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The manager's base URL.
    pub manager: String,
    /// The one-time token from the manager's Units view.
    pub token: String,
    /// The unit's name for staff.
    pub name: String,
    /// The manager's trust anchor besides the built-in roots.
    pub trust: Trust,
}

/// Registers with a new key pair; returns the identity to store.
pub async fn register(r: &Registration, now: i64) -> Result<UnitIdentity, SyncError> {
    let manager_url = check_url(&r.manager)?;
    let client = Client::new(&manager_url, &r.trust)?;
    let private_key = UnitKey::generate()?;
    let key = UnitKey::from_pkcs8(&private_key)?;
    let request = RegisterRequest {
        token: r.token.clone(),
        name: r.name.clone(),
        public_key: key.public_hex(),
        protocol: crate::proto::PROTOCOL,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let answer: RegisterResponse = client.post("/register", &request).await?;
    for (what, hex_key) in [
        ("manager_key", &answer.manager_key),
        ("voucher_key", &answer.voucher_key),
    ] {
        if hex::decode(hex_key).map_or(true, |k| k.len() != 32) {
            return Err(SyncError::Decode(format!("{what} is not 32 bytes of hex")));
        }
    }
    Ok(UnitIdentity {
        unit_id: answer.unit_id,
        hotspot_id: answer.hotspot_id,
        manager_url,
        manager_key: answer.manager_key,
        voucher_key: answer.voucher_key,
        trust: r.trust.clone(),
        private_key,
        registered_at: now,
    })
}

/// Asks the manager to replace the unit's public key; returns the new private key to store
/// once the manager took it.
pub async fn rotate(id: &UnitIdentity) -> Result<Vec<u8>, SyncError> {
    let client = Client::new(&id.manager_url, &id.trust)?;
    let current = UnitKey::from_pkcs8(&id.private_key)?;
    let private_key = UnitKey::generate()?;
    let next = UnitKey::from_pkcs8(&private_key)?;
    let body = serde_json::to_vec(&RotateRequest {
        public_key: next.public_hex(),
    })
    .map_err(|e| SyncError::Decode(e.to_string()))?;
    let _: serde_json::Value = client
        .signed((id.unit_id, &current), Method::POST, "/rotate", body)
        .await?;
    Ok(private_key)
}

/// This machine's host name, the unit's default name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "hotspotd".into())
}
