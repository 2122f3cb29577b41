//! The hotspot settings document (`model::settings::HotspotSettings`) as the manager keeps it:
//! one row per accepted revision, the latest in force. Every view that edits a part of it
//! (technical preferences, MAC addresses, later the splash design) goes through `change`:
//! edits applied by the model's `with_field`, the whole document validated, saved as the next
//! revision only if valid and only if nobody saved another revision meanwhile.

use serde::Serialize;

use super::vouchers::hotspot_of;
use super::{audit, profiles};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{Conn, Mode};
use crate::manager::error::Error;
use crate::manager::sync::feed::{self, Subject};
use crate::model::settings::{Format, HotspotSettings, SettingsError};

/// The document in force at `hotspot`: its latest revision, or the defaults (named after the
/// hotspot) at revision 0 before anyone saved one.
pub fn current(c: &mut dyn Conn, hotspot: i64) -> Result<HotspotSettings, Error> {
    let row = c.query_opt(
        "SELECT document FROM hotspot_settings WHERE hotspot_id = $1
         ORDER BY revision DESC LIMIT 1",
        &[hotspot.into()],
    )?;
    match row {
        Some(r) => HotspotSettings::from_text(&r.text(0)?, Format::Json).map_err(|e| {
            tracing::error!(error = %e, hotspot, "stored hotspot settings unreadable");
            Error::Internal
        }),
        None => {
            let (_, name) = hotspot_of(c, hotspot)?;
            // The defaults' name rules (1–64 characters) hold for any hotspot name we store.
            Ok(HotspotSettings {
                name: name.chars().take(64).collect(),
                ..HotspotSettings::default()
            })
        }
    }
}

/// A saved revision as listed.
#[derive(Debug, Serialize)]
pub struct Revision {
    /// Its number.
    pub revision: i64,
    /// Who saved it.
    pub created_by: String,
    /// When, Unix seconds.
    pub created_at: i64,
}

/// The latest `limit` revisions of `hotspot`, newest first.
pub fn revisions(c: &mut dyn Conn, hotspot: i64, limit: i64) -> Result<Vec<Revision>, Error> {
    let rows = c.query(
        "SELECT revision, created_by, created_at FROM hotspot_settings WHERE hotspot_id = $1
         ORDER BY revision DESC LIMIT $2",
        &[hotspot.into(), limit.into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok::<_, crate::manager::db::DbError>(Revision {
                revision: r.int(0)?,
                created_by: r.text(1)?,
                created_at: r.int(2)?,
            })
        })
        .collect::<Result<_, _>>()?)
}

/// The gateway's cross-check (`gateway::settings::cross_checks`) against the hotspot's own
/// profiles: a login method (or the offline pass) this change enables, or whose profile it
/// names, must name a profile the hotspot has. Methods the change leaves alone are not re-judged, so an edit of
/// something else (a MAC address, the design) never fails on them.
fn method_profiles(
    c: &mut dyn Conn,
    hotspot: i64,
    doc: &HotspotSettings,
    edits: &[(String, String)],
) -> Result<Vec<SettingsError>, Error> {
    let m = &doc.methods;
    // (the profile's field, the field that switches its use on, on now, the profile named)
    let uses = [
        (
            "methods.click.profile",
            "methods.click.enabled",
            m.click.enabled,
            &m.click.profile,
        ),
        (
            "methods.email.profile",
            "methods.email.enabled",
            m.email.enabled,
            &m.email.guests.profile,
        ),
        (
            "methods.sms.profile",
            "methods.sms.enabled",
            m.sms.enabled,
            &m.sms.guests.profile,
        ),
        (
            "offline.profile",
            "offline.policy",
            doc.offline.offers_pass(),
            &doc.offline.profile,
        ),
    ];
    let mut errors = Vec::new();
    if edits
        .iter()
        .any(|(f, _)| f.starts_with("methods.") || f.starts_with("offline."))
    {
        profiles::lock(c, hotspot)?;
    }
    for (field, switch, on, profile) in uses {
        let named = edits.iter().any(|(f, _)| f == field);
        let enabling = edits.iter().any(|(f, _)| f == switch);
        if (named || (enabling && on))
            && !profile.is_empty()
            && profiles::by_name(c, hotspot, profile)?.is_none()
        {
            errors.push(SettingsError::new(
                field,
                format!("there is no profile named {profile:?} at this hotspot"),
                "choose one of the hotspot's profiles, or create it under Profiles first",
            ));
        }
    }
    Ok(errors)
}

