//! `hotspotd user …`: guest accounts and the profile queues of any user (vouchers by id).
//! Changes go to the database; a running daemon is told to re-read an online user.

use std::io::Read;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde_json::json;

use super::UserCommand;
use super::error::{CliError, usage};
use super::notify::tell_daemon;
use super::table;
use super::voucher::max_logins;
use crate::config::StatePaths;
use crate::control::Request;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::profile::{State, can_remove};
use crate::model::units::format_duration;
use crate::model::voucher::VoucherState;
use crate::model::voucher_code::VoucherCode;
use crate::store::{Store, User};

fn valid_username(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
        && !name.chars().all(|c| c.is_ascii_digit())
}

/// A user by username, or by id (all digits: vouchers have no username).
fn find(store: &Store, who: &str) -> Result<User, CliError> {
    let user = match who.parse::<i64>() {
        Ok(id) => store.user(id)?,
        Err(_) => store.account(who)?.map(|(u, _)| u),
    };
    user.ok_or_else(|| CliError::NotFound(format!("no user {who:?} (a username, or a voucher id)")))
}

fn hash_password(password: &str) -> Result<String, CliError> {
    let mut bytes = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| CliError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| CliError::Hash(e.to_string()))?;
    // Argon2::default() is argon2id, version 19, m = 19 MiB, t = 2, p = 1 (OWASP's minimum).
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CliError::Hash(e.to_string()))
}

fn label(u: &User) -> String {
    u.username
        .clone()
        .unwrap_or_else(|| format!("voucher {}", u.id))
}

