//! Single sign-on tests: the platform's requests with the master key, from an address.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use hotspotd::manager::db::{DbError, Mode};
use serde_json::Value;

use super::manager::{Answer, URL, Who, World, call};

pub const PLATFORM: &str = "192.0.2.7";

pub fn from(addr: &str, mut req: Request<Body>) -> Request<Body> {
    let peer: SocketAddr = format!("{addr}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    req
}

/// A request of the platform with `key` in the master-key header.
pub async fn platform(w: &World, key: &str, method: &str, path: &str, body: Value) -> Answer {
    keyed(w, PLATFORM, key, method, path, body).await
}

/// A request from `addr` with `key` in the master-key header.
pub async fn keyed(
    w: &World,
    addr: &str,
    key: &str,
    method: &str,
    path: &str,
    body: Value,
) -> Answer {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("x-master-key", key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    call(w, from(addr, req)).await
}

pub fn json_of(a: &Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or_else(|_| panic!("{} {}", a.status, a.body))
}

/// The admin makes a new master key on its page; returns it (shown once).
pub async fn rotate(w: &World) -> String {
    let (status, _, html) = w.send(Who::Admin, "POST", "/master-key", Some("")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let start = html
        .find("id=\"master-key\">")
        .expect("the key on the page")
        + 16;
    let key = &html[start..start + html[start..].find('<').unwrap()];
    assert!(key.starts_with("hsm_mk_") && key.len() == 71, "{key}");
    key.to_string()
}

/// Every row but the audit log's (a repeated request is audited, and changes nothing else).
pub async fn state_of(w: &World) -> Vec<String> {
    let mut rows = w.dump().await;
    rows.retain(|r| !r.starts_with("audit_log"));
    rows
}

pub async fn follow(w: &World, url: &str) -> Answer {
    let path = url.strip_prefix(URL).expect("a link to the manager");
    call(
        w,
        from(
            "198.51.100.9",
            Request::get(path).body(Body::empty()).unwrap(),
        ),
    )
    .await
}

/// The audit log: actor, action, object, address, oldest first.
pub async fn audit(w: &World) -> Vec<(String, String, String, String)> {
    w.db.tx(Mode::Read, |c| {
        c.query(
            "SELECT actor, action, object, address FROM audit_log ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.text(3)?)))
        .collect::<Result<Vec<_>, DbError>>()
    })
    .await
    .unwrap()
}
