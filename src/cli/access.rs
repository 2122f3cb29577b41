//! `hotspotd mac …` and `hotspotd garden …`: access lists in the database, installed by a
//! running daemon at once (or when it starts). The lists show the hotspot settings' entries
//! too (changed with `hotspotd settings`).

use serde_json::json;

use super::error::{CliError, bad_argument};
use super::notify::tell_daemon;
use super::table;
use super::{GardenCommand, MacCommand};
use crate::config::StatePaths;
use crate::control::Request;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::access::{parse_garden_entry, parse_mac};
use crate::model::settings::HotspotSettings;
use crate::model::units::format_rate;
use crate::store::{MacRule, Store};

use super::parse::opt_rate;

/// A rate for the MAC list: "unlimited" when there is none.
fn rate_text(bps: Option<u64>) -> String {
    bps.map(format_rate).unwrap_or_else(|| "unlimited".into())
}

fn applied(paths: &StatePaths) -> Result<&'static str, CliError> {
    Ok(match tell_daemon(paths, &Request::ReloadAccess)? {
        Some(_) => "applied",
        None => "applied when the daemon starts",
    })
}

/// The settings document's lists (the defaults before the daemon's first start).
fn settings_of(store: &Store) -> Result<HotspotSettings, CliError> {
    Ok(store.hotspot_settings()?.unwrap_or_default())
}

/// `hotspotd mac …`
pub fn mac(paths: &StatePaths, cmd: &MacCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(paths)?;
    let parse = |m: &str| {
        parse_mac(m).ok_or_else(|| {
            bad_argument(
                "<MAC>",
                format!("{m:?} is not a MAC address like 02:ab:cd:ef:01:23"),
            )
        })
    };
    match cmd {
        MacCommand::Allow {
            mac,
            note,
            down,
            up,
        } => {
            let rule = MacRule {
                mac: parse(mac)?,
                kind: "allow".into(),
                description: note.clone(),
                rate_down_bps: opt_rate("down", down)?,
                rate_up_bps: opt_rate("up", up)?,
            };
            store.set_mac_rule(&rule, now())?;
            let limits = match (rule.rate_down_bps, rule.rate_up_bps) {
                (None, None) => String::new(),
                (d, u) => format!(", limited to {} down / {} up", rate_text(d), rate_text(u)),
            };
            Ok(format!(
                "{} bypasses the portal{limits} ({})\n",
                rule.mac,
                applied(paths)?
            ))
        }
        MacCommand::Block { mac, note } => {
            let rule = MacRule {
                mac: parse(mac)?,
                kind: "block".into(),
                description: note.clone(),
                rate_down_bps: None,
                rate_up_bps: None,
            };
            store.set_mac_rule(&rule, now())?;
            Ok(format!("{} is blocked ({})\n", rule.mac, applied(paths)?))
        }
        MacCommand::Remove { mac } => {
            let mac = parse(mac)?;
            if !store.remove_mac_rule(&mac)? {
                return Err(CliError::NotFound(format!(
                    "{mac} has no rule (the hotspot settings' entries are changed with `hotspotd settings`)"
                )));
            }
            Ok(format!("{mac}: rule removed ({})\n", applied(paths)?))
        }
        MacCommand::List { json } => {
            let mut rules: Vec<(MacRule, &str)> =
                store.mac_rules()?.into_iter().map(|r| (r, "cli")).collect();
            let access = settings_of(&store)?.access;
            rules.extend(access.allow_macs.iter().map(|a| {
                let rule = MacRule {
                    mac: a.mac.to_string(),
                    kind: "allow".into(),
                    description: a.note.clone(),
                    rate_down_bps: a.down.map(|r| r.bps()),
                    rate_up_bps: a.up.map(|r| r.bps()),
                };
                (rule, "settings")
            }));
            rules.extend(access.block_macs.iter().map(|m| {
                let rule = MacRule {
                    mac: m.to_string(),
                    kind: "block".into(),
                    description: String::new(),
                    rate_down_bps: None,
                    rate_up_bps: None,
                };
                (rule, "settings")
            }));
            if *json {
                let items: Vec<_> = rules
                    .iter()
                    .map(|(r, source)| {
                        json!({"mac": r.mac, "kind": r.kind, "description": r.description,
                               "rate_down_bps": r.rate_down_bps, "rate_up_bps": r.rate_up_bps,
                               "source": source})
                    })
                    .collect();
                return Ok(json!(items).to_string() + "\n");
            }
            let rows: Vec<Vec<String>> = rules
                .into_iter()
                .map(|(r, source)| {
                    let (down, up) = if r.kind == "allow" {
                        (rate_text(r.rate_down_bps), rate_text(r.rate_up_bps))
                    } else {
                        (String::new(), String::new())
                    };
                    vec![r.mac, r.kind, down, up, r.description, source.into()]
                })
                .collect();
            Ok(table::render(
                &["MAC", "KIND", "DOWN", "UP", "DESCRIPTION", "SOURCE"],
                &rows,
            ))
        }
    }
}

/// `hotspotd garden …`
pub fn garden(paths: &StatePaths, cmd: &GardenCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(paths)?;
    let parse = |d: &str| {
        parse_garden_entry(d)
            .map(|entry| entry.to_string())
            .map_err(|problem| bad_argument("<DESTINATION>", problem))
    };
    match cmd {
        GardenCommand::Add { destination, note } => {
            let net = parse(destination)?;
            store.add_garden(&net.to_string(), note, now())?;
            Ok(format!(
                "{net} is open before login ({})\n",
                applied(paths)?
            ))
        }
        GardenCommand::Remove { destination } => {
            let net = parse(destination)?;
            if !store.remove_garden(&net.to_string())? {
                return Err(CliError::NotFound(format!(
                    "{net} is not in the garden (the hotspot settings' entries are changed with `hotspotd settings`)"
                )));
            }
            Ok(format!(
                "{net} removed from the garden ({})\n",
                applied(paths)?
            ))
        }
        GardenCommand::List { json } => {
            let mut rows: Vec<Vec<String>> = store
                .garden()?
                .into_iter()
                .map(|g| vec![g.cidr, g.description, "cli".into()])
                .collect();
            let access = settings_of(&store)?.access;
            rows.extend(
                (access.garden.iter())
                    .map(|g| vec![g.0.to_string(), String::new(), "settings".into()]),
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
