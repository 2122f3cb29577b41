//! `hotspotd clients`, `kick`, `status`, `devices`, `auth`, `deauth`: answered by the running
//! daemon over the control socket.

use super::error::CliError;
use super::table;
use std::path::Path;

use serde_json::Value;

use crate::control::{self, Request};
use crate::gateway::ClientView;
use crate::model::access::parse_mac;
use crate::model::units::{format_duration, format_size};

fn since(started_at: i64) -> String {
    let secs = crate::gateway::now().saturating_sub(started_at).max(0) as u64;
    format!("{} ago", format_duration(secs))
}

/// `clients`
pub fn clients(socket: &Path, json_out: bool) -> Result<String, CliError> {
    let data = control::request(socket, &Request::Clients)?;
    if json_out {
        return Ok(data.to_string() + "\n");
    }
    let list: Vec<ClientView> =
        serde_json::from_value(data).map_err(control::ControlError::from)?;
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            vec![
                c.mac.clone(),
                c.ip.clone(),
                c.username
                    .clone()
                    .unwrap_or_else(|| format!("voucher {}", c.user_id)),
                c.profile.clone(),
                since(c.started_at),
                format_size(c.bytes_up),
                format_size(c.bytes_down),
                format_duration(c.seconds_left),
                c.bytes_left.map_or("-".into(), format_size),
            ]
        })
        .collect();
    Ok(table::render(
        &[
            "MAC",
            "IP",
            "USER",
            "PROFILE",
            "SINCE",
            "UP",
            "DOWN",
            "TIME LEFT",
            "DATA LEFT",
        ],
        &rows,
    ))
}

/// `kick MAC`
pub fn kick(socket: &Path, mac: &str) -> Result<String, CliError> {
    if parse_mac(mac).is_none() {
        return Err(CliError::Argument {
            name: "<MAC>",
            problem: format!("{mac:?} is not a MAC address like 02:ab:cd:ef:01:23"),
        });
    }
    // `kick MAC` is `deauth` by MAC, kept under the name operators know from issue 2.
    deauth(socket, mac)
}

/// `status`
pub fn status(socket: &Path, json_out: bool) -> Result<String, CliError> {
    let v = control::request(socket, &Request::Status)?;
    if json_out {
        return Ok(v.to_string() + "\n");
    }
    let mut out = String::new();
    for (key, value) in v.as_object().into_iter().flatten() {
        let shown = match (key.as_str(), value) {
            ("reload_at", Value::Number(at)) => since(at.as_i64().unwrap_or_default()),
            // Multi-line texts (a TOML error's excerpt) stay aligned under their value.
            (_, Value::String(text)) => text.replace('\n', &format!("\n{:25}", "")),
            _ => value.to_string(),
        };
        out += &format!("{key:<24} {shown}\n");
    }
    Ok(out)
}

/// `devices`
pub fn devices(socket: &Path, json_out: bool) -> Result<String, CliError> {
    let v = control::request(socket, &Request::Devices)?;
    if json_out {
        return Ok(v.to_string() + "\n");
    }
    let rows: Vec<Vec<String>> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let online = d["session_id"]
                .as_i64()
                .map_or("-".to_string(), |s| format!("session {s}"));
            let seen = &d["seen"];
            let field = |key: &str| seen[key].as_str().unwrap_or("-").to_string();
            vec![
                d["mac"].as_str().unwrap_or("").to_string(),
                d["ip"].as_str().unwrap_or("").to_string(),
                field("hostname"),
                field("vendor"),
                online,
            ]
        })
        .collect();
    Ok(table::render(
        &["MAC", "IP", "HOSTNAME", "VENDOR", "ONLINE"],
        &rows,
    ))
}

/// `auth DEVICE --profile NAME`
pub fn auth(socket: &Path, device: &str, profile: &str) -> Result<String, CliError> {
    let v = control::request(
        socket,
        &Request::Auth {
            device: device.to_string(),
            profile: profile.to_string(),
        },
    )?;
    Ok(format!(
        "{} ({}) authorised with {}\n",
        v["mac"].as_str().unwrap_or(device),
        v["ip"].as_str().unwrap_or(""),
        v["profile"].as_str().unwrap_or(profile)
    ))
}

/// `deauth DEVICE`
pub fn deauth(socket: &Path, device: &str) -> Result<String, CliError> {
    control::request(
        socket,
        &Request::Deauth {
            device: device.to_string(),
        },
    )?;
    Ok(format!("{device}: session ended\n"))
}
