//! Account login: username and password, checked with argon2 off the async runtime.

use std::sync::Arc;

use argon2::{Argon2, PasswordHash, PasswordVerifier};

use super::LoginError;
use crate::gateway::{Gateway, GatewayError};
use crate::store::User;

/// A valid argon2id hash of a random password: verified against when the username does not
/// exist, so a wrong username takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2wQ8cbWGSNFrbPRdDnN5oSixgEnbuXAhTWDBf0E7mxg";

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

impl Gateway {
    /// The account's user; the inner error is a wrong username or password (counted by the
    /// throttle).
    pub(super) async fn identify_account(
        &self,
        username: String,
        password: String,
    ) -> Result<Result<User, LoginError>, LoginError> {
        let found = self
            .store
            .run(move |s| s.account(&username))
            .await
            .map_err(GatewayError::from)?;
        // argon2 is deliberately slow and takes 19 MiB while it runs: off the async
        // runtime, and only a few at a time however many guests post at once. The
        // permit goes with the check, so a guest who hangs up does not free it early.
        let permit = Arc::clone(&self.hashing)
            .acquire_owned()
            .await
            .map_err(|e| GatewayError::Inconsistent(e.to_string()))?;
        let checked = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            match found {
                Some((user, hash)) => verify_password(&password, &hash).then_some(user),
                None => {
                    verify_password(&password, DUMMY_HASH);
                    None
                }
            }
        })
        .await
        .map_err(|e| GatewayError::Inconsistent(e.to_string()))?;
        Ok(checked.ok_or(LoginError::WrongPassword))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash_that_matches_nothing_typed() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
        assert!(!verify_password("password", DUMMY_HASH));
    }
}
