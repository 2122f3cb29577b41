//! The outcome of the latest config reload (SIGHUP), shown by `hotspotd status`: a refused
//! reload leaves the daemon on its previous configuration, and the operator must see that.

use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::gateway::now;

/// The latest reload, shared by the daemon (which reloads) and the control server.
#[derive(Debug, Default)]
pub struct ReloadLog(Mutex<Option<Reload>>);

#[derive(Debug, Clone)]
struct Reload {
    at: i64,
    /// Why the file was refused; `None` when it was applied.
    refused: Option<String>,
}

impl ReloadLog {
    /// The file was read and its live settings applied.
    pub fn applied(&self) {
        self.set(None);
    }

    /// The file did not validate; the running configuration stays.
    pub fn refused(&self, why: String) {
        self.set(Some(why));
    }

    fn set(&self, refused: Option<String>) {
        let mut last = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *last = Some(Reload { at: now(), refused });
    }

    /// `reload` (`none`, `applied` or `refused`), `reload_at` and `reload_error` for the
    /// status answer.
    pub fn status_fields(&self) -> Map<String, Value> {
        let last = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut fields = Map::new();
        let Some(last) = last else {
            fields.insert("reload".into(), json!("none"));
            return fields;
        };
        let outcome = if last.refused.is_some() {
            "refused"
        } else {
            "applied"
        };
        fields.insert("reload".into(), json!(outcome));
        fields.insert("reload_at".into(), json!(last.at));
        if let Some(why) = last.refused {
            fields.insert("reload_error".into(), json!(why));
        }
        fields
    }
}
