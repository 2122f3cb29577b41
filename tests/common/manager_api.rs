//! API calls for manager tests: a call with its JSON answer, a creation that must succeed,
//! and a refusal that must name its field and change nothing.

use axum::http::StatusCode;
use serde_json::Value;

use super::manager::{Who, World};

/// An API call; the status and the JSON answer (`null` when there is none).
pub async fn api(w: &World, who: Who, method: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let body = (method != "GET").then_some(body);
    let (status, _, text) = w.send(who, method, path, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A refused request: 422 naming `field`, and nothing changed.
pub async fn refused(w: &World, who: Who, method: &str, path: &str, body: &str, field: &str) {
    let before = w.dump().await;
    let (status, location, text) = w.send(who, method, path, Some(body)).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{path} {location} {text}"
    );
    assert!(text.contains(field), "{field} not named: {text}");
    assert_eq!(
        before,
        w.dump().await,
        "{path}: a refused request changed something"
    );
}

pub async fn create(w: &World, who: Who, path: &str, body: &str) -> Value {
    let (status, v) = api(w, who, "POST", path, body).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {v}");
    v
}
