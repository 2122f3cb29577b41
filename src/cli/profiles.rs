//! `hotspotd profile …` and `hotspotd limitation …`, straight on the database.

use serde_json::json;

use super::error::CliError;
use super::parse::from_spec;
use super::table;
use super::{LimitationArgs, LimitationCommand, ProfileArgs, ProfileCommand};
use crate::config::StatePaths;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::limitation::Limitation;
use crate::model::profile::spec::{LimitationSpec, ProfileSpec, WindowSpec};
use crate::model::profile::words::{describe_attached, describe_limitation, describe_window};
use crate::model::units::{format_duration, format_price};
use crate::store::{NewProfile, Profile};

fn or_dash<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or("-".to_string(), f)
}

fn profile_row(p: &Profile) -> Vec<String> {
    vec![
        p.name.clone(),
        p.name_for_users.clone(),
        or_dash(p.clock.validity_secs, format_duration),
        p.clock.starts.as_str().to_string(),
        or_dash(p.price_cents, format_price),
        p.shared_users.to_string(),
        p.limitations
            .iter()
            .map(|a| a.limitation.name.clone())
            .collect::<Vec<_>>()
            .join(","),
    ]
}

fn new_profile(args: &ProfileArgs) -> Result<NewProfile, CliError> {
    let spec = ProfileSpec {
        name: args.name.clone(),
        name_for_users: args.name_for_users.clone().unwrap_or_default(),
        validity: args.validity.clone(),
        starts: args.starts.clone(),
        price: args.price.clone().unwrap_or_default(),
        shared_users: args.shared_users.to_string(),
        outside_windows: args.outside_windows.clone(),
    };
    spec.checked(&args.owner).map_err(from_spec)
}

/// `hotspotd profile …`
pub fn profile(paths: &StatePaths, cmd: &ProfileCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(paths)?;
    let find = |store: &crate::store::Store, name: &str| {
        store
            .profile_by_name(name)?
            .ok_or_else(|| CliError::NotFound(format!("no profile named {name:?}")))
    };
    match cmd {
        ProfileCommand::Add(args) => {
            let new = new_profile(args)?;
            if store.profile_by_name(&new.name)?.is_some() {
                return Err(CliError::Refused(format!(
                    "a profile named {:?} exists already",
                    new.name
                )));
            }
            let id = store.insert_profile(&new, now())?;
            Ok(format!("profile {} created (id {id})\n", new.name))
        }
        ProfileCommand::List { json } => {
            let profiles = store.list_profiles()?;
            if *json {
                return Ok(json!(profiles).to_string() + "\n");
            }
            let rows: Vec<_> = profiles.iter().map(profile_row).collect();
            Ok(table::render(
                &[
                    "NAME",
                    "FOR USERS",
                    "VALIDITY",
                    "STARTS",
                    "PRICE",
                    "SHARED",
                    "LIMITATIONS",
                ],
                &rows,
            ))
        }
        ProfileCommand::Show { name, json } => {
            let p = find(&store, name)?;
            if *json {
                return Ok(json!(p).to_string() + "\n");
            }
            let mut out = table::render(
                &[
                    "NAME",
                    "FOR USERS",
                    "VALIDITY",
                    "STARTS",
                    "PRICE",
                    "SHARED",
                    "LIMITATIONS",
                ],
                &[profile_row(&p)],
            );
            out += &format!("outside windows: {}\n", p.outside_windows.as_str());
            for a in &p.limitations {
                out += &format!("  {}\n", describe_attached(a));
            }
            Ok(out)
        }
        ProfileCommand::Remove { name } => {
            let p = find(&store, name)?;
            if !store.delete_profile(p.id)? {
                return Err(CliError::Refused(format!(
                    "profile {name:?} is or was assigned to users; it stays for their history"
                )));
            }
            Ok(format!("profile {name} removed\n"))
        }
        ProfileCommand::Attach {
            profile,
            limitation,
            from,
            till,
            days,
        } => {
            let p = find(&store, profile)?;
            let l = store
                .limitation_by_name(limitation)?
                .ok_or_else(|| CliError::NotFound(format!("no limitation named {limitation:?}")))?;
            let window = WindowSpec {
                from: from.clone(),
                till: till.clone(),
                days: days.clone(),
            }
            .checked()
            .map_err(from_spec)?;
            store.attach_limitation(p.id, l.id, window)?;
            Ok(format!(
                "limitation {} attached to profile {}: {}\n",
                l.name,
                p.name,
                describe_window(&window)
            ))
        }
    }
}

fn new_limitation(args: &LimitationArgs) -> Result<Limitation, CliError> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    LimitationSpec {
        name: args.name.clone(),
        uptime: text(&args.uptime),
        download: text(&args.download),
        upload: text(&args.upload),
        transfer: text(&args.transfer),
        down: text(&args.down),
        up: text(&args.up),
        reset: args.reset.clone(),
    }
    .checked()
    .map_err(from_spec)
}

/// `hotspotd limitation …`
pub fn limitation(paths: &StatePaths, cmd: &LimitationCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(paths)?;
    match cmd {
        LimitationCommand::Add(args) => {
            let l = new_limitation(args)?;
            if store.limitation_by_name(&l.name)?.is_some() {
                return Err(CliError::Refused(format!(
                    "a limitation named {:?} exists already",
                    l.name
                )));
            }
            let id = store.insert_limitation(&l)?;
            Ok(format!(
                "limitation {} created (id {id}): {}\n",
                l.name,
                describe_limitation(&l)
            ))
        }
        LimitationCommand::List { json } => {
            let all = store.list_limitations()?;
            if *json {
                return Ok(json!(all).to_string() + "\n");
            }
            let rows: Vec<_> = all
                .iter()
                .map(|l| vec![l.name.clone(), describe_limitation(l)])
                .collect();
            Ok(table::render(&["NAME", "LIMITS"], &rows))
        }
    }
}
