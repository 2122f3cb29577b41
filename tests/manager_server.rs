//! The `hotspotd manager` binary: HTTPS with a PEM certificate, the admin's one-time
//! password printed at the first start, `reset-admin`, and clear refusals of bad TLS files.

mod common;

use std::process::Command;

use common::manager_process::ManagerProcess;
use common::tls::certificate;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Logs in through the form; returns the status and `Location`.
async fn login(client: &reqwest::Client, url: &str, user: &str, password: &str) -> (u16, String) {
    let page = client.get(format!("{url}/login")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("hsm_login=")
        .to_string();
    let res = client
        .post(format!("{url}/login"))
        .header("cookie", format!("hsm_login={token}"))
        .header("origin", url)
        .form(&[
            ("username", user),
            ("password", password),
            ("token", &token),
        ])
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

#[tokio::test]
async fn the_manager_serves_https_prints_the_first_password_and_resets_it() {
    let (_certs, cert, key) = certificate();
    let port = free_port();
    let url = format!("https://localhost:{port}");
    let m = ManagerProcess::start(
        None,
        &format!("127.0.0.1:{port}"),
        &url,
        &["--tls-cert", &cert, "--tls-key", &key],
    );
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(format!("{url}/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    // Plain HTTP on the TLS port gets nothing.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/login"))
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);

    assert_eq!(login(&client, &url, "admin", "not-it").await.0, 401);
    assert_eq!(
        login(&client, &url, "admin", &m.admin_password).await,
        (303, "/password".to_string())
    );

    // reset-admin, beside the running server: a new one-time password; the old one is void.
    let out = m.command(&["reset-admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let new = text.trim().rsplit(' ').next().unwrap().to_string();
    assert!(
        text.starts_with("New one-time password for admin: ") && new.len() == 20,
        "{text}"
    );
    assert_eq!(
        login(&client, &url, "admin", &m.admin_password).await.0,
        401
    );
    assert_eq!(
        login(&client, &url, "admin", &new).await,
        (303, "/password".to_string())
    );
}

#[test]
fn unreadable_tls_files_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pem").display().to_string();
    let db = format!("sqlite://{}/m.db", dir.path().display());
    let out = Command::new(env!("CARGO_BIN_EXE_hotspotd"))
        .args([
            "manager",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &db,
            "--tls-cert",
            &missing,
            "--tls-key",
            &missing,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TLS certificate") && err.contains("nope.pem"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_hotspotd"))
        .args(["manager", "--database", "mysql://x"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("use sqlite://PATH or postgres://"));
}

/// `master-key rotate` beside the running server: the printed key provisions a reseller over
/// HTTP; the next rotation voids it at once.
#[tokio::test]
async fn the_master_key_is_rotated_from_the_command_line() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let m = ManagerProcess::start(None, &format!("127.0.0.1:{port}"), &url, &[]);
    let rotate = || {
        let out = m.command(&["master-key", "rotate"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(text.starts_with("New master key"), "{text}");
        text.trim().rsplit(' ').next().unwrap().to_string()
    };
    let upsert = |key: String| {
        reqwest::Client::new()
            .put(format!("{url}/api/v1/sso/resellers/crm-1"))
            .header("X-Master-Key", key)
            .json(&serde_json::json!({"name": "Acme", "username": "acme"}))
            .send()
    };
    let old = rotate();
    assert!(old.starts_with("hsm_mk_"), "{old}");
    assert_eq!(upsert(old.clone()).await.unwrap().status(), 201);
    let new = rotate();
    assert_eq!(upsert(old).await.unwrap().status(), 401);
    assert_eq!(upsert(new).await.unwrap().status(), 200);
}