/// Applies `edits` (dotted field, value as `with_field` reads it) to the document `base`
/// was read at, validates the result and saves it as the next revision. Any refused field,
/// a document that does not validate, or a revision saved since `base` changes nothing.
pub async fn change(
    state: &ManagerState,
    p: &Principal,
    hotspot: i64,
    base: u64,
    edits: Vec<(String, String)>,
    action: &'static str,
) -> Result<HotspotSettings, Error> {
    let fields: Vec<&str> = edits.iter().map(|(f, _)| f.as_str()).collect();
    let what = fields.join(", ");
    save(state, p, hotspot, base, action, what, move |c, mut doc| {
        let mut errors = Vec::new();
        for (field, value) in &edits {
            match doc.with_field(field, value) {
                Ok(d) => doc = d,
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            errors = doc.validate();
        }
        if errors.is_empty() {
            errors = method_profiles(c, hotspot, &doc, &edits)?;
        }
        if errors.is_empty() {
            Ok(doc)
        } else {
            Err(Error::Settings(errors))
        }
    })
    .await
}

/// Saves as the next revision what `edit` makes of the document in force (in the same
/// transaction, so `edit` may check or change rows of its own), if nobody saved a revision
/// after `base` and the result validates; otherwise nothing changes. Audited as `action`
/// with `what` changed.
pub async fn save<F>(
    state: &ManagerState,
    p: &Principal,
    hotspot: i64,
    base: u64,
    action: &'static str,
    what: String,
    edit: F,
) -> Result<HotspotSettings, Error>
where
    F: FnOnce(&mut dyn Conn, HotspotSettings) -> Result<HotspotSettings, Error> + Send + 'static,
{
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            let doc = current(c, hotspot)?;
            if doc.revision != base {
                return Err(Error::Settings(vec![SettingsError::new(
                    "revision",
                    format!(
                        "is {} now: someone saved a change after you opened the page",
                        doc.revision
                    ),
                    "reload the page and make your change again",
                )]));
            }
            let mut doc = edit(c, doc)?;
            let errors = doc.validate();
            if !errors.is_empty() {
                return Err(Error::Settings(errors));
            }
            doc.revision = base + 1;
            let text = doc
                .to_text(Format::Json)
                .map_err(|e| Error::Settings(vec![e]))?;
            let revision = i64::try_from(doc.revision).map_err(|_| Error::Internal)?;
            c.execute(
                "INSERT INTO hotspot_settings (hotspot_id, revision, document, created_by,
                 created_at) VALUES ($1, $2, $3, $4, $5)",
                &[
                    hotspot.into(),
                    revision.into(),
                    text.into(),
                    (&p.username).into(),
                    now.into(),
                ],
            )
            .map_err(|e| match e {
                crate::manager::db::DbError::Unique(_) => {
                    Error::Settings(vec![SettingsError::new(
                        "revision",
                        "was saved by someone else at the same moment",
                        "reload the page and make your change again",
                    )])
                }
                e => Error::from(e),
            })?;
            feed::append(c, hotspot, Subject::Settings, now)?;
            let (tenant, _) = hotspot_of(c, hotspot)?;
            let what = format!("revision {revision}: {what}");
            audit::record(c, p.actor(), now, action, &what, Some(tenant))?;
            Ok(doc)
        })
        .await
}
