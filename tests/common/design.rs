//! The captive portal view's requests as a staff browser sends them (file forms with or
//! without the CSRF token, the framed preview with its headers), for `manager_design`.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hotspotd::manager::areas::settings_doc;
use hotspotd::manager::auth::session;
use hotspotd::manager::db::Mode;
use hotspotd::model::settings::HotspotSettings;
use serde_json::Value;
use tower::ServiceExt;

use super::manager::{Who, World};

const BOUNDARY: &str = "----design-test-boundary";

/// A file form as a browser sends it: `slot`, `file` and (if given) the CSRF token.
fn file_form(csrf: Option<&str>, slot: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut field = |name: &str, extra: &str, data: &[u8]| {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{extra}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    if let Some(t) = csrf {
        field("csrf", "", t.as_bytes());
    }
    field("slot", "", slot.as_bytes());
    field(
        "file",
        "; filename=\"logo.png\"\r\nContent-Type: image/png",
        file,
    );
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts the upload form as `who`'s browser (cookie; the token only in the form).
pub async fn upload(
    w: &World,
    who: Who,
    h: i64,
    slot: &str,
    file: &[u8],
    with_csrf: bool,
) -> (StatusCode, String) {
    let l = w.login(who).unwrap();
    let req = Request::post(format!("/hotspots/{h}/design/images"))
        .header(header::COOKIE, format!("{}={}", session::COOKIE, l.token))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(file_form(
            with_csrf.then_some(l.csrf.as_str()),
            slot,
            file,
        )))
        .unwrap();
    let (status, _, text) = w.raw(req).await;
    (status, text)
}

pub async fn current(w: &World, h: i64) -> HotspotSettings {
    w.db.tx(Mode::Read, move |c| settings_doc::current(c, h))
        .await
        .unwrap()
}

pub async fn api(
    w: &World,
    who: Who,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let (status, _, text) = w.send(who, method, path, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The preview as the desk's browser gets it: status, its CSP and the HTML.
pub async fn preview(w: &World, h: i64, query: &str) -> (StatusCode, String, String, String) {
    let l = w.login(Who::DeskA).unwrap();
    let req = Request::get(format!("/hotspots/{h}/design/preview?{query}"))
        .header(header::COOKIE, format!("{}={}", session::COOKIE, l.token))
        .body(Body::empty())
        .unwrap();
    let res = w.app.clone().oneshot(req).await.unwrap();
    let h = |n| {
        res.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (csp, xfo) = (
        h(header::CONTENT_SECURITY_POLICY),
        h(header::X_FRAME_OPTIONS),
    );
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        csp,
        xfo,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// An image that only tenant B uploads.
pub fn only_b() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 30, image::Rgb([12, 34, 56]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub async fn view_draft(w: &World, h: i64) -> Value {
    let (status, v) = api(
        w,
        Who::DeskA,
        "GET",
        &format!("/api/v1/hotspots/{h}/design"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    v["draft"]["design"].clone()
}
