//! Registration: a unit proves a one-time token a reseller made for a hotspot and leaves its
//! Ed25519 public key; the manager answers with the unit's id and the keys the unit needs.
//! The unit's private key never leaves the unit, so the manager's database holds nothing a
//! thief could sign requests with.

use serde::{Deserialize, Serialize};

/// `POST /sync/v1/register` (unsigned: the token is the credential).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// The one-time token shown in the manager's Units view.
    pub token: String,
    /// The unit's name as staff will see it, e.g. its host name.
    pub name: String,
    /// The unit's Ed25519 public key, hex (32 bytes).
    pub public_key: String,
    /// The protocol revision the unit speaks ([`super::PROTOCOL`]).
    pub protocol: u32,
    /// The unit's software version.
    pub version: String,
}

/// The manager's answer to a registration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterResponse {
    /// The unit's id; every signed request names it.
    pub unit_id: i64,
    /// The hotspot the unit serves.
    pub hotspot_id: i64,
    /// The manager's Ed25519 public key, hex: it signs social-login assertions for units.
    pub manager_key: String,
    /// The hotspot's voucher key, hex: vouchers made in the manager travel as hashes under it.
    pub voucher_key: String,
}

/// `POST /sync/v1/rotate` (signed with the current key): replaces the unit's public key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RotateRequest {
    /// The new Ed25519 public key, hex.
    pub public_key: String,
}
