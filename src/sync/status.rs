//! Where sync stands, for `hotspotd sync status` and `/metrics`. The sync task notes every
//! success and failure in the store as it happens, so the store is the one source: the same
//! answer whether the daemon runs or not.

use serde::Serialize;

use crate::store::{OutboxStats, Store, StoreError, SyncState};

/// The sync's state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncStatus {
    /// Registered with a manager.
    pub registered: bool,
    /// The manager's URL.
    pub manager_url: Option<String>,
    /// The unit's id there.
    pub unit_id: Option<i64>,
    /// Cursor, applied revision, last success and error, removal.
    #[serde(flatten)]
    pub state: SyncState,
    /// The outbox.
    pub outbox: OutboxStats,
    /// Profiles and limitations the manager removed that this unit keeps (users hold them).
    pub kept_removed: Vec<String>,
}

/// Reads the state from the store.
pub fn read(store: &Store, now: i64) -> Result<SyncStatus, StoreError> {
    let identity = store.identity()?;
    Ok(SyncStatus {
        registered: identity.is_some(),
        manager_url: identity.as_ref().map(|i| i.manager_url.clone()),
        unit_id: identity.as_ref().map(|i| i.unit_id),
        state: store.sync_state()?.unwrap_or_default(),
        outbox: store.outbox_stats(now)?,
        kept_removed: store.sync_kept_removals()?,
    })
}

/// The state as Prometheus text.
pub fn metrics(s: &SyncStatus) -> String {
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, value: i64| {
        out += &format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
    };
    gauge(
        "hotspotd_sync_registered",
        "1 when registered with a manager and not removed.",
        i64::from(s.registered && s.state.removed.is_none()),
    );
    gauge(
        "hotspotd_sync_last_success_timestamp_seconds",
        "When the manager last answered (0: never).",
        s.state.last_success.unwrap_or(0),
    );
    gauge(
        "hotspotd_sync_failing",
        "1 when the last attempt failed.",
        i64::from(s.state.last_error.is_some()),
    );
    gauge(
        "hotspotd_sync_outbox_pending",
        "Records waiting for the manager.",
        s.outbox.depth,
    );
    gauge(
        "hotspotd_sync_outbox_oldest_seconds",
        "Age of the oldest waiting record.",
        s.outbox.oldest_secs,
    );
    gauge(
        "hotspotd_sync_cursor",
        "The change feed's cursor applied.",
        s.state.cursor,
    );
    gauge(
        "hotspotd_sync_settings_revision",
        "The manager's settings revision applied.",
        s.state.applied_revision,
    );
    out
}

/// The state for people.
pub fn text(s: &SyncStatus, now: i64) -> String {
    let Some(url) = &s.manager_url else {
        return "Not registered with a manager (hotspotd unit register --manager URL --token T)\n"
            .into();
    };
    let ago = |t: Option<i64>| t.map_or("never".to_string(), |t| format!("{} s ago", now - t));
    let mut out = format!(
        "Manager:        {url} (unit {})\n",
        s.unit_id.unwrap_or_default()
    );
    if let Some(reason) = &s.state.removed {
        out += &format!("Stopped:        the manager removed this unit: {reason}\n");
    }
    out += &format!("Last success:   {}\n", ago(s.state.last_success));
    if let Some(e) = &s.state.last_error {
        out += &format!("Last error:     {e} ({})\n", ago(s.state.last_error_at));
    }
    out += &format!(
        "Outbox:         {} record(s), oldest {} s\nCursor:         {}\nSettings:       revision {}\n",
        s.outbox.depth, s.outbox.oldest_secs, s.state.cursor, s.state.applied_revision
    );
    if let Some(why) = &s.state.settings_skipped {
        out += &format!("Skipped:        settings {why} (the previous settings stay)\n");
    }
    if !s.kept_removed.is_empty() {
        out += &format!(
            "Kept:           {} (removed in the manager; users here hold them; retried)\n",
            s.kept_removed.join(", ")
        );
    }
    out
}
