//! Request authentication: every request after registration is signed with the unit's Ed25519
//! key over a canonical string that binds the method, the path with its query, the unit, a
//! timestamp, a random nonce and the body's SHA-256. The manager refuses a timestamp more
//! than [`MAX_SKEW_SECS`] away from its clock and a nonce it has seen within that window, so a
//! captured request cannot be replayed (README, "Sync").

use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The unit's id.
pub const HEADER_UNIT: &str = "x-hotspotd-unit";
/// Unix seconds when the request was signed.
pub const HEADER_TIME: &str = "x-hotspotd-time";
/// 16 random bytes, hex: never reused within the skew window.
pub const HEADER_NONCE: &str = "x-hotspotd-nonce";
/// The Ed25519 signature of [`canonical`], hex.
pub const HEADER_SIGNATURE: &str = "x-hotspotd-signature";

/// How far a request's timestamp may be from the manager's clock, seconds.
pub const MAX_SKEW_SECS: i64 = 300;

/// Why a key or a signature was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    /// The stored private key is not a PKCS#8 Ed25519 key.
    #[error("the unit's private key is unreadable; register the unit again")]
    BadPrivateKey,
    /// A public key is not 32 bytes of hex.
    #[error("public key is not 64 hex digits")]
    BadPublicKey,
    /// The signature is not hex or does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The operating system's random source failed.
    #[error("system random number generator failed")]
    Random,
}

/// What a signed request carries besides its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The unit's id.
    pub unit: i64,
    /// Unix seconds.
    pub time: i64,
    /// Hex nonce.
    pub nonce: String,
    /// Hex signature.
    pub signature: String,
}

/// The bytes that are signed: one line per bound element.
pub fn canonical(
    method: &str,
    path_and_query: &str,
    unit: i64,
    time: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let body_hash = hex::encode(Sha256::digest(body));
    format!("hotspotd-sync-v1\n{method}\n{path_and_query}\n{unit}\n{time}\n{nonce}\n{body_hash}")
        .into_bytes()
}

/// A unit's key pair, kept as PKCS#8 bytes in the unit's identity file.
pub struct UnitKey {
    pair: Ed25519KeyPair,
}

impl UnitKey {
    /// Makes a new key pair; returns its PKCS#8 bytes to store (mode 0600).
    pub fn generate() -> Result<Vec<u8>, AuthError> {
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map(|doc| doc.as_ref().to_vec())
            .map_err(|_| AuthError::Random)
    }

    /// Reads a stored key pair.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<UnitKey, AuthError> {
        Ed25519KeyPair::from_pkcs8(bytes)
            .map(|pair| UnitKey { pair })
            .map_err(|_| AuthError::BadPrivateKey)
    }

    /// The public half, hex, as registration sends it.
    pub fn public_hex(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }

    /// Signs arbitrary bytes (assertions use the manager's key the same way); hex.
    pub fn sign_hex(&self, message: &[u8]) -> String {
        hex::encode(self.pair.sign(message).as_ref())
    }

    /// Signs one request.
    pub fn sign_request(
        &self,
        unit: i64,
        method: &str,
        path_and_query: &str,
        time: i64,
        body: &[u8],
    ) -> Signed {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let signature = self.sign_hex(&canonical(method, path_and_query, unit, time, &nonce, body));
        Signed {
            unit,
            time,
            nonce,
            signature,
        }
    }
}

/// Checks `signature_hex` over `message` against a hex Ed25519 public key.
pub fn verify_hex(public_hex: &str, message: &[u8], signature_hex: &str) -> Result<(), AuthError> {
    let public = hex::decode(public_hex).map_err(|_| AuthError::BadPublicKey)?;
    if public.len() != 32 {
        return Err(AuthError::BadPublicKey);
    }
    let signature = hex::decode(signature_hex).map_err(|_| AuthError::BadSignature)?;
    UnparsedPublicKey::new(&ED25519, public)
        .verify(message, &signature)
        .map_err(|_| AuthError::BadSignature)
}

/// Checks a request's signature (the caller checks the clock and the nonce's freshness).
pub fn verify_request(
    public_hex: &str,
    method: &str,
    path_and_query: &str,
    signed: &Signed,
    body: &[u8],
) -> Result<(), AuthError> {
    let message = canonical(
        method,
        path_and_query,
        signed.unit,
        signed.time,
        &signed.nonce,
        body,
    );
    verify_hex(public_hex, &message, &signed.signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_key() -> UnitKey {
        UnitKey::from_pkcs8(&UnitKey::generate().unwrap()).unwrap()
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_breaks_it() {
        let key = new_key();
        let public = key.public_hex();
        let signed = key.sign_request(7, "POST", "/sync/v1/events", 1000, b"{}");
        verify_request(&public, "POST", "/sync/v1/events", &signed, b"{}").unwrap();
        let bad = |m: &str, p: &str, s: &Signed, b: &[u8]| verify_request(&public, m, p, s, b);
        assert_eq!(
            bad("GET", "/sync/v1/events", &signed, b"{}"),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            bad("POST", "/sync/v1/changes", &signed, b"{}"),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            bad("POST", "/sync/v1/events", &signed, b"{ }"),
            Err(AuthError::BadSignature)
        );
        for changed in [
            Signed {
                unit: 8,
                ..signed.clone()
            },
            Signed {
                time: 1001,
                ..signed.clone()
            },
            Signed {
                nonce: "00".repeat(16),
                ..signed.clone()
            },
        ] {
            assert_eq!(
                bad("POST", "/sync/v1/events", &changed, b"{}"),
                Err(AuthError::BadSignature)
            );
        }
        let other = new_key();
        assert_eq!(
            verify_request(
                &other.public_hex(),
                "POST",
                "/sync/v1/events",
                &signed,
                b"{}"
            ),
            Err(AuthError::BadSignature)
        );
    }

    #[test]
    fn nonces_differ_and_garbage_keys_are_refused() {
        let key = new_key();
        let a = key.sign_request(1, "GET", "/", 1, b"");
        let b = key.sign_request(1, "GET", "/", 1, b"");
        assert_ne!(a.nonce, b.nonce);
        assert_eq!(verify_hex("zz", b"x", "00"), Err(AuthError::BadPublicKey));
        assert_eq!(
            verify_hex(&"00".repeat(31), b"x", "00"),
            Err(AuthError::BadPublicKey)
        );
        assert!(UnitKey::from_pkcs8(b"not a key").is_err());
    }
}
