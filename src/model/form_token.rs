//! Tokens the portal embeds in its forms, so a page on another site cannot post them for a
//! guest (cross-site request forgery): an HMAC under the daemon's secret key over the device
//! (as the caller names it, e.g. its address) and the time the page was made. Another site
//! cannot read a portal page to copy one, and one taken from the attacker's own page names the
//! attacker's device.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a page's forms stay usable: a splash left open on a phone for an afternoon still
/// works; an older page is shown again with a fresh token.
pub const TOKEN_TTL_SECS: i64 = 12 * 3600;

/// Bytes of the HMAC kept in a token (128 bits).
const TAG_LEN: usize = 16;

/// Keeps these tags apart from anything else the same key signs (voucher hashes).
const DOMAIN: &[u8] = b"hotspotd portal form v1\0";

fn tag(key: &[u8], device: &str, issued: i64) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key size");
    mac.update(DOMAIN);
    mac.update(device.as_bytes());
    mac.update(b"\0");
    mac.update(issued.to_string().as_bytes());
    mac
}

/// The token for `device` (e.g. `10.77.0.11`) at `now`: `ISSUED.HEX`.
pub fn issue(key: &[u8], device: &str, now: i64) -> String {
    let bytes = tag(key, device, now).finalize().into_bytes();
    format!("{now}.{}", hex::encode(&bytes[..TAG_LEN]))
}

/// Whether `token` was issued for `device` with `key` within the last [`TOKEN_TTL_SECS`].
pub fn verify(key: &[u8], device: &str, token: &str, now: i64) -> bool {
    let Some((issued, hex_tag)) = token.split_once('.') else {
        return false;
    };
    let (Ok(issued), Ok(given)) = (issued.parse::<i64>(), hex::decode(hex_tag)) else {
        return false;
    };
    let age = now.saturating_sub(issued);
    if !(0..=TOKEN_TTL_SECS).contains(&age) || given.len() != TAG_LEN {
        return false;
    }
    // Constant-time comparison of the kept bytes.
    tag(key, device, issued)
        .verify_truncated_left(&given)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"k";
    const DEV: &str = "10.77.0.11 02:77:00:00:00:0b";

    #[test]
    fn a_token_is_valid_for_its_device_until_it_expires() {
        let t = issue(KEY, DEV, 1000);
        assert!(verify(KEY, DEV, &t, 1000));
        assert!(verify(KEY, DEV, &t, 1000 + TOKEN_TTL_SECS));
        assert!(!verify(KEY, DEV, &t, 1001 + TOKEN_TTL_SECS));
        assert!(!verify(KEY, DEV, &t, 999), "issued in the future");
    }

    #[test]
    fn another_device_key_or_time_fails() {
        let t = issue(KEY, DEV, 1000);
        assert!(!verify(KEY, "10.77.0.12 02:77:00:00:00:0b", &t, 1000));
        assert!(!verify(KEY, "10.77.0.11 02:77:00:00:00:0c", &t, 1000));
        assert!(!verify(b"other", DEV, &t, 1000));
        let (_, tag) = t.split_once('.').unwrap();
        assert!(!verify(KEY, DEV, &format!("1001.{tag}"), 1001));
    }

    #[test]
    fn garbage_is_refused() {
        for bad in ["", ".", "1000", "1000.", "x.00", "1000.zz", "1000.00"] {
            assert!(!verify(KEY, DEV, bad, 1000), "{bad}");
        }
    }
}
