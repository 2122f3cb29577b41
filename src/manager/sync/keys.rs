//! The manager's Ed25519 signing key: made once, on first use, and kept in the database so
//! every manager instance on it signs with the same key. Units receive its public half at
//! registration and verify social-login assertions with it offline.

use crate::manager::db::{Conn, DbError};
use crate::proto::auth::{AuthError, UnitKey};

/// The key could not be made, stored or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Database error.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The stored key is unreadable, or randomness failed.
    #[error(transparent)]
    Key(#[from] AuthError),
}

/// The manager's signing key and its public half (hex).
pub struct ManagerKey {
    /// Signs assertions.
    pub key: UnitKey,
    /// Its public half, hex, as units store it.
    pub public_hex: String,
}

/// Loads the key, making it the first time. Two instances starting at once agree: the second
/// insert does nothing and both read the one row.
pub fn manager_key(c: &mut dyn Conn, now: i64) -> Result<ManagerKey, KeyError> {
    if let Some(key) = stored(c)? {
        return Ok(key);
    }
    let pkcs8 = UnitKey::generate()?;
    let public_hex = UnitKey::from_pkcs8(&pkcs8)?.public_hex();
    c.execute(
        "INSERT INTO signing_key (id, pkcs8_hex, public_hex, created_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO NOTHING",
        &[hex::encode(pkcs8).into(), public_hex.into(), now.into()],
    )?;
    stored(c)?.ok_or(KeyError::Db(DbError::Type(0)))
}

fn stored(c: &mut dyn Conn) -> Result<Option<ManagerKey>, KeyError> {
    let rows = c.query(
        "SELECT pkcs8_hex, public_hex FROM signing_key WHERE id = 1",
        &[],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let pkcs8 = hex::decode(row.text(0)?).map_err(|_| AuthError::BadPrivateKey)?;
    Ok(Some(ManagerKey {
        key: UnitKey::from_pkcs8(&pkcs8)?,
        public_hex: row.text(1)?,
    }))
}
