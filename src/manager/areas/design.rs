//! Captive portal customisation: the `design` section of the hotspot settings document edited
//! as a draft (one per hotspot, kept across logins, with who and when), its images stored by
//! content hash per hotspot, and "publish" saving the draft as the next settings revision
//! through `settings_doc::save`. Earlier revisions are never changed; "restore" copies an
//! earlier revision's design into the draft. Shared by the pages (`design_pages`) and the JSON
//! handlers here.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Json;
use super::settings_doc::{self, Revision};
use super::vouchers::hotspot_of;
use super::{audit, design_assets};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{Conn, Mode};
use crate::manager::error::Error;
use crate::model::settings::design::Design;
use crate::model::settings::{Format, HotspotSettings, SettingsError};

/// The draft being edited.
#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    /// The design as last saved.
    pub design: Design,
    /// Who saved it last.
    pub updated_by: String,
    /// When, Unix seconds.
    pub updated_at: i64,
}

/// The draft of `hotspot`, if someone saved one.
pub fn draft(c: &mut dyn Conn, hotspot: i64) -> Result<Option<Draft>, Error> {
    let Some(r) = c.query_opt(
        "SELECT design, updated_by, updated_at FROM design_drafts WHERE hotspot_id = $1",
        &[hotspot.into()],
    )?
    else {
        return Ok(None);
    };
    let design = serde_json::from_str(&r.text(0)?).map_err(|e| {
        tracing::error!(error = %e, hotspot, "stored splash draft unreadable");
        Error::Internal
    })?;
    Ok(Some(Draft {
        design,
        updated_by: r.text(1)?,
        updated_at: r.int(2)?,
    }))
}

/// What the editor starts from: the draft, or else the design in force.
pub fn editing(c: &mut dyn Conn, hotspot: i64) -> Result<(HotspotSettings, Option<Draft>), Error> {
    Ok((settings_doc::current(c, hotspot)?, draft(c, hotspot)?))
}

/// Every problem of `design` inside the document in force: the model's own checks of the
/// design section (colours and their contrast, lengths, links, dates) and, for each image,
/// that it was uploaded for this hotspot.
pub fn problems(
    c: &mut dyn Conn,
    hotspot: i64,
    doc: &HotspotSettings,
    design: &Design,
) -> Result<Vec<SettingsError>, Error> {
    let whole = HotspotSettings {
        design: design.clone(),
        ..doc.clone()
    };
    let mut errors: Vec<_> = (whole.validate().into_iter())
        .filter(|e| e.field.starts_with("design"))
        .collect();
    for (field, id) in design.images() {
        if id.check().is_ok() && !design_assets::has(c, hotspot, id)? {
            errors.push(SettingsError::new(
                field,
                format!("{id} is not an image uploaded for this hotspot"),
                "upload the image on this hotspot's design page first",
            ));
        }
    }
    Ok(errors)
}

/// Saves `design` as the draft of `hotspot` if it has no problem; otherwise changes nothing.
pub async fn save_draft(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    design: Design,
    what: String,
) -> Result<(), Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let doc = settings_doc::current(c, hotspot)?;
        let errors = problems(c, hotspot, &doc, &design)?;
        if !errors.is_empty() {
            return Err(Error::Settings(errors));
        }
        write_draft(c, hotspot, &design, &p.username, now)?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(c, p.actor(), now, "save splash draft", &what, Some(tenant))?;
        Ok(())
    })
    .await
}

fn write_draft(
    c: &mut dyn Conn,
    hotspot: i64,
    design: &Design,
    by: &str,
    now: i64,
) -> Result<(), Error> {
    let text = serde_json::to_string(design).map_err(|_| Error::Internal)?;
    c.execute(
        "INSERT INTO design_drafts (hotspot_id, design, updated_by, updated_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (hotspot_id) DO UPDATE
         SET design = excluded.design, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at",
        &[hotspot.into(), text.into(), by.into(), now.into()],
    )?;
    Ok(())
}

/// Removes the draft; the design in force stays as it is.
pub async fn discard(s: &ManagerState, p: &Principal, hotspot: i64) -> Result<(), Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let n = c.execute(
            "DELETE FROM design_drafts WHERE hotspot_id = $1",
            &[hotspot.into()],
        )?;
        if n == 0 {
            return Err(Error::invalid(
                "draft",
                "does not exist; nothing to discard",
            ));
        }
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(
            c,
            p.actor(),
            now,
            "discard splash draft",
            "draft",
            Some(tenant),
        )?;
        Ok(())
    })
    .await
}

