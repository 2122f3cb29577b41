//! The lab with the manager embedded in `hotspotd run` (`[manager]`), reached from the
//! management namespace (PREFIX-mg on the gateway's mgmt0, 10.66.0.0/24): curl there, the
//! admin's one-time password, and an admin API token for tests that drive the manager.

use std::time::{Duration, Instant};

use super::lab::Lab;

pub const LISTEN: &str = "10.66.0.1:8443";
pub const MANAGER: &str = "http://10.66.0.1:8443";

/// The lab with the manager configured by `section` (TOML lines of `[manager]`), the daemon
/// running; returns it and the config text without the manager (for variants).
pub fn lab_with_manager(section: &str) -> (Lab, String) {
    let mut lab = Lab::without_daemon(1, "");
    let base = std::fs::read_to_string(&lab.config).unwrap();
    std::fs::write(&lab.config, format!("{base}\n[manager]\n{section}\n")).unwrap();
    lab.start_daemon();
    (lab, base)
}

pub fn management(lab: &Lab) -> String {
    format!("{}-mg", lab.prefix)
}

/// curl in `ns`: (exit code, stdout).
pub fn curl(lab: &Lab, ns: &str, args: &[&str]) -> (i32, String) {
    let mut full = vec!["curl", "-s"];
    full.extend_from_slice(args);
    let out = lab.in_ns(ns, &full);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

pub fn wait_for_manager(lab: &Lab) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let login = format!("{MANAGER}/login");
    while Instant::now() < deadline {
        let (_, status) = curl(
            lab,
            &management(lab),
            &["-o", "/dev/null", "-w", "%{http_code}", "-m", "1", &login],
        );
        if status == "200" {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the manager did not answer on {MANAGER}:\n{}", lab.log());
}

/// The one-time admin password the first start printed.
pub fn admin_password(lab: &Lab) -> String {
    let log = lab.log();
    let marker = "you will choose your own): ";
    let at = log
        .find(marker)
        .unwrap_or_else(|| panic!("no admin password printed:\n{log}"));
    log[at + marker.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The value of the first `name="NAME" value="…"` field of `page`.
pub fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in {page}"));
    page[at + marker.len()..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Logs the admin in with the one-time password, sets a new one and makes a write API token;
/// returns it.
pub fn admin_api_token(lab: &Lab) -> String {
    let mg = management(lab);
    let jar = lab.dir.path().join("admin-cookies").display().to_string();
    let origin = format!("Origin: {MANAGER}");
    let post = |path: &str, form: &[String]| {
        let mut args = vec![
            "-m",
            "10",
            "-b",
            &jar,
            "-c",
            &jar,
            "-H",
            &origin,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        for f in form {
            args.extend(["--data-urlencode".to_string(), f.clone()]);
        }
        args.push(format!("{MANAGER}{path}"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        curl(lab, &mg, &args).1
    };
    let get = |path: &str| {
        curl(
            lab,
            &mg,
            &[
                "-m",
                "10",
                "-b",
                &jar,
                "-c",
                &jar,
                &format!("{MANAGER}{path}"),
            ],
        )
        .1
    };
    let token = field(&get("/login"), "token");
    let one_time = admin_password(lab);
    let status = post(
        "/login",
        &[
            "username=admin".into(),
            format!("password={one_time}"),
            format!("token={token}"),
        ],
    );
    assert_eq!(status, "303", "admin login: {}", lab.log());
    let new = "a long new admin password 42";
    let csrf = field(&get("/password"), "csrf");
    let status = post(
        "/password",
        &[
            format!("csrf={csrf}"),
            format!("current={one_time}"),
            format!("new={new}"),
            format!("repeat={new}"),
        ],
    );
    assert_eq!(status, "303", "password change");
    let csrf = field(&get("/tokens"), "csrf");
    let page = {
        let args = [
            "-m".to_string(),
            "10".into(),
            "-b".into(),
            jar.clone(),
            "-c".into(),
            jar.clone(),
            "-H".into(),
            origin.clone(),
            "--data-urlencode".into(),
            format!("csrf={csrf}"),
            "--data-urlencode".into(),
            "name=embedded sync test".into(),
            "--data-urlencode".into(),
            "scope=write".into(),
            format!("{MANAGER}/tokens"),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        curl(lab, &mg, &args).1
    };
    let marker = "id=\"new-token\">";
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("no new token in {page}"));
    page[at + marker.len()..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// An API call with `token` from the management side: (HTTP status, JSON answer).
pub fn api(
    lab: &Lab,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (String, serde_json::Value) {
    let auth = format!("Authorization: Bearer {token}");
    let url = format!("{MANAGER}{path}");
    let mut args = vec![
        "-m",
        "10",
        "-X",
        method,
        "-H",
        &auth,
        "-w",
        "\n%{http_code}",
    ];
    if let Some(body) = body {
        args.extend([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            body,
        ]);
    }
    args.push(&url);
    let (_, out) = curl(lab, &management(lab), &args);
    let (json, status) = out.rsplit_once('\n').unwrap_or(("", &out));
    (
        status.to_string(),
        serde_json::from_str(json).unwrap_or(serde_json::Value::Null),
    )
}
