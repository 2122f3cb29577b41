//! Logins in flight, kept on the server: the OS captive popup keeps no cookies, and the
//! guest may even finish in another browser. The `state` sent to the provider is 32 random
//! bytes; only its SHA-256 is stored (a copy of the database cannot finish anyone's login),
//! with everything the callback needs: unit, attempt, provider, PKCE verifier, nonce, the
//! portal to return to, and an expiry. A state is used once: the first callback claims it
//! in one statement, so two racing callbacks cannot both get through.

use rand::Rng;

use crate::manager::auth::session::digest;
use crate::manager::db::{Conn, DbError};

/// How long a guest has at the provider, seconds.
pub const LIFETIME_SECS: i64 = 600;

/// What a login in flight is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The provider.
    pub provider_id: i64,
    /// The unit that sent the guest.
    pub unit_id: i64,
    /// The unit's login attempt.
    pub attempt: String,
    /// PKCE code verifier.
    pub verifier: String,
    /// OIDC nonce.
    pub nonce: String,
    /// The portal origin the guest returns to.
    pub return_origin: String,
}

/// A new random token (state, nonce, PKCE verifier): 32 bytes, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// Stores `p` under `state` (a [`random_token`]); forgets expired states on the way.
pub fn put(c: &mut dyn Conn, state: &str, p: &Pending, now: i64) -> Result<(), DbError> {
    c.execute(
        "DELETE FROM social_states WHERE expires_at < $1",
        &[now.into()],
    )?;
    c.execute(
        "INSERT INTO social_states (state_hash, provider_id, unit_id, attempt, verifier, nonce,
         return_origin, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            digest(state).into(),
            p.provider_id.into(),
            p.unit_id.into(),
            p.attempt.as_str().into(),
            p.verifier.as_str().into(),
            p.nonce.as_str().into(),
            p.return_origin.as_str().into(),
            (now + LIFETIME_SECS).into(),
        ],
    )?;
    Ok(())
}

/// Claims `state`: what it is bound to, once, before it expires; `None` for a state never
/// given out (forged), already used, or expired.
pub fn take(c: &mut dyn Conn, state: &str, now: i64) -> Result<Option<Pending>, DbError> {
    let hash = digest(state);
    let claimed = c.execute(
        "UPDATE social_states SET used_at = $1
         WHERE state_hash = $2 AND used_at IS NULL AND expires_at > $1",
        &[now.into(), hash.as_str().into()],
    )?;
    if claimed == 0 {
        return Ok(None);
    }
    let Some(r) = c.query_opt(
        "SELECT provider_id, unit_id, attempt, verifier, nonce, return_origin
         FROM social_states WHERE state_hash = $1",
        &[hash.into()],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(Pending {
        provider_id: r.int(0)?,
        unit_id: r.int(1)?,
        attempt: r.text(2)?,
        verifier: r.text(3)?,
        nonce: r.text(4)?,
        return_origin: r.text(5)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::db::{Db, Mode};

    async fn db_with_provider() -> (tempfile::TempDir, Db, i64) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("m.db").display());
        let db = Db::open(&url).await.unwrap();
        let provider = db
            .tx(Mode::Write, |c| -> Result<i64, DbError> {
                c.execute(
                    "INSERT INTO resellers (name, created_at) VALUES ('r', 0)",
                    &[],
                )?;
                c.execute(
                    "INSERT INTO hotspots (reseller_id, name, description, business_name,
                     vat_number, address, privacy_contact, time_zone, created_at)
                     VALUES (1, 'h', '', '', '', '', '', 'UTC', 0)",
                    &[],
                )?;
                c.execute(
                    "INSERT INTO social_providers (hotspot_id, name, display_name, kind, issuer,
                     authorize_url, token_url, userinfo_url, mapping, client_id, client_secret,
                     scopes) VALUES (1, 'op', 'OP', 'oidc', '', '', '', '', '{}', 'c', 's', '')",
                    &[],
                )?;
                c.query("SELECT id FROM social_providers", &[])?[0].int(0)
            })
            .await
            .unwrap();
        (dir, db, provider)
    }

    fn pending(provider_id: i64) -> Pending {
        Pending {
            provider_id,
            unit_id: 7,
            attempt: "attempt-1".into(),
            verifier: random_token(),
            nonce: random_token(),
            return_origin: "http://10.77.0.1:2050".into(),
        }
    }

    #[tokio::test]
    async fn a_state_is_taken_once_before_it_expires_and_a_forged_one_never() {
        let (_dir, db, provider) = db_with_provider().await;
        let p = pending(provider);
        let expected = p.clone();
        let (state, first, second, forged) = db
            .tx(Mode::Write, move |c| {
                let state = random_token();
                put(c, &state, &p, 1000)?;
                let first = take(c, &state, 1001)?;
                let second = take(c, &state, 1002)?;
                let forged = take(c, &random_token(), 1002)?;
                Ok::<_, DbError>((state, first, second, forged))
            })
            .await
            .unwrap();
        assert_eq!(state.len(), 64);
        assert_eq!(first, Some(expected));
        assert_eq!(second, None, "used once");
        assert_eq!(forged, None);
        let stored: Vec<String> = db
            .tx(Mode::Read, |c| {
                c.query("SELECT state_hash FROM social_states", &[])?
                    .iter()
                    .map(|r| r.text(0))
                    .collect::<Result<_, DbError>>()
            })
            .await
            .unwrap();
        assert_eq!(stored, [digest(&state)], "only the hash is kept");
    }

    #[tokio::test]
    async fn an_expired_state_is_refused_and_later_forgotten() {
        let (_dir, db, provider) = db_with_provider().await;
        let (late, left) = db
            .tx(Mode::Write, move |c| {
                let old = random_token();
                put(c, &old, &pending(provider), 1000)?;
                let late = take(c, &old, 1000 + LIFETIME_SECS)?;
                put(
                    c,
                    &random_token(),
                    &pending(provider),
                    1000 + LIFETIME_SECS + 1,
                )?;
                let left = c.query("SELECT 1 FROM social_states", &[])?.len();
                Ok::<_, DbError>((late, left))
            })
            .await
            .unwrap();
        assert_eq!(late, None);
        assert_eq!(left, 1, "the expired state was deleted by the next put");
    }
}
