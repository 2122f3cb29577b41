//! Voucher codes: generation from the OS CSPRNG, normalisation of what guests type, and the
//! keyed hash under which codes are stored (codes are never stored in plain text).

use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use thiserror::Error;

/// 31 symbols: digits 2–9 and A–Z without I, L and O, so nothing can be misread as 0/O or 1/I/L
/// (`reference/semantics.md` §5). log2(31) = 4.95 bits per symbol.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Ten symbols carry 49.5 bits: a guess hits one of 10,000 live codes with p ≈ 9e-12.
pub const CODE_LEN: usize = 10;

/// Symbols per printed group (`ABCDE-FGHJK`).
const GROUP: usize = 5;

/// Bits of entropy in a generated code.
pub fn code_entropy_bits() -> f64 {
    CODE_LEN as f64 * (ALPHABET.len() as f64).log2()
}

/// What a guest typed could not be a voucher code.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CodeError {
    /// The code has the wrong number of symbols.
    #[error("a voucher code has {CODE_LEN} letters and digits")]
    WrongLength,
    /// The code contains a character outside the alphabet.
    #[error("{0:?} is not used in voucher codes (they have no 0, 1, I, L or O); check the code")]
    BadCharacter(char),
    /// The operating system's random source failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// A code in canonical form: upper case, no separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherCode(String);

impl VoucherCode {
    /// Draws a fresh code from the operating system's CSPRNG. Rejection sampling keeps every
    /// symbol equally likely: bytes of 248 (8 × 31) and above are drawn again.
    pub fn generate() -> Result<Self, CodeError> {
        let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
        let mut code = String::with_capacity(CODE_LEN);
        let mut bytes = [0u8; 2 * CODE_LEN];
        while code.len() < CODE_LEN {
            OsRng
                .try_fill_bytes(&mut bytes)
                .map_err(|e| CodeError::Random(e.to_string()))?;
            for &b in bytes
                .iter()
                .filter(|&&b| b < limit)
                .take(CODE_LEN - code.len())
            {
                code.push(ALPHABET[usize::from(b) % ALPHABET.len()] as char);
            }
        }
        Ok(VoucherCode(code))
    }

    /// Reads what a guest typed: case-insensitive, spaces and dashes ignored.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let mut code = String::with_capacity(CODE_LEN);
        for ch in input.chars() {
            if ch == '-' || ch.is_whitespace() {
                continue;
            }
            let up = ch.to_ascii_uppercase();
            if !up.is_ascii() || !ALPHABET.contains(&(up as u8)) {
                return Err(CodeError::BadCharacter(ch));
            }
            code.push(up);
        }
        if code.len() != CODE_LEN {
            return Err(CodeError::WrongLength);
        }
        Ok(VoucherCode(code))
    }

    /// The printed form, grouped for reading aloud: `ABCDE-FGHJK`.
    pub fn display(&self) -> String {
        let (a, b) = self.0.split_at(GROUP);
        format!("{a}-{b}")
    }

    /// The keyed hash stored in the database (HMAC-SHA256 under the gateway's secret key), so
    /// a stolen database does not reveal usable codes.
    pub fn keyed_hash(&self, key: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key size");
        mac.update(self.0.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// The code hash of the user an operator's `auth` gives device `mac` under a profile: the
/// same device and profile always find the same user, and the hashed text (with a colon and
/// a NUL) is nothing a guest can type as a code, so no one can log in as that user.
pub fn operator_grant_hash(key: &[u8], mac: &str, profile_id: i64) -> Vec<u8> {
    let mut hmac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key size");
    hmac.update(format!("operator-grant:{mac}\0{profile_id}").as_bytes());
    hmac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn alphabet_has_no_ambiguous_symbols() {
        for bad in b"01ILO" {
            assert!(!ALPHABET.contains(bad), "{}", *bad as char);
        }
        let unique: HashSet<_> = ALPHABET.iter().collect();
        assert_eq!(unique.len(), ALPHABET.len());
        assert!(code_entropy_bits() >= 40.0);
    }

    #[test]
    fn generated_codes_parse_back_and_differ() {
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let code = VoucherCode::generate().unwrap();
            assert_eq!(VoucherCode::parse(&code.display()), Ok(code.clone()));
            assert!(seen.insert(code.0), "duplicate code from the CSPRNG");
        }
    }

    #[test]
    fn symbols_are_roughly_uniform() {
        let mut counts = [0u32; 31];
        for _ in 0..3100 {
            for b in VoucherCode::generate().unwrap().0.bytes() {
                counts[ALPHABET.iter().position(|&a| a == b).unwrap()] += 1;
            }
        }
        // 31,000 symbols, 1,000 expected per symbol; 5 sigma is about ±160.
        for (i, &c) in counts.iter().enumerate() {
            assert!((800..1200).contains(&c), "symbol {i} drawn {c} times");
        }
    }

    #[test]
    fn entry_is_case_and_dash_insensitive() {
        let code = VoucherCode::parse("ABCDE-FGHJK").unwrap();
        assert_eq!(VoucherCode::parse("abcde fghjk"), Ok(code.clone()));
        assert_eq!(VoucherCode::parse(" a-b-c-d-e-f-g-h-j-k "), Ok(code));
        assert_eq!(
            VoucherCode::parse("ABCDE-FGHJ0"),
            Err(CodeError::BadCharacter('0'))
        );
        assert_eq!(VoucherCode::parse("ABCD"), Err(CodeError::WrongLength));
        assert_eq!(
            VoucherCode::parse("ABCDÉFGHJK"),
            Err(CodeError::BadCharacter('É'))
        );
    }

    #[test]
    fn hash_depends_on_key_and_code() {
        let a = VoucherCode::parse("ABCDEFGHJK").unwrap();
        let b = VoucherCode::parse("ABCDEFGHJM").unwrap();
        assert_eq!(a.keyed_hash(b"k1"), a.keyed_hash(b"k1"));
        assert_ne!(a.keyed_hash(b"k1"), a.keyed_hash(b"k2"));
        assert_ne!(a.keyed_hash(b"k1"), b.keyed_hash(b"k1"));
        assert_eq!(a.keyed_hash(b"k1").len(), 32);
    }
}
