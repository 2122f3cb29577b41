//! `hotspotd mac …` and `hotspotd garden …`: access lists in the database, installed by a
//! running daemon at once (or when it starts).

use serde_json::json;

use super::error::{CliError, usage};
use super::notify::tell_daemon;
use super::table;
use super::{GardenCommand, MacCommand};
use crate::config::{Config, GardenEntry, parse_garden_entry, parse_mac};
use crate::control::Request;
use crate::daemon::open_state;
use crate::gateway::now;

fn applied(config: &Config) -> Result<&'static str, CliError> {
    Ok(match tell_daemon(config, &Request::ReloadAccess)? {
        Some(_) => "applied",
        None => "applied when the daemon starts",
    })
}

/// `hotspotd mac …`
pub fn mac(config: &Config, cmd: &MacCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(config)?;
    let parse = |m: &str| {
        parse_mac(m).ok_or_else(|| {
            usage(
                "mac",
                format!("{m:?} is not a MAC address like 02:ab:cd:ef:01:23"),
            )
        })
    };
    match cmd {
        MacCommand::Allow { mac, note } | MacCommand::Block { mac, note } => {
            let kind = if matches!(cmd, MacCommand::Allow { .. }) {
                "allow"
            } else {
                "block"
            };
            let mac = parse(mac)?;
            store.set_mac_rule(&mac, kind, note, now())?;
            let verb = if kind == "allow" {
                "bypasses the portal"
            } else {
                "is blocked"
            };
            Ok(format!("{mac} {verb} ({})\n", applied(config)?))
        }
        MacCommand::Remove { mac } => {
            let mac = parse(mac)?;
            if !store.remove_mac_rule(&mac)? {
                return Err(CliError::NotFound(format!(
                    "{mac} has no rule (config-file entries are changed in the config)"
                )));
            }
            Ok(format!("{mac}: rule removed ({})\n", applied(config)?))
        }
        MacCommand::List { json } => {
            let mut rows: Vec<Vec<String>> = store
                .mac_rules()?
                .into_iter()
                .map(|r| vec![r.mac, r.kind, r.description, "cli".into()])
                .collect();
            rows.extend(
                config
                    .allow_macs
                    .iter()
                    .map(|m| vec![m.clone(), "allow".into(), String::new(), "config".into()]),
            );
            rows.extend(
                config
                    .block_macs
                    .iter()
                    .map(|m| vec![m.clone(), "block".into(), String::new(), "config".into()]),
            );
            if *json {
                let items: Vec<_> = rows
                    .iter()
                    .map(
                        |r| json!({"mac": r[0], "kind": r[1], "description": r[2], "source": r[3]}),
                    )
                    .collect();
                return Ok(json!(items).to_string() + "\n");
            }
            Ok(table::render(
                &["MAC", "KIND", "DESCRIPTION", "SOURCE"],
                &rows,
            ))
        }
    }
}

/// `hotspotd garden …`
pub fn garden(config: &Config, cmd: &GardenCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(config)?;
    let parse = |d: &str| {
        parse_garden_entry(d)
            .map(|entry| match entry {
                GardenEntry::Network(net) => net.to_string(),
                GardenEntry::Domain(pattern) => pattern.to_string(),
            })
            .map_err(|problem| usage("destination", problem))
    };
    match cmd {
        GardenCommand::Add { destination, note } => {
            let net = parse(destination)?;
            store.add_garden(&net.to_string(), note, now())?;
            Ok(format!(
                "{net} is open before login ({})\n",
                applied(config)?
            ))
        }
        GardenCommand::Remove { destination } => {
            let net = parse(destination)?;
            if !store.remove_garden(&net.to_string())? {
                return Err(CliError::NotFound(format!(
                    "{net} is not in the garden (config-file entries are changed in the config)"
                )));
            }
            Ok(format!(
                "{net} removed from the garden ({})\n",
                applied(config)?
            ))
        }
        GardenCommand::List { json } => {
            let mut rows: Vec<Vec<String>> = store
                .garden()?
                .into_iter()
                .map(|g| vec![g.cidr, g.description, "cli".into()])
                .collect();
            rows.extend(
                config
                    .garden
                    .iter()
                    .map(|n| vec![n.to_string(), String::new(), "config".into()]),
            );
            if *json {
                let items: Vec<_> = rows
                    .iter()
                    .map(|r| json!({"destination": r[0], "description": r[1], "source": r[2]}))
                    .collect();
                return Ok(json!(items).to_string() + "\n");
            }
            Ok(table::render(
                &["DESTINATION", "DESCRIPTION", "SOURCE"],
                &rows,
            ))
        }
    }
}
