//! `hotspotd clients` and `hotspotd kick`, answered by the running daemon.

use super::error::CliError;
use super::table;
use crate::config::Config;
use crate::control::{self, Request};
use crate::gateway::ClientView;
use crate::model::units::{format_duration, format_size};
use crate::neighbours::valid_mac;

fn since(started_at: i64) -> String {
    let secs = crate::gateway::now().saturating_sub(started_at).max(0) as u64;
    format!("{} ago", format_duration(secs))
}

/// `clients`
pub fn clients(config: &Config, json_out: bool) -> Result<String, CliError> {
    let data = control::request(&config.control_socket, &Request::Clients)?;
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
            "VOUCHER",
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
pub fn kick(config: &Config, mac: &str) -> Result<String, CliError> {
    if !valid_mac(&mac.to_ascii_lowercase()) {
        return Err(CliError::Usage {
            option: "mac",
            problem: format!("{mac:?} is not a MAC address like 02:ab:cd:ef:01:23"),
        });
    }
    control::request(
        &config.control_socket,
        &Request::Kick {
            mac: mac.to_string(),
        },
    )?;
    Ok(format!("{mac}: session ended\n"))
}