/// `hotspotd user …`
pub fn user(paths: &StatePaths, cmd: &UserCommand) -> Result<String, CliError> {
    let (mut store, _) = open_state(paths)?;
    let now = now();
    match cmd {
        UserCommand::Add {
            username,
            password_stdin,
            profile,
            uses,
            note,
        } => {
            if !valid_username(username) {
                return Err(usage(
                    "username",
                    "use 1–64 letters, digits or . _ - @, not only digits",
                ));
            }
            if store.account(username)?.is_some() {
                return Err(CliError::Refused(format!(
                    "user {username:?} exists already"
                )));
            }
            let profile = match profile {
                Some(name) => Some(
                    store
                        .profile_by_name(name)?
                        .ok_or_else(|| CliError::NotFound(format!("no profile named {name:?}")))?,
                ),
                None => None,
            };
            let (password, generated) = if *password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| usage("password-stdin", e))?;
                let text = text.trim_end_matches(['\r', '\n']).to_string();
                if text.len() < 6 {
                    return Err(usage(
                        "password-stdin",
                        "the password needs at least 6 characters",
                    ));
                }
                (text, false)
            } else {
                (VoucherCode::generate()?.display(), true)
            };
            let id = store.insert_account(
                username,
                &hash_password(&password)?,
                note,
                max_logins(uses)?,
                now,
            )?;
            if let Some(p) = &profile {
                store.assign_profile(id, (p.id, p.clock), now)?;
            }
            let mut out = format!("user {username} created (id {id})");
            if let Some(p) = profile {
                out += &format!(" with profile {}", p.name);
            }
            if generated {
                out += &format!("\npassword: {password}");
            }
            Ok(out + "\n")
        }
        UserCommand::List { json } => {
            let users = store.list_users(false)?;
            let mut rows = Vec::new();
            let mut items = Vec::new();
            for u in users {
                let queue = store.assignments(u.id, now)?;
                let state = VoucherState::of(&u, &queue, now);
                rows.push(vec![
                    u.id.to_string(),
                    label(&u),
                    state.to_string(),
                    queue
                        .iter()
                        .filter(|a| a.state != State::Used)
                        .count()
                        .to_string(),
                    u.note.clone(),
                ]);
                items.push(json!({"id": u.id, "username": u.username, "state": state, "profiles": queue, "note": u.note}));
            }
            if *json {
                return Ok(json!(items).to_string() + "\n");
            }
            Ok(table::render(
                &["ID", "USER", "STATE", "PROFILES", "NOTE"],
                &rows,
            ))
        }
        UserCommand::Show { user, json } => {
            let u = find(&store, user)?;
            let queue = store.assignments(u.id, now)?;
            let mut profiles = Vec::new();
            for a in &queue {
                let p = store.profile(a.profile_id)?;
                let usage: Vec<_> = store.usage(a.id)?.into_iter().map(|((lim, period), use_)| json!({"limitation": lim, "period_start": period, "usage": use_})).collect();
                profiles
                    .push(json!({"assignment": a, "profile": p.as_ref().map(|p| &p.name), "profile_for_users": p.as_ref().map(|p| &p.name_for_users), "usage": usage}));
            }
            let rows = store.sessions_of_user(u.id, 20)?;
            let mut parts = store.session_parts(&rows, now)?;
            // Each session with the profiles it ran under and the usage of each part.
            let sessions: Vec<_> = rows
                .iter()
                .map(|s| {
                    let mut v = json!(s);
                    v["profiles"] = json!(parts.remove(&s.id).unwrap_or_default());
                    v
                })
                .collect();
            if *json {
                return Ok(json!({"user": u, "state": VoucherState::of(&u, &queue, now), "profiles": profiles, "sessions": sessions}).to_string() + "\n");
            }
            let mut out = format!(
                "{} (id {}): {}, logins {}{}\n",
                label(&u),
                u.id,
                VoucherState::of(&u, &queue, now),
                u.logins,
                u.max_logins.map_or(String::new(), |m| format!("/{m}"))
            );
            let rows: Vec<_> = queue
                .iter()
                .zip(&profiles)
                .map(|(a, p)| {
                    let left = a.ends_at.map_or("-".to_string(), |e| {
                        if e > now {
                            format_duration((e - now) as u64)
                        } else {
                            "ended".into()
                        }
                    });
                    vec![
                        a.id.to_string(),
                        p["profile"].as_str().unwrap_or("?").to_string(),
                        a.state.as_str().to_string(),
                        left,
                    ]
                })
                .collect();
            out += &table::render(&["ASSIGNMENT", "PROFILE", "STATE", "LEFT"], &rows);
            Ok(out)
        }
        UserCommand::Assign { user, profile } => {
            let u = find(&store, user)?;
            let p = store
                .profile_by_name(profile)?
                .ok_or_else(|| CliError::NotFound(format!("no profile named {profile:?}")))?;
            let a = store.assign_profile(u.id, (p.id, p.clock), now)?;
            tell_daemon(paths, &Request::ReloadUser { user_id: u.id })?;
            Ok(format!(
                "profile {} assigned to {} (assignment {})\n",
                p.name,
                label(&u),
                a.id
            ))
        }
        UserCommand::RemoveProfile { user, assignment } => {
            let u = find(&store, user)?;
            // As the clock has it: a profile that ended while its user was offline is used.
            let queue = store.assignments(u.id, now)?;
            let index = queue
                .iter()
                .position(|a| a.id == *assignment)
                .ok_or_else(|| {
                    CliError::NotFound(format!("{} has no assignment {assignment}", label(&u)))
                })?;
            can_remove(&queue, index).map_err(|e| CliError::Refused(e.to_string()))?;
            store.remove_assignment(u.id, *assignment)?;
            tell_daemon(paths, &Request::ReloadUser { user_id: u.id })?;
            Ok(format!(
                "assignment {assignment} removed from {}\n",
                label(&u)
            ))
        }
        UserCommand::Disable { user } => {
            let u = find(&store, user)?;
            if !store.disable_user(u.id, now)? {
                return Err(CliError::Refused(format!(
                    "{} is disabled already",
                    label(&u)
                )));
            }
            let ended = tell_daemon(paths, &Request::EndUser { user_id: u.id })?
                .map_or(0, |d| d["ended"].as_u64().unwrap_or(0));
            Ok(format!(
                "{} disabled, {ended} device(s) logged off\n",
                label(&u)
            ))
        }
        UserCommand::ResetCounters { user } => {
            let u = find(&store, user)?;
            let rows = store.reset_usage(u.id)?;
            tell_daemon(paths, &Request::ReloadUser { user_id: u.id })?;
            Ok(format!("{}: {rows} usage counter(s) cleared\n", label(&u)))
        }
    }
}
