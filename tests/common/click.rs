//! Click-through guests in the lab: the venue's setup, the forms a guest posts and the guest
//! records the CLI shows.

use serde_json::Value;

use super::lab::{Lab, PORTAL, guest_mac};

/// The click-through profile the venue builds: 30 minutes online and 1 MB a day at 2 Mbit/s.
pub fn setup_click(lab: &Lab, mac_auto_login: bool) {
    lab.ok(&[
        "limitation",
        "add",
        "click-daily",
        "--uptime",
        "30m",
        "--transfer",
        "1MB",
        "--down",
        "2M",
        "--up",
        "2M",
        "--reset",
        "daily",
    ]);
    lab.ok(&[
        "profile",
        "add",
        "click-through",
        "--name-for-users",
        "30 minutes a day",
    ]);
    lab.ok(&["profile", "attach", "click-through", "click-daily"]);
    lab.ok(&["settings", "set", "methods.click.enabled", "true"]);
    let auto = if mac_auto_login { "true" } else { "false" };
    lab.ok(&["settings", "set", "methods.click.mac_auto_login", auto]);
}

/// Posts the click-through form from guest `i` with its page's token and `fields`; returns
/// (HTTP status, headers and body).
pub fn click(lab: &Lab, i: usize, fields: &[&str], extra: &[&str]) -> (String, String) {
    let token = format!("token={}", lab.form_token_in(&lab.guest(i), PORTAL));
    let mut args = vec!["-D", "-", "-d", token.as_str()];
    for f in fields {
        args.extend(["-d", f]);
    }
    args.extend_from_slice(extra);
    let url = format!("{PORTAL}/login/click");
    args.push(&url);
    let out = lab.curl(i, &args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = text.split_whitespace().nth(1).unwrap_or("000").to_string();
    (status, text)
}

/// Withdraws an optional consent of guest `i` with the status page's button; returns the
/// HTTP status.
pub fn withdraw(lab: &Lab, i: usize, purpose: &str) -> String {
    let token = format!("token={}", lab.form_token_in(&lab.guest(i), PORTAL));
    let purpose = format!("purpose={purpose}");
    let url = format!("{PORTAL}/consent/withdraw");
    let out = lab.curl(
        i,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-d",
            &token,
            "-d",
            &purpose,
            &url,
        ],
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn guests(lab: &Lab) -> Vec<Value> {
    serde_json::from_str::<Value>(&lab.ok(&["guests", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

pub fn guest(lab: &Lab, id: &Value) -> Value {
    serde_json::from_str(&lab.ok(&["guests", "show", &id.to_string(), "--json"])).unwrap()
}

/// The guest of guest `i`'s device.
pub fn guest_of(lab: &Lab, i: usize) -> Value {
    guests(lab)
        .into_iter()
        .find(|g| g["identifier"] == guest_mac(i))
        .unwrap_or_else(|| panic!("no guest for {}: {:?}", guest_mac(i), guests(lab)))
}

/// (purpose, granted, how) of each ledger row of a guest, oldest first.
pub fn ledger(guest: &Value) -> Vec<(String, bool, String)> {
    guest["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["purpose"].as_str().unwrap().to_string(),
                c["granted"].as_bool().unwrap(),
                c["how"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn row(purpose: &str, granted: bool, how: &str) -> (String, bool, String) {
    (purpose.into(), granted, how.into())
}

pub const ACCEPT: &str = "accept_terms=yes";
pub const MARKETING: &str = "consent_marketing=yes";
