//! `hotspotd profile …` and `hotspotd limitation …`, straight on the database.

use serde_json::json;

use super::error::{CliError, bad_argument, usage};
use super::parse::{opt_duration, opt_rate, opt_size, price_cents, time_of_day, weekdays};
use super::table;
use super::{LimitationArgs, LimitationCommand, ProfileArgs, ProfileCommand};
use crate::config::StatePaths;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::limitation::{Attached, Limitation, OutsideWindows, ResetInterval, Window};
use crate::model::profile::ProfileClock;
use crate::model::units::{format_duration, format_price, format_rate, format_size};
use crate::store::{NewProfile, Profile};

fn or_dash<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or("-".to_string(), f)
}

fn describe_limitation(l: &Limitation) -> String {
    let mut parts = Vec::new();
    if let Some(v) = l.uptime_limit {
        parts.push(format!("uptime {}", format_duration(v)));
    }
    for (what, v) in [
        ("download", l.download_limit),
        ("upload", l.upload_limit),
        ("transfer", l.transfer_limit),
    ] {
        if let Some(v) = v {
            parts.push(format!("{what} {}", format_size(v)));
        }
    }
    if l.rate_down_bps.is_some() || l.rate_up_bps.is_some() {
        parts.push(format!(
            "rate {}/{}",
            or_dash(l.rate_down_bps, format_rate),
            or_dash(l.rate_up_bps, format_rate)
        ));
    }
    parts.push(format!("reset {}", l.reset.name()));
    parts.join(", ")
}

fn describe_window(w: &Window) -> String {
    if *w == Window::default() {
        return "always".into();
    }
    let hm = |s: u32| format!("{:02}:{:02}", s / 3600, s % 3600 / 60);
    let days: Vec<&str> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .enumerate()
        .filter(|(i, _)| w.weekdays & (1 << i) != 0)
        .map(|(_, d)| *d)
        .collect();
    format!("{}–{} {}", hm(w.from), hm(w.till), days.join(","))
}

fn describe_attached(a: &Attached) -> String {
    format!(
        "{} ({}) {}",
        a.limitation.name,
        describe_limitation(&a.limitation),
        describe_window(&a.window)
    )
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
    let validity_secs = super::parse::validity(&args.validity)?;
    let starts = super::parse::starts(&args.starts)?;
    let outside_windows = OutsideWindows::from_name(&args.outside_windows)
        .ok_or_else(|| usage("outside-windows", "use deny or unlimited"))?;
    if args.shared_users == 0 {
        return Err(usage("shared-users", "must be at least 1"));
    }
    if args.name.trim().is_empty() {
        return Err(bad_argument("<NAME>", "must not be empty"));
    }
    Ok(NewProfile {
        name: args.name.clone(),
        name_for_users: args
            .name_for_users
            .clone()
            .unwrap_or_else(|| args.name.clone()),
        owner: args.owner.clone(),
        clock: ProfileClock {
            validity_secs,
            starts,
        },
        price_cents: args.price.as_deref().map(price_cents).transpose()?,
        shared_users: args.shared_users,
        outside_windows,
    })
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
            let window = Window {
                from: time_of_day("from", from)?,
                till: time_of_day("till", till)?,
                weekdays: weekdays(days)?,
            };
            if window.from == window.till {
                return Err(usage("till", "the window is empty (from = till)"));
            }
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
    Ok(Limitation {
        id: 0,
        name: args.name.clone(),
        uptime_limit: opt_duration("uptime", &args.uptime)?,
        download_limit: opt_size("download", &args.download)?,
        upload_limit: opt_size("upload", &args.upload)?,
        transfer_limit: opt_size("transfer", &args.transfer)?,
        rate_down_bps: opt_rate("down", &args.down)?,
        rate_up_bps: opt_rate("up", &args.up)?,
        reset: ResetInterval::parse(&args.reset).ok_or_else(|| {
            usage(
                "reset",
                "use never, hourly, daily, weekly, monthly or a duration like 4h",
            )
        })?,
    })
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
