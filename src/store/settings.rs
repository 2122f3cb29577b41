//! The hotspot settings document, one row per accepted revision: the highest is in force,
//! the older ones are history (`hotspotd settings history`, `rollback`).

use rusqlite::{OptionalExtension, params};
use thiserror::Error;

use super::{Store, StoreError, to_i64, to_u64};
use crate::model::settings::{HotspotSettings, SettingsError};

/// A saved revision, without its document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SettingsRevision {
    /// Its number.
    pub revision: u64,
    /// Who saved it: `cli`, `import`, `seed`, `rollback`, …
    pub source: String,
    /// When (Unix seconds).
    pub updated_at: i64,
}

/// The outcome of a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// The revision in force after it.
    pub revision: u64,
    /// False when the document equalled the one in force (no revision was added).
    pub changed: bool,
}

/// A document that was not saved.
#[derive(Debug, Error)]
pub enum SaveError {
    /// It does not validate; nothing changed.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<SettingsError>),
    /// It was edited from a revision that is no longer the one in force.
    #[error(
        "the settings changed meanwhile (revision {current}, the edit started from {base}); nothing was saved: run the command again"
    )]
    Stale {
        /// The revision the edit started from.
        base: u64,
        /// The revision in force.
        current: u64,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for SaveError {
    fn from(e: rusqlite::Error) -> Self {
        SaveError::Store(e.into())
    }
}

fn parse(revision: i64, text: &str) -> Result<HotspotSettings, StoreError> {
    let mut doc: HotspotSettings = serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        column: "hotspot_settings.document",
        value: format!("revision {revision}: {e}"),
    })?;
    doc.revision = to_u64(revision);
    Ok(doc)
}

impl Store {
    /// The document in force; `None` before the first save.
    pub fn hotspot_settings(&self) -> Result<Option<HotspotSettings>, StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT revision, document FROM hotspot_settings ORDER BY revision DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(rev, text)| parse(rev, &text)).transpose()
    }

    /// An older (or the current) revision's document.
    pub fn settings_revision(&self, revision: u64) -> Result<Option<HotspotSettings>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT document FROM hotspot_settings WHERE revision = ?1",
                [to_i64(revision)],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| parse(to_i64(revision), &t)).transpose()
    }

    /// Every revision, newest first.
    pub fn settings_history(&self) -> Result<Vec<SettingsRevision>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT revision, source, updated_at FROM hotspot_settings ORDER BY revision DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SettingsRevision {
                revision: to_u64(r.get(0)?),
                source: r.get(1)?,
                updated_at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Validates `doc` and, in one transaction, stores it as the next revision. A document
    /// equal to the one in force adds none; with `base`, a document edited from another
    /// revision than the one in force is refused (two edits never silently overwrite each
    /// other). An invalid document changes nothing. The document's own `revision` is ignored.
    pub fn save_hotspot_settings(
        &mut self,
        doc: &HotspotSettings,
        base: Option<u64>,
        source: &str,
        now: i64,
    ) -> Result<Saved, SaveError> {
        let tx = self.conn.transaction()?;
        let saved = save_in(&tx, doc, base, source, now)?;
        tx.commit()?;
        Ok(saved)
    }
}

/// Saves a revision inside the caller's transaction (see [`Store::save_hotspot_settings`]).
pub(super) fn save_in(
    tx: &rusqlite::Transaction,
    doc: &HotspotSettings,
    base: Option<u64>,
    source: &str,
    now: i64,
) -> Result<Saved, SaveError> {
    let errors = doc.validate();
    if !errors.is_empty() {
        return Err(SaveError::Invalid(errors));
    }
    let current: Option<(i64, String)> = tx
        .query_row(
            "SELECT revision, document FROM hotspot_settings ORDER BY revision DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let current_rev = current.as_ref().map_or(0, |(r, _)| to_u64(*r));
    if let Some(base) = base.filter(|b| *b != current_rev) {
        return Err(SaveError::Stale {
            base,
            current: current_rev,
        });
    }
    if let Some((rev, text)) = &current
        && let Ok(in_force) = parse(*rev, text)
        && (HotspotSettings {
            revision: in_force.revision,
            ..doc.clone()
        }) == in_force
    {
        return Ok(Saved {
            revision: current_rev,
            changed: false,
        });
    }
    let revision = current_rev + 1;
    let stored = HotspotSettings {
        revision,
        ..doc.clone()
    };
    let text = serde_json::to_string(&stored).map_err(|e| StoreError::Corrupt {
        column: "hotspot_settings.document",
        value: e.to_string(),
    })?;
    tx.execute(
            "INSERT INTO hotspot_settings (revision, document, source, updated_at) VALUES (?1, ?2, ?3, ?4)",
            params![to_i64(revision), text, source, now],
        )?;
    Ok(Saved {
        revision,
        changed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_grow_history_stays_and_bad_documents_change_nothing() {
        let mut s = Store::open_in_memory().unwrap();
        assert_eq!(s.hotspot_settings().unwrap(), None);
        let doc = HotspotSettings::default();
        let first = s.save_hotspot_settings(&doc, None, "seed", 10).unwrap();
        assert_eq!((first.revision, first.changed), (1, true));
        let same = s.save_hotspot_settings(&doc, Some(1), "cli", 11).unwrap();
        assert_eq!((same.revision, same.changed), (1, false));
        let renamed = doc.with_field("name", "Bar Roma").unwrap();
        assert_eq!(
            s.save_hotspot_settings(&renamed, Some(1), "cli", 12)
                .unwrap()
                .revision,
            2
        );
        let bad = HotspotSettings {
            name: String::new(),
            ..renamed.clone()
        };
        assert!(matches!(
            s.save_hotspot_settings(&bad, None, "cli", 13),
            Err(SaveError::Invalid(e)) if e[0].field == "name"
        ));
        assert!(matches!(
            s.save_hotspot_settings(&doc, Some(1), "cli", 14),
            Err(SaveError::Stale {
                base: 1,
                current: 2
            })
        ));
        let now = s.hotspot_settings().unwrap().unwrap();
        assert_eq!((now.revision, now.name.as_str()), (2, "Bar Roma"));
        assert_eq!(s.settings_revision(1).unwrap().unwrap().name, doc.name);
        let history = s.settings_history().unwrap();
        let revs: Vec<_> = history
            .iter()
            .map(|h| (h.revision, h.source.as_str()))
            .collect();
        assert_eq!(revs, [(2, "cli"), (1, "seed")]);
    }
}
