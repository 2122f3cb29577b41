//! `hotspotd sessions`: history with user, profile, device, times, bytes and terminate cause.

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
    let mut items = Vec::new();
    let mut lines = Vec::new();
    for s in rows.iter().take(limit as usize) {
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
        items.push(
            json!({"session": s, "user": user, "profile": profile, "profile_for_users": for_users, "duration_secs": duration}),
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