/// Publishes the draft: the document in force with the draft's design, validated whole and
/// saved as the revision after `base` (refused if anyone saved one since); the draft goes.
pub async fn publish(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    base: u64,
) -> Result<HotspotSettings, Error> {
    let what = "design published from the draft".to_string();
    settings_doc::save(
        s,
        p,
        hotspot,
        base,
        "publish splash design",
        what,
        move |c, doc| {
            let Some(d) = draft(c, hotspot)? else {
                return Err(Error::invalid(
                    "draft",
                    "does not exist; save a draft before publishing",
                ));
            };
            let errors = problems(c, hotspot, &doc, &d.design)?;
            if !errors.is_empty() {
                return Err(Error::Settings(errors));
            }
            c.execute(
                "DELETE FROM design_drafts WHERE hotspot_id = $1",
                &[hotspot.into()],
            )?;
            Ok(HotspotSettings {
                design: d.design,
                ..doc
            })
        },
    )
    .await
}

/// Puts the design of the earlier `revision` into the draft, to be looked at in the preview
/// and published like any other draft (a restore that went live at once would surprise a
/// venue looking for an old version); no revision changes.
pub async fn restore(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    revision: i64,
) -> Result<(), Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let row = c.query_opt(
            "SELECT document FROM hotspot_settings WHERE hotspot_id = $1 AND revision = $2",
            &[hotspot.into(), revision.into()],
        )?;
        let Some(row) = row else {
            return Err(Error::invalid(
                "revision",
                "is not a saved revision of this hotspot; choose one from the list",
            ));
        };
        let doc = HotspotSettings::from_text(&row.text(0)?, Format::Json).map_err(|e| {
            tracing::error!(error = %e, hotspot, revision, "stored hotspot settings unreadable");
            Error::Internal
        })?;
        write_draft(c, hotspot, &doc.design, &p.username, now)?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        let what = format!("design of revision {revision} into the draft");
        audit::record(
            c,
            p.actor(),
            now,
            "restore splash design",
            &what,
            Some(tenant),
        )?;
        Ok(())
    })
    .await
}

/// The design view as the API shows it.
#[derive(Debug, Serialize)]
pub struct View {
    /// The revision in force (publish with it as `revision`).
    pub revision: u64,
    /// The design in force.
    pub published: Design,
    /// The draft, if there is one.
    pub draft: Option<Draft>,
    /// Earlier revisions, newest first.
    pub revisions: Vec<Revision>,
}

/// How many earlier revisions the page and the API list.
pub const LISTED: i64 = 20;

/// The design view of `hotspot`.
pub async fn view(s: &ManagerState, hotspot: i64) -> Result<View, Error> {
    s.db.tx(Mode::Read, move |c| {
        let (doc, draft) = editing(c, hotspot)?;
        Ok(View {
            revision: doc.revision,
            published: doc.design,
            draft,
            revisions: settings_doc::revisions(c, hotspot, LISTED)?,
        })
    })
    .await
}

/// `GET /api/v1/hotspots/{hotspot}/design`
pub async fn show_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    Ok(axum::Json(view(&s, hotspot).await?).into_response())
}

/// `PUT /api/v1/hotspots/{hotspot}/design/draft`: the whole design, as the document's
/// `design` section.
pub async fn draft_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(design): Json<Design>,
) -> Result<Response, Error> {
    save_draft(&s, &p, hotspot, design, "draft from the API".into()).await?;
    Ok(axum::Json(view(&s, hotspot).await?).into_response())
}

/// `DELETE /api/v1/hotspots/{hotspot}/design/draft`
pub async fn discard_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    discard(&s, &p, hotspot).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `{"revision": N}`: the revision a publish is based on, or the one to restore.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevisionArg {
    /// The revision.
    pub revision: u64,
}

/// `POST /api/v1/hotspots/{hotspot}/design/publish`
pub async fn publish_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(arg): Json<RevisionArg>,
) -> Result<Response, Error> {
    publish(&s, &p, hotspot, arg.revision).await?;
    Ok(axum::Json(view(&s, hotspot).await?).into_response())
}

/// `POST /api/v1/hotspots/{hotspot}/design/restore`
pub async fn restore_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(arg): Json<RevisionArg>,
) -> Result<Response, Error> {
    let revision =
        i64::try_from(arg.revision).map_err(|_| Error::invalid("revision", "is out of range"))?;
    restore(&s, &p, hotspot, revision).await?;
    Ok(axum::Json(view(&s, hotspot).await?).into_response())
}
