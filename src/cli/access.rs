//! `hotspotd mac …` and `hotspotd garden …`: access lists in the database, installed by a
//! running daemon at once (or when it starts).

use serde_json::json;

use super::error::{CliError, bad_argument};
use super::notify::tell_daemon;
use super::table;
use super::{GardenCommand, MacCommand};
use crate::config::{Config, GardenEntry, parse_garden_entry, parse_mac};
use crate::control::Request;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::units::format_rate;
use crate::store::MacRule;

use super::parse::opt_rate;

/// A rate for the MAC list: "unlimited" when there is none.
fn rate_text(bps: Option<u64>) -> String {
    bps.map(format_rate).unwrap_or_else(|| "unlimited".into())
}

fn applied(config: &Config) -> Result<&'static str, CliError> {
    Ok(
        match tell_daemon(&config.state_paths(), &Request::ReloadAccess)? {
            Some(_) => "applied",
            None => "applied when the daemon starts",
        },
    )
}

/// `hotspotd mac …`
pub fn mac(config: &Config, cmd: &MacCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(&config.state_paths())?;
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
                applied(config)?
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
            Ok(format!("{} is blocked ({})\n", rule.mac, applied(config)?))
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
            let mut rules: Vec<(MacRule, &str)> =
                store.mac_rules()?.into_iter().map(|r| (r, "cli")).collect();
            rules.extend(config.allow_macs.iter().map(|a| {
                let rule = MacRule {
                    mac: a.mac.clone(),
                    kind: "allow".into(),
                    description: a.note.clone(),
                    rate_down_bps: a.rate_down_bps,
                    rate_up_bps: a.rate_up_bps,
                };
                (rule, "config")
            }));
            rules.extend(config.block_macs.iter().map(|m| {
                let rule = MacRule {
                    mac: m.clone(),
                    kind: "block".into(),
                    description: String::new(),
                    rate_down_bps: None,
                    rate_up_bps: None,
                };
                (rule, "config")
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
pub fn garden(config: &Config, cmd: &GardenCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(&config.state_paths())?;
    let parse = |d: &str| {
        parse_garden_entry(d)
            .map(|entry| match entry {
                GardenEntry::Network(net) => net.to_string(),
                GardenEntry::Domain(pattern) => pattern.to_string(),
            })
            .map_err(|problem| bad_argument("<DESTINATION>", problem))
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
            let from_config = config.garden.iter().map(ToString::to_string);
            let domains = config.garden_domains.iter().map(ToString::to_string);
            rows.extend(
                from_config
                    .chain(domains)
                    .map(|d| vec![d, String::new(), "config".into()]),
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
