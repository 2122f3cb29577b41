//! `hotspotd settings …`: show, export, import, set, edit, history and rollback of the hotspot
//! settings document. Every change goes through the running daemon (validated, saved as the
//! next revision, applied at once); without one, it is saved in the store with the same
//! checks and applied when the daemon starts.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;

use super::error::CliError;
use super::notify::tell_daemon;
use super::table;
use crate::config::{Config, PathsOnly, StatePaths};
use crate::control::Request;
use crate::daemon::{open_state, settings_in_force};
use crate::gateway::save_settings;
use crate::model::settings::{Format, HotspotSettings};
use crate::store::Store;

/// `hotspotd settings …`
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print the settings in force (TOML unless --json).
    Show {
        /// As JSON.
        #[arg(long, conflicts_with = "toml")]
        json: bool,
        /// As TOML (the default).
        #[arg(long)]
        toml: bool,
    },
    /// Write the settings to FILE (or standard output); `import` reads them back unchanged.
    Export {
        /// json or toml (default: from FILE's extension, else toml).
        #[arg(long)]
        format: Option<Format>,
        /// Where to write.
        file: Option<PathBuf>,
    },
    /// Replace the settings with FILE's (JSON or TOML, told by its extension or content).
    Import {
        /// The document.
        file: PathBuf,
    },
    /// Change one field, e.g. `name "Bar Roma"`, `sessions.idle_timeout 20m`,
    /// `access.garden '["*.stripe.com"]'`; `null` clears an optional field.
    Set {
        /// Dotted field as `settings show --json` names it.
        field: String,
        /// The new value.
        value: String,
    },
    /// Open the settings (TOML) in $VISUAL or $EDITOR and apply them when it exits.
    Edit,
    /// Every saved revision, newest first.
    History {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Put an earlier revision's document back in force (as a new revision).
    Rollback {
        /// The revision to restore (see `settings history`).
        revision: u64,
    },
}

/// The document in force. Before the daemon's first start the store has none: it is seeded
/// now, as `hotspotd run` would, from the config file's old hotspot keys (or the defaults).
fn in_force(store: &mut Store, config_path: &Path) -> Result<HotspotSettings, CliError> {
    if let Some(doc) = store.hotspot_settings()? {
        return Ok(doc);
    }
    let config = Config::load(config_path, &PathsOnly)?;
    Ok(settings_in_force(store, &config, config_path)?)
}

/// `hotspotd settings …`
pub fn settings(
    paths: &StatePaths,
    config_path: &Path,
    cmd: &SettingsCommand,
) -> Result<String, CliError> {
    let (mut store, _) = open_state(paths)?;
    let current = in_force(&mut store, config_path)?;
    match cmd {
        SettingsCommand::Show { json, .. } => {
            let format = if *json { Format::Json } else { Format::Toml };
            current.to_text(format).map_err(refused)
        }
        SettingsCommand::Export { format, file } => {
            let name = file.as_ref().map(|f| f.display().to_string());
            let format = format.unwrap_or_else(|| match name.as_deref() {
                Some(n) if n.to_ascii_lowercase().ends_with(".json") => Format::Json,
                _ => Format::Toml,
            });
            let text = current.to_text(format).map_err(refused)?;
            match file {
                None => Ok(text),
                Some(path) => {
                    write_file(path, &text)?;
                    Ok(format!(
                        "revision {} written to {}\n",
                        current.revision,
                        path.display()
                    ))
                }
            }
        }
        SettingsCommand::Import { file } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError::NotFound(format!("cannot read {}: {e}", file.display())))?;
            let format = Format::guess(&file.display().to_string(), &text);
            let doc = HotspotSettings::from_text(&text, format).map_err(refused)?;
            change(paths, &mut store, &current, doc, "cli-import")
        }
        SettingsCommand::Set { field, value } => {
            let doc = current.with_field(field, value).map_err(refused)?;
            change(paths, &mut store, &current, doc, "cli-set")
        }
        SettingsCommand::Edit => {
            let doc = edit(&current)?;
            change(paths, &mut store, &current, doc, "cli-edit")
        }
        SettingsCommand::History { json } => {
            let history = store.settings_history()?;
            if *json {
                return Ok(json!(history).to_string() + "\n");
            }
            let rows: Vec<Vec<String>> = history
                .into_iter()
                .map(|h| vec![h.revision.to_string(), local_time(h.updated_at), h.source])
                .collect();
            Ok(table::render(&["REVISION", "SAVED", "BY"], &rows))
        }
        SettingsCommand::Rollback { revision } => {
            let doc = store.settings_revision(*revision)?.ok_or_else(|| {
                CliError::NotFound(format!(
                    "there is no revision {revision} (see `hotspotd settings history`)"
                ))
            })?;
            change(paths, &mut store, &current, doc, "cli-rollback")
        }
    }
}

