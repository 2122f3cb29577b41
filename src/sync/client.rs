//! The unit's HTTP client for the manager: HTTPS with rustls, the manager's certificate
//! checked against the built-in roots, a configured CA (instead of them) or a pinned
//! certificate hash; plain HTTP only to a loopback address; redirects off (a redirect could
//! carry a signed request elsewhere); a timeout above the longest long-poll.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio_rustls::rustls;

use super::SyncError;
use crate::proto::auth::{HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, HEADER_UNIT, UnitKey};
use crate::proto::{ErrorBody, MAX_WAIT_SECS, PREFIX};
use crate::store::Trust;

/// Connecting may take this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A whole request may take this long: the longest long-poll and then some.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(MAX_WAIT_SECS + 15);

/// Checks the manager's URL: `https://`, or `http://` to a loopback address only (the
/// embedded manager, a test); no path, query or credentials. Returns it without a trailing
/// slash.
pub fn check_url(text: &str) -> Result<String, SyncError> {
    let bad = |why: &str| SyncError::Url(format!("{text:?} {why}"));
    let url = Url::parse(text)
        .map_err(|_| bad("is not a URL; write e.g. https://manager.example.com"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(bad(
                "is plain HTTP to another machine: records and keys would cross the network in clear; use https://",
            ));
        }
        _ => return Err(bad("must start with https://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not hold credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
        return Err(bad(
            "must be the manager's base address, without a path or query",
        ));
    }
    if url.host_str().is_none() {
        return Err(bad("has no host"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Whether `text` is a URL to this machine (the embedded manager's loopback sync).
pub fn is_loopback_url(text: &str) -> bool {
    Url::parse(text).is_ok_and(|url| is_loopback(&url))
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Reads a certificate pin: the SHA-256 of the manager's certificate (DER), 64 hex digits,
/// colons allowed (as `openssl x509 -fingerprint -sha256` prints it).
pub fn parse_pin(text: &str) -> Result<String, SyncError> {
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    match hex::decode(&hex) {
        Ok(bytes) if bytes.len() == 32 => Ok(hex.to_ascii_lowercase()),
        _ => Err(SyncError::Trust(format!(
            "pin {text:?} is not a SHA-256 (64 hex digits); get it with `openssl x509 -in cert.pem -noout -fingerprint -sha256`"
        ))),
    }
}

/// The HTTP client trusting what `trust` says.
pub fn http_client(trust: &Trust) -> Result<reqwest::Client, SyncError> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("hotspotd/", env!("CARGO_PKG_VERSION")));
    let builder = match (&trust.pin, &trust.ca_pem) {
        (Some(pin), _) => builder.use_preconfigured_tls(pinned_config(&parse_pin(pin)?)?),
        (None, Some(pem)) => {
            let mut builder = builder.tls_built_in_root_certs(false);
            for der in ca_certificates(pem)? {
                let ca = reqwest::Certificate::from_der(&der)
                    .map_err(|e| SyncError::Trust(format!("the CA certificate: {e}")))?;
                builder = builder.add_root_certificate(ca);
            }
            builder
        }
        (None, None) => builder,
    };
    builder
        .build()
        .map_err(|e| SyncError::Trust(format!("cannot set up TLS: {e}")))
}

/// The certificates of a PEM file (at least one).
fn ca_certificates(pem: &str) -> Result<Vec<Vec<u8>>, SyncError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = |why: String| SyncError::Trust(format!("the CA file {why}; give a PEM certificate"));
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("is not PEM ({e})")))?;
    if certs.is_empty() {
        return Err(bad("holds no certificate".into()));
    }
    Ok(certs)
}

/// A TLS configuration that accepts exactly the certificate with this SHA-256.
fn pinned_config(pin_hex: &str) -> Result<rustls::ClientConfig, SyncError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut pin = [0u8; 32];
    hex::decode_to_slice(pin_hex, &mut pin).map_err(|e| SyncError::Trust(e.to_string()))?;
    let verifier = Arc::new(Pinned {
        pin,
        algorithms: provider.signature_verification_algorithms,
    });
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SyncError::Trust(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Accepts the pinned certificate only (the pin replaces names and chains: it is the trust
/// anchor), and checks the handshake's signatures as usual, so the peer holds its key.
#[derive(Debug)]
struct Pinned {
    pin: [u8; 32],
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if Sha256::digest(end_entity.as_ref()).as_slice() == self.pin {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the manager's certificate does not match the pinned SHA-256".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// One manager, as this unit talks to it.
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client for the manager at `url` (checked by [`check_url`]).
    pub fn new(url: &str, trust: &Trust) -> Result<Client, SyncError> {
        Ok(Client {
            http: http_client(trust)?,
            base: check_url(url)?,
        })
    }

    /// An unsigned JSON POST (registration: the token is the credential).
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        route: &str,
        body: &B,
    ) -> Result<T, SyncError> {
        let body = serde_json::to_vec(body).map_err(|e| SyncError::Decode(e.to_string()))?;
        let request = self
            .http
            .post(format!("{}{PREFIX}{route}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        read(request.send().await).await
    }

    /// A request signed by the unit's key; `route_and_query` is under `/sync/v1`.
    pub async fn signed<T: DeserializeOwned>(
        &self,
        (unit, key): (i64, &UnitKey),
        method: Method,
        route_and_query: &str,
        body: Vec<u8>,
    ) -> Result<T, SyncError> {
        let path = format!("{PREFIX}{route_and_query}");
        let now = chrono::Utc::now().timestamp();
        let signed = key.sign_request(unit, method.as_str(), &path, now, &body);
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(HEADER_UNIT, signed.unit.to_string())
            .header(HEADER_TIME, signed.time.to_string())
            .header(HEADER_NONCE, signed.nonce)
            .header(HEADER_SIGNATURE, signed.signature);
        if !body.is_empty() {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        read(request.send().await).await
    }

    /// Raw bytes of a signed GET (assets).
    pub async fn signed_bytes(
        &self,
        (unit, key): (i64, &UnitKey),
        route: &str,
    ) -> Result<Vec<u8>, SyncError> {
        let path = format!("{PREFIX}{route}");
        let now = chrono::Utc::now().timestamp();
        let signed = key.sign_request(unit, "GET", &path, now, b"");
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(HEADER_UNIT, signed.unit.to_string())
            .header(HEADER_TIME, signed.time.to_string())
            .header(HEADER_NONCE, signed.nonce)
            .header(HEADER_SIGNATURE, signed.signature)
            .send()
            .await
            .map_err(transport)?;
        let response = refuse_unless_ok(response).await?;
        Ok(response.bytes().await.map_err(transport)?.to_vec())
    }
}

fn transport(e: reqwest::Error) -> SyncError {
    // The error's chain names the cause (refused, timed out, certificate); one line.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    SyncError::Transport(text)
}

async fn refuse_unless_ok(response: reqwest::Response) -> Result<reqwest::Response, SyncError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let text = response.text().await.unwrap_or_default();
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => SyncError::Refused {
            status: status.as_u16(),
            code: body.error.code,
            message: body.error.message,
        },
        Err(_) => SyncError::Refused {
            status: status.as_u16(),
            code: format!("http_{}", status.as_u16()),
            message: status.canonical_reason().unwrap_or("refused").to_string(),
        },
    })
}

async fn read<T: DeserializeOwned>(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, SyncError> {
    let response = refuse_unless_ok(sent.map_err(transport)?).await?;
    let bytes = response.bytes().await.map_err(transport)?;
    // An empty answer (204) reads as JSON null.
    let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
    serde_json::from_slice(bytes).map_err(|e| SyncError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback_and_only_a_base_address() {
        assert_eq!(
            check_url("https://m.example/").unwrap(),
            "https://m.example"
        );
        assert_eq!(
            check_url("http://127.0.0.1:8443").unwrap(),
            "http://127.0.0.1:8443"
        );
        assert!(check_url("http://[::1]:80").is_ok());
        assert!(check_url("http://localhost:80").is_ok());
        for bad in [
            "http://10.0.0.1",
            "http://m.example",
            "http://127.0.0.1.example.com",
            "ftp://m.example",
            "https://u:p@m.example",
            "https://m.example/sync",
            "https://m.example/?x=1",
            "m.example",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_pin_is_a_sha256() {
        let pin = "AB:".repeat(31) + "AB";
        assert_eq!(parse_pin(&pin).unwrap(), "ab".repeat(32));
        assert!(parse_pin("ab").is_err());
        assert!(parse_pin(&"zz".repeat(32)).is_err());
        let trust = Trust {
            ca_pem: None,
            pin: Some("ab".repeat(32)),
        };
        assert!(http_client(&trust).is_ok());
        let trust = Trust {
            ca_pem: Some("not a certificate".into()),
            pin: None,
        };
        assert!(http_client(&trust).is_err());
    }
}
