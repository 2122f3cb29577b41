//! Passwords: argon2id hashes and generated one-time passwords.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;

/// Shortest password a user may choose (NIST SP 800-63B allows 8; staff accounts guard
/// many guests' data).
pub const MIN_LEN: usize = 12;

/// Longest (argon2 hashes anything, but a megabyte password is an attack on the CPU).
pub const MAX_LEN: usize = 256;

/// Letters and digits that cannot be mistaken for one another when read aloud or copied.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A random password of 20 characters (~113 bits), shown once.
pub fn generate() -> String {
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// argon2id with 7 MiB and 5 passes, one lane: one of OWASP's equivalent minimums (as strong
/// as 19 MiB and 2 passes, the crate's default, for the same CPU time) chosen for the least
/// memory, since the manager may hash several logins at once and should stay small. Hashes
/// carry their parameters: older ones (19 MiB) still verify.
fn argon2() -> Argon2<'static> {
    // 7168 KiB, 5 passes, 1 lane, default output length are valid parameters.
    let params = Params::new(7 * 1024, 5, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The argon2id hash of `password` in PHC form.
pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    // Encoding 16 random bytes as a salt cannot fail, nor can hashing with default params.
    let salt = SaltString::encode_b64(&salt).expect("16-byte salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters")
        .to_string()
}

/// Whether `password` matches `phc` (false for an unreadable hash).
pub fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash no password matches, verified for unknown names so that they take as long as
/// known ones (no user enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()))
}

/// Why a new password is refused, or `None`.
pub fn problem(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        Some(format!("is {n} characters long; use at least {MIN_LEN}"))
    } else if n > MAX_LEN {
        Some(format!("is {n} characters long; use at most {MAX_LEN}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let p = generate();
        let h = hash(&p);
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, &p));
        assert!(!verify(&h, "something else"));
        assert!(!verify("not a hash", &p));
        assert!(!verify(dummy_hash(), &p));
    }
}