fn refused(e: impl ToString) -> CliError {
    CliError::Refused(e.to_string())
}

/// Saves `doc` (edited from `current`): through the daemon, which applies it at once, or in
/// the store when none runs.
fn change(
    paths: &StatePaths,
    store: &mut Store,
    current: &HotspotSettings,
    doc: HotspotSettings,
    source: &str,
) -> Result<String, CliError> {
    let base = current.revision;
    let request = Request::SetSettings {
        document: doc.to_text(Format::Json).map_err(refused)?,
        base: Some(base),
        source: source.to_string(),
    };
    let (revision, when) = match tell_daemon(paths, &request)? {
        Some(answer) => (answer["revision"].as_u64().unwrap_or(base), "applied"),
        None => {
            let saved = save_settings(store, &doc, Some(base), source).map_err(refused)?;
            (saved.revision, "applied when the daemon starts")
        }
    };
    Ok(if revision == base {
        format!("settings unchanged (revision {revision})\n")
    } else {
        format!("settings saved as revision {revision} ({when})\n")
    })
}

/// The document after the operator edited it in their editor.
fn edit(current: &HotspotSettings) -> Result<HotspotSettings, CliError> {
    let dir = tempfile_dir()?;
    let path = dir.join("hotspot-settings.toml");
    write_file(&path, &current.to_text(Format::Toml).map_err(refused)?)?;
    let set = |name| {
        std::env::var(name)
            .ok()
            .filter(|v: &String| !v.trim().is_empty())
    };
    let editor = (set("VISUAL").or_else(|| set("EDITOR"))).unwrap_or_else(|| "vi".into());
    // Through the shell, as git does: $EDITOR may carry arguments ("code --wait").
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("{editor} \"$1\""), "sh"])
        .arg(&path)
        .status()
        .map_err(|e| CliError::Refused(format!("cannot run the editor {editor:?}: {e}")))?;
    if !status.success() {
        return Err(CliError::Refused(format!(
            "the editor {editor:?} failed ({status}); nothing changed"
        )));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::Refused(format!("cannot read the edited file: {e}")))?;
    let doc = HotspotSettings::from_text(&text, Format::Toml).map_err(|e| {
        CliError::Refused(format!(
            "{e}\nnothing changed; your edit is kept in {}",
            path.display()
        ))
    })?;
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
    Ok(doc)
}

/// A private directory for the edited copy (the settings may hold SMTP credentials).
fn tempfile_dir() -> Result<PathBuf, CliError> {
    let base = std::env::temp_dir();
    for n in 0..100 {
        let dir = base.join(format!("hotspotd-settings-{}-{n}", std::process::id()));
        match std::fs::DirBuilder::new().create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(CliError::Refused(format!(
                    "cannot create a temporary directory: {e}"
                )));
            }
        }
    }
    Err(CliError::Refused(
        "cannot create a temporary directory".into(),
    ))
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| CliError::Refused(format!("cannot write {}: {e}", path.display())))
}

/// Unix seconds as local `YYYY-MM-DD HH:MM:SS`.
fn local_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| unix.to_string())
}
