//! Social login's result: the manager completes the provider's flow on its public address and
//! hands the guest back to the unit's portal with a short-lived assertion signed by the
//! manager's Ed25519 key for that unit. The unit verifies it offline with the manager key it
//! received at registration, checks audience, expiry and its own login attempt, and uses each
//! assertion id once.

use serde::{Deserialize, Serialize};

use super::auth::{AuthError, UnitKey, verify_hex};
use super::events::GuestProfile;

/// Longest an assertion may live, seconds.
pub const MAX_LIFETIME_SECS: i64 = 120;

/// What the manager asserts about a guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestAssertion {
    /// Unique id; the unit accepts each once.
    pub id: String,
    /// The unit it is for.
    pub unit_id: i64,
    /// The unit's login attempt this answers (the `state` the portal sent to the manager).
    pub attempt: String,
    /// The provider and what it told about the guest.
    pub profile: GuestProfile,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds; at most [`MAX_LIFETIME_SECS`] after `issued_at`.
    pub expires_at: i64,
}

/// Why an assertion was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssertionError {
    /// Not `payload.signature`, or not base64/JSON.
    #[error("assertion is malformed")]
    Malformed,
    /// Signature invalid.
    #[error(transparent)]
    Signature(#[from] AuthError),
    /// Made for another unit.
    #[error("assertion is for unit {0}, not this one")]
    WrongUnit(i64),
    /// Expired, or lives longer than allowed.
    #[error("assertion expired or outlives {MAX_LIFETIME_SECS} s")]
    Expired,
}

impl GuestAssertion {
    /// Signs the assertion: hex of its JSON, a dot, hex of the signature over that text.
    pub fn sign(&self, key: &UnitKey) -> String {
        let payload = hex::encode(serde_json::to_vec(self).unwrap_or_default());
        let signature = key.sign_hex(payload.as_bytes());
        format!("{payload}.{signature}")
    }

    /// Verifies a signed assertion for `unit_id` at `now`. The caller still checks the
    /// attempt and that the id was never used.
    pub fn verify(
        text: &str,
        manager_key_hex: &str,
        unit_id: i64,
        now: i64,
    ) -> Result<GuestAssertion, AssertionError> {
        let (payload, signature) = text.split_once('.').ok_or(AssertionError::Malformed)?;
        verify_hex(manager_key_hex, payload.as_bytes(), signature)?;
        let json = hex::decode(payload).map_err(|_| AssertionError::Malformed)?;
        let assertion: GuestAssertion =
            serde_json::from_slice(&json).map_err(|_| AssertionError::Malformed)?;
        if assertion.unit_id != unit_id {
            return Err(AssertionError::WrongUnit(assertion.unit_id));
        }
        let lifetime = assertion.expires_at - assertion.issued_at;
        if now > assertion.expires_at || !(0..=MAX_LIFETIME_SECS).contains(&lifetime) {
            return Err(AssertionError::Expired);
        }
        Ok(assertion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assertion() -> GuestAssertion {
        GuestAssertion {
            id: "a1".into(),
            unit_id: 4,
            attempt: "t".into(),
            profile: GuestProfile::default(),
            issued_at: 1000,
            expires_at: 1060,
        }
    }

    #[test]
    fn only_the_managers_key_for_this_unit_in_time_passes() {
        let key = UnitKey::from_pkcs8(&UnitKey::generate().unwrap()).unwrap();
        let public = key.public_hex();
        let text = assertion().sign(&key);
        assert_eq!(
            GuestAssertion::verify(&text, &public, 4, 1030).unwrap(),
            assertion()
        );
        assert_eq!(
            GuestAssertion::verify(&text, &public, 5, 1030),
            Err(AssertionError::WrongUnit(4))
        );
        assert_eq!(
            GuestAssertion::verify(&text, &public, 4, 1061),
            Err(AssertionError::Expired)
        );
        let other = UnitKey::from_pkcs8(&UnitKey::generate().unwrap()).unwrap();
        assert!(GuestAssertion::verify(&other_sign(&other), &public, 4, 1030).is_err());
        let tampered = text.replacen('7', "8", 1);
        assert!(GuestAssertion::verify(&tampered, &public, 4, 1030).is_err());
        let long = GuestAssertion {
            expires_at: 1000 + MAX_LIFETIME_SECS + 1,
            ..assertion()
        };
        assert_eq!(
            GuestAssertion::verify(&long.sign(&key), &public, 4, 1030),
            Err(AssertionError::Expired)
        );
    }

    fn other_sign(key: &UnitKey) -> String {
        assertion().sign(key)
    }
}
