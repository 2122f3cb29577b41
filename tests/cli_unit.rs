//! `hotspotd unit register | rotate | forget`: refusals that change nothing (plain HTTP to
//! another machine, a bad pin, a spent token), the identity stored privately, a rotation the
//! manager verifies with the old key, and the manager's certificate checked (built-in roots,
//! CA, pin) against a real `hotspotd manager` over TLS.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::cli::CliSetup;
use common::manager_process::ManagerProcess;
use common::tls::certificate;
use hotspotd::proto::auth::{self, Signed};
use hotspotd::proto::register::{RegisterRequest, RegisterResponse, RotateRequest};
use hotspotd::proto::{ErrorBody, WireError};
use hotspotd::store::Store;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn identity(s: &CliSetup) -> Option<hotspotd::store::UnitIdentity> {
    Store::open(&s.dir.path().join("data/hotspotd.db"))
        .unwrap()
        .identity()
        .unwrap()
}

#[test]
fn plain_http_to_another_machine_and_a_bad_pin_are_refused_before_anything() {
    let s = CliSetup::new();
    let out = s.run(&[
        "unit",
        "register",
        "--manager",
        "http://10.0.0.1:8443",
        "--token",
        "t",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--manager"), "{}", stderr(&out));
    assert!(stderr(&out).contains("https://"), "{}", stderr(&out));
    let out = s.run(&[
        "unit",
        "register",
        "--manager",
        "https://m.example",
        "--token",
        "t",
        "--pin",
        "abcd",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--pin"), "{}", stderr(&out));
    assert!(stderr(&out).contains("64 hex digits"), "{}", stderr(&out));
    assert!(
        !s.dir.path().join("data/hotspotd.db").exists(),
        "refused before the data directory was touched"
    );
    let out = s.run(&["unit", "rotate"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not registered"), "{}", stderr(&out));
}

/// The public key the fake manager holds for unit 5.
type Held = Arc<Mutex<Option<String>>>;

fn refusal(status: StatusCode, code: &str) -> (StatusCode, Json<serde_json::Value>) {
    let body = ErrorBody {
        error: WireError {
            code: code.into(),
            message: format!("refused: {code}"),
        },
    };
    (status, Json(serde_json::to_value(body).unwrap()))
}

/// A manager's registration and rotation on loopback (plain HTTP, allowed there).
fn fake_manager(held: Held) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let (h1, h2) = (held.clone(), held);
    let app = axum::Router::new()
        .route(
            "/sync/v1/register",
            post(move |Json(r): Json<RegisterRequest>| async move {
                if r.token != "good" || r.name != "lobby" {
                    return refusal(StatusCode::FORBIDDEN, "token_used");
                }
                *h1.lock().unwrap() = Some(r.public_key);
                let answer = RegisterResponse {
                    unit_id: 5,
                    hotspot_id: 9,
                    manager_key: "ab".repeat(32),
                    voucher_key: "cd".repeat(32),
                };
                (StatusCode::OK, Json(serde_json::to_value(answer).unwrap()))
            }),
        )
        .route(
            "/sync/v1/rotate",
            post(
                move |headers: HeaderMap, body: axum::body::Bytes| async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    let signed = Signed {
                        unit: header(auth::HEADER_UNIT).parse().unwrap_or(0),
                        time: header(auth::HEADER_TIME).parse().unwrap_or(0),
                        nonce: header(auth::HEADER_NONCE),
                        signature: header(auth::HEADER_SIGNATURE),
                    };
                    let current = h2.lock().unwrap().clone().unwrap_or_default();
                    let path = "/sync/v1/rotate";
                    if signed.unit != 5
                        || auth::verify_request(&current, "POST", path, &signed, &body).is_err()
                    {
                        return refusal(StatusCode::UNAUTHORIZED, "bad_signature");
                    }
                    let r: RotateRequest = serde_json::from_slice(&body).unwrap();
                    *h2.lock().unwrap() = Some(r.public_key);
                    (StatusCode::OK, Json(serde_json::json!({})))
                },
            ),
        );
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    url
}

fn public_of(id: &hotspotd::store::UnitIdentity) -> String {
    auth::UnitKey::from_pkcs8(&id.private_key)
        .unwrap()
        .public_hex()
}

#[test]
fn register_rotate_and_forget_keep_the_identity_private_and_in_step() {
    let s = CliSetup::new();
    let held = Held::default();
    let url = fake_manager(held.clone());
    let register = |token: &str| {
        s.run(&[
            "unit",
            "register",
            "--manager",
            &url,
            "--token",
            token,
            "--name",
            "lobby",
        ])
    };
    let out = register("spent");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("token_used"), "{}", stderr(&out));
    assert_eq!(identity(&s), None, "a refused registration stores nothing");

    let out = register("good");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("unit 5 of hotspot 9"));
    let first = identity(&s).expect("stored");
    assert_eq!((first.unit_id, first.hotspot_id), (5, 9));
    assert_eq!(first.manager_url, url);
    assert_eq!(held.lock().unwrap().clone(), Some(public_of(&first)));
    let db = s.dir.path().join("data/hotspotd.db");
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the private key's file");

    for _ in 0..2 {
        let before = identity(&s).unwrap();
        let out = s.run(&["unit", "rotate"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let after = identity(&s).unwrap();
        assert_ne!(after.private_key, before.private_key);
        assert_eq!(held.lock().unwrap().clone(), Some(public_of(&after)));
    }
    // A manager that no longer knows the key: the refusal keeps the stored key.
    *held.lock().unwrap() = Some("00".repeat(32));
    let kept = identity(&s).unwrap();
    let out = s.run(&["unit", "rotate"]);
    assert!(stderr(&out).contains("bad_signature"), "{}", stderr(&out));
    assert_eq!(identity(&s), Some(kept));

    let out = register("good");
    assert!(out.status.success());
    assert_ne!(
        identity(&s).unwrap().private_key,
        first.private_key,
        "replaced"
    );
    let out = s.run(&["unit", "forget"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("forgotten"));
    assert_eq!(identity(&s), None);
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The certificate's SHA-256 as openssl prints it (with colons).
fn fingerprint(cert: &str) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().rsplit('=').next().unwrap().to_string()
}

#[test]
fn the_managers_certificate_is_checked_against_roots_ca_or_pin() {
    let (_dir, cert, key) = certificate();
    let port = free_port();
    let url = format!("https://localhost:{port}");
    let _m = ManagerProcess::start(
        None,
        &format!("127.0.0.1:{port}"),
        &url,
        &["--tls-cert", &cert, "--tls-key", &key],
    );
    let s = CliSetup::new();
    let attempt = |extra: &[&str]| {
        let mut args = vec!["unit", "register", "--manager", &url, "--token", "nope"];
        args.extend_from_slice(extra);
        stderr(&s.run(&args))
    };
    // Self-signed: unknown to the built-in roots.
    let none = attempt(&[]);
    assert!(none.contains("cannot reach the manager"), "{none}");
    let wrong = attempt(&["--pin", &"ab".repeat(32)]);
    assert!(wrong.contains("does not match the pinned"), "{wrong}");
    // Past TLS, the manager itself answers (and refuses the token).
    let pin = fingerprint(&cert);
    for trusted in [attempt(&["--pin", &pin]), attempt(&["--ca", &cert])] {
        assert!(trusted.contains("the manager refused"), "{trusted}");
    }
    assert_eq!(identity(&s), None);
}
