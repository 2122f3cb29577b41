//! Changing the hotspot settings: the one path every editor takes (the CLI through the
//! control socket, the CLI on the store while no daemon runs, later the manager and sync).
//! The document is validated, checked against what the store holds, saved as the next
//! revision, and put in force with guests staying online.

use thiserror::Error;
use tracing::{info, warn};

use super::{Gateway, GatewayError, now};
use crate::model::settings::{HotspotSettings, SettingsError};
use crate::store::{SaveError, Saved, Store, StoreError};

/// A settings change that did not happen, or did not fully apply.
#[derive(Debug, Error)]
pub enum SettingsChangeError {
    /// Refused: invalid, stale or not written. Nothing changed.
    #[error(transparent)]
    Refused(#[from] SaveError),
    /// Saved and in force, but the kernel's access lists could not be replaced (the next
    /// table rebuild installs them).
    #[error("saved as revision {revision}, but the access lists could not be installed: {source}")]
    Install {
        /// The revision now in force.
        revision: u64,
        /// Why.
        #[source]
        source: GatewayError,
    },
}

/// Checks of the document against the rest of the store: what a field names must exist,
/// and what it does must not be undone by another list. Every such check is added here, so
/// each editor runs them all.
pub fn cross_checks(
    store: &Store,
    doc: &HotspotSettings,
) -> Result<Vec<SettingsError>, StoreError> {
    let mut errors = super::guests::method_profile_errors(store, doc)?;
    // A device allowed here but blocked with `hotspotd mac block` stays blocked: refuse
    // rather than keep an entry that silently does nothing.
    let blocked: Vec<String> = (store.mac_rules()?.into_iter())
        .filter(|r| r.kind == "block")
        .map(|r| r.mac)
        .collect();
    for (i, a) in doc.access.allow_macs.iter().enumerate() {
        if blocked.iter().any(|b| b == a.mac.as_str()) {
            errors.push(SettingsError::new(
                format!("access.allow_macs[{i}].mac"),
                format!("{} is blocked by `hotspotd mac block`", a.mac),
                format!(
                    "remove it here, or unblock it with `hotspotd mac remove {}`",
                    a.mac
                ),
            ));
        }
    }
    // An image the design names must be stored (a mistyped id would show a broken image).
    if let Some(assets) = store.assets() {
        for (field, id) in doc.design.images() {
            if id.check().is_ok() && !assets.contains(id) {
                errors.push(SettingsError::new(
                    field,
                    format!("no image {id} is stored"),
                    "add it with `hotspotd asset add FILE` and use the id it prints",
                ));
            }
        }
    }
    // A code method names the profile its verified guests get, the offline pass the profile
    // that caps it: it must exist.
    let codes = [
        (
            "methods.email.profile",
            doc.methods.email.enabled,
            &doc.methods.email.guests.profile,
        ),
        (
            "methods.sms.profile",
            doc.methods.sms.enabled,
            &doc.methods.sms.guests.profile,
        ),
        (
            "offline.profile",
            doc.offline.offers_pass(),
            &doc.offline.profile,
        ),
    ];
    for (field, enabled, profile) in codes {
        if enabled && !profile.is_empty() && store.profile_by_name(profile)?.is_none() {
            errors.push(SettingsError::new(
                field,
                format!("there is no profile named {profile:?}"),
                "name one of `hotspotd profile list`, or create it with `hotspotd profile add`",
            ));
        }
    }
    Ok(errors)
}

/// Validates `doc`, runs the [`cross_checks`] and saves it as the next revision (see
/// [`Store::save_hotspot_settings`]). Used by the daemon and, while none runs, by the CLI.
pub fn save_settings(
    store: &mut Store,
    doc: &HotspotSettings,
    base: Option<u64>,
    source: &str,
) -> Result<Saved, SaveError> {
    let mut errors = doc.validate();
    errors.extend(cross_checks(store, doc)?);
    if !errors.is_empty() {
        return Err(SaveError::Invalid(errors));
    }
    store.save_hotspot_settings(doc, base, source, now())
}

impl Gateway {
    /// Saves `new` (edited from revision `base`, if given) and puts it in force at once:
    /// logins read the new timeouts, rates and policy, the portal the new texts, and changed
    /// access lists are installed in one kernel transaction. Guests stay online. Returns
    /// the revision in force; a refused document changes nothing.
    pub async fn apply_settings(
        &self,
        new: HotspotSettings,
        base: Option<u64>,
        source: &str,
    ) -> Result<u64, SettingsChangeError> {
        let source_owned = source.to_string();
        let (saved, in_force) = self
            .store
            .run(move |s| {
                let saved = save_settings(s, &new, base, &source_owned);
                // The stored form (with its revision), read in the same lock.
                let doc = match &saved {
                    Ok(_) => s.hotspot_settings()?,
                    Err(_) => None,
                };
                Ok((saved, doc))
            })
            .await
            .map_err(SaveError::from)?;
        let saved = saved?;
        let Some(doc) = in_force.filter(|_| saved.changed) else {
            return Ok(saved.revision);
        };
        let access_changed = self.hotspot().access != doc.access;
        self.put_in_force(doc);
        info!(
            revision = saved.revision,
            source, "hotspot settings changed"
        );
        if access_changed {
            self.apply_access()
                .await
                .map_err(|source| SettingsChangeError::Install {
                    revision: saved.revision,
                    source,
                })?;
        }
        Ok(saved.revision)
    }

    /// Puts in force the settings another writer saved in the store (the manager's, applied
    /// by sync), as [`Gateway::apply_settings`] does for its own. Guests stay online.
    pub async fn settings_saved(&self) -> Result<(), SettingsChangeError> {
        let stored = self
            .store
            .run(|s| s.hotspot_settings())
            .await
            .map_err(SaveError::from)?;
        let Some(doc) = stored else {
            return Ok(());
        };
        let (revision, access_changed) = (doc.revision, self.hotspot().access != doc.access);
        self.put_in_force(doc);
        info!(revision, "hotspot settings changed by the manager");
        if access_changed {
            self.apply_access()
                .await
                .map_err(|source| SettingsChangeError::Install { revision, source })?;
        }
        Ok(())
    }

    /// Replaces the document in force unless a newer one already is (two changes saved
    /// one after the other may finish in the other order).
    fn put_in_force(&self, doc: HotspotSettings) {
        let mut current = self.hotspot.write().unwrap_or_else(|p| p.into_inner());
        if doc.revision >= current.revision {
            *current = std::sync::Arc::new(doc);
        } else {
            warn!(
                stale = doc.revision,
                current = current.revision,
                "an older settings revision finished last; the newer stays in force"
            );
        }
    }
}
