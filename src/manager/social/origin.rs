//! Where the manager may send a guest back: never an open redirect. The unit names its
//! portal at start (`return`), only as an origin (`scheme://host[:port]`; the manager
//! itself appends `/social/return`, so no path of the request is ever followed). That origin
//! is stored in the login's state, so the callback sends the assertion nowhere else, and it
//! must be either the portal address the reseller set for the hotspot (its vouchers' QR
//! address) or, when none is set, an address on a private network (RFC 1918, loopback,
//! link-local): a unit's portal is on the guest LAN, and no public site can receive a
//! guest's profile this way.

use std::net::Ipv4Addr;

use reqwest::Url;

/// The origin of `url` if it is an http(s) origin: no user info, no path beyond `/`, no
/// query or fragment.
pub fn parse(url: &str) -> Option<String> {
    let u = Url::parse(url.trim()).ok()?;
    let plain = matches!(u.scheme(), "http" | "https")
        && u.username().is_empty()
        && u.password().is_none()
        && u.path() == "/"
        && u.query().is_none()
        && u.fragment().is_none();
    if !plain {
        return None;
    }
    Some(u.origin().ascii_serialization())
}

/// Whether a guest may be sent back to `origin` for a hotspot whose portal address is
/// `portal_url` (empty: none set).
pub fn allowed(origin: &str, portal_url: &str) -> bool {
    let Some(origin) = parse(origin) else {
        return false;
    };
    if !portal_url.is_empty() {
        return parse(&format!("{}/", portal_url.trim_end_matches('/'))) == Some(origin);
    }
    let Ok(u) = Url::parse(&origin) else {
        return false;
    };
    (u.host_str().and_then(|h| h.parse::<Ipv4Addr>().ok())).is_some_and(private)
}

fn private(ip: Ipv4Addr) -> bool {
    ip.is_private() || ip.is_loopback() || ip.is_link_local()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_origins_parse() {
        assert_eq!(
            parse("http://10.77.0.1:2050").as_deref(),
            Some("http://10.77.0.1:2050")
        );
        assert_eq!(
            parse("https://Portal.Example/").as_deref(),
            Some("https://portal.example")
        );
        for bad in [
            "javascript:alert(1)",
            "http://10.0.0.1/elsewhere",
            "http://u:p@10.0.0.1",
            "http://10.0.0.1/?x=1",
            "ftp://10.0.0.1",
            "//10.0.0.1",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_hotspots_portal_address_or_a_private_one() {
        assert!(allowed("http://10.77.0.1:2050", ""));
        assert!(allowed("http://192.168.1.1", ""));
        assert!(!allowed("http://8.8.8.8", ""), "public address");
        assert!(
            !allowed("http://evil.example", ""),
            "a name needs the setting"
        );
        let portal = "https://wifi.hotel.example";
        assert!(allowed("https://wifi.hotel.example", portal));
        assert!(!allowed("http://wifi.hotel.example", portal), "scheme");
        assert!(!allowed("http://10.77.0.1:2050", portal), "set: only it");
        assert!(!allowed("https://wifi.hotel.example.evil", portal));
    }
}
