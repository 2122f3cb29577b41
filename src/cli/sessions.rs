//! `hotspotd sessions`: history with user, profile, device, times, bytes and terminate cause;
//! a session that ran under several profiles (one ended and the next took over) has a line per
//! profile under it, with that part's time and bytes.

use std::collections::HashMap;

use serde_json::json;

use super::error::CliError;
use super::table;
use crate::config::StatePaths;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::units::{format_duration, format_size};

/// `hotspotd sessions [--active] [--limit N] [--json]`
pub fn sessions(
    paths: &StatePaths,
    active: bool,
    limit: u32,
    json_out: bool,
) -> Result<String, CliError> {
    let (store, _) = open_state(paths)?;
    let rows = if active {
        store.active_sessions()?
    } else {
        store.recent_sessions(limit)?
    };
    // Named as operators name them in commands; guests' names too in JSON.
    let profiles: HashMap<i64, (String, String)> = store
        .list_profiles()?
        .into_iter()
        .map(|p| (p.id, (p.name, p.name_for_users)))
        .collect();
    let now = now();
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let mut parts = store.session_parts(&rows, now)?;
    let mut items = Vec::new();
    let mut lines = Vec::new();
    for s in &rows {
        let user = store
            .user(s.user_id)?
            .map(|u| u.username.unwrap_or_else(|| format!("voucher {}", u.id)))
            .unwrap_or_default();
        let (profile, for_users) = profiles.get(&s.profile_id).cloned().unwrap_or_default();
        let duration = s
            .ended_at
            .unwrap_or(now)
            .saturating_sub(s.started_at)
            .max(0) as u64;
        let parts = parts.remove(&s.id).unwrap_or_default();
        let part_lines: Vec<Vec<String>> = match parts.len() {
            0 | 1 => Vec::new(),
            _ => parts
                .iter()
                .map(|p| {
                    let (name, _) = profiles.get(&p.profile_id).cloned().unwrap_or_default();
                    vec![
                        String::new(),
                        String::new(),
                        format!("↳ {name}"),
                        String::new(),
                        String::new(),
                        format_duration(p.duration_secs),
                        format_size(p.bytes_up),
                        format_size(p.bytes_down),
                        String::new(),
                    ]
                })
                .collect(),
        };
        let parts: Vec<_> = parts
            .iter()
            .map(|p| {
                let (name, for_users) = profiles.get(&p.profile_id).cloned().unwrap_or_default();
                json!({"profile": name, "profile_for_users": for_users, "part": p})
            })
            .collect();
        items.push(
            json!({"session": s, "user": user, "profile": profile, "profile_for_users": for_users, "duration_secs": duration, "profiles": parts}),
        );
        lines.push(vec![
            s.id.to_string(),
            user,
            profile,
            s.mac.clone(),
            s.ip.clone(),
            format_duration(duration),
            format_size(s.bytes_up),
            format_size(s.bytes_down),
            s.end_cause.clone().unwrap_or_else(|| "active".into()),
        ]);
        lines.extend(part_lines);
    }
    if json_out {
        return Ok(json!(items).to_string() + "\n");
    }
    Ok(table::render(
        &[
            "ID", "USER", "PROFILE", "MAC", "IP", "DURATION", "UP", "DOWN", "END",
        ],
        &lines,
    ))
}
