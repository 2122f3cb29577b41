//! A unit's side of the sync protocol for tests: registers with a token and signs requests
//! with `proto::auth::UnitKey`, sent through a manager router (in-process, as `World` does)
//! or, through `headers`, by any HTTP client.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hotspotd::proto::auth::{
    HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, HEADER_UNIT, Signed, UnitKey,
};
use hotspotd::proto::register::{RegisterRequest, RegisterResponse};
use serde_json::Value;
use tower::ServiceExt;

use super::manager::{Who, World};

/// A registered unit.
pub struct SyncClient {
    pub key: UnitKey,
    pub unit: i64,
    pub hotspot: i64,
    pub manager_key: String,
    pub voucher_key: String,
}

/// An answer: status and body.
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The `proto::ErrorBody` code, or "".
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

/// Now, Unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Sends `req` through `app`.
pub async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
        .await
        .unwrap();
    Reply {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The registration request a unit with `key` sends.
pub fn register_request(key: &UnitKey, token: &str, name: &str) -> RegisterRequest {
    RegisterRequest {
        token: token.into(),
        name: name.into(),
        public_key: key.public_hex(),
        protocol: hotspotd::proto::PROTOCOL,
        version: "test-1.0".into(),
    }
}

/// Posts a registration body.
pub async fn post_register(app: &Router, body: &str) -> Reply {
    let req = Request::post("/sync/v1/register")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, req).await
}

/// A new key pair.
pub fn new_key() -> UnitKey {
    UnitKey::from_pkcs8(&UnitKey::generate().unwrap()).unwrap()
}

impl SyncClient {
    /// Registers a new unit named `name` with `token`; Err is the refusal.
    pub async fn register(app: &Router, token: &str, name: &str) -> Result<SyncClient, Reply> {
        let key = new_key();
        let body = serde_json::to_string(&register_request(&key, token, name)).unwrap();
        let reply = post_register(app, &body).await;
        if reply.status != StatusCode::CREATED {
            return Err(reply);
        }
        let r: RegisterResponse = serde_json::from_str(&reply.body).unwrap();
        Ok(SyncClient {
            key,
            unit: r.unit_id,
            hotspot: r.hotspot_id,
            manager_key: r.manager_key,
            voucher_key: r.voucher_key,
        })
    }

    /// The signature headers of a request signed at `time`.
    pub fn headers_at(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        time: i64,
    ) -> Vec<(&'static str, String)> {
        headers(&self.key.sign_request(self.unit, method, path, time, body))
    }

    /// The signature headers of a request signed now.
    pub fn headers(&self, method: &str, path: &str, body: &[u8]) -> Vec<(&'static str, String)> {
        self.headers_at(method, path, body, now())
    }

    /// A request carrying `headers` and `body`.
    pub fn build(
        method: &str,
        path: &str,
        headers: &[(&'static str, String)],
        body: &[u8],
    ) -> Request<Body> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req.body(Body::from(body.to_vec())).unwrap()
    }

    /// Signs now and sends.
    pub async fn call(&self, app: &Router, method: &str, path: &str, body: &[u8]) -> Reply {
        let h = self.headers(method, path, body);
        send(app, Self::build(method, path, &h, body)).await
    }
}

/// A signature as headers.
pub fn headers(s: &Signed) -> Vec<(&'static str, String)> {
    vec![
        (HEADER_UNIT, s.unit.to_string()),
        (HEADER_TIME, s.time.to_string()),
        (HEADER_NONCE, s.nonce.clone()),
        (HEADER_SIGNATURE, s.signature.clone()),
    ]
}

/// A fresh registration token for `hotspot` made by the reseller through the API: (id, secret).
pub async fn token(w: &World, who: Who, hotspot: i64) -> (i64, String) {
    let (status, _, text) = w
        .send(
            who,
            "POST",
            &format!("/api/v1/hotspots/{hotspot}/unit-tokens"),
            Some(r#"{"note":"lobby"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    (
        v["id"].as_i64().unwrap(),
        v["token"].as_str().unwrap().to_string(),
    )
}

/// The registering client as other tests use it.
pub async fn registered(w: &World, name: &str) -> SyncClient {
    let (_, secret) = token(w, Who::ResellerA, w.hotspot[0]).await;
    match SyncClient::register(&w.app, &secret, name).await {
        Ok(c) => c,
        Err(r) => panic!("registration refused: {} {}", r.status, r.body),
    }
}
