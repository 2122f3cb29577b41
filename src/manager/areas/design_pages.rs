//! The design editor's pages: the form with the draft, image uploads (a plain file form, no
//! script), publish, discard and restore, the live preview (the gateway's own splash renderer
//! on the draft or the design in force).

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::design::{self, Draft};
use super::design_assets;
use super::design_form::{self, FONTS, Group};
use super::settings_doc::Revision;
use super::{Form, Query};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::multipart;
use crate::manager::pages::{FramedBySelf, Nav, render, see_other};
use crate::model::asset::AssetId;
use crate::model::settings::design::{Banner, Day, Design, MAX_BANNERS};
use crate::model::settings::{HotspotSettings, Lang, SettingsError};
use crate::portal::splash::{self, SplashContext};

/// A published revision, as listed.
struct RevisionRow {
    revision: i64,
    by: String,
    at: String,
    current: bool,
}

/// An image of the design, as the page shows it.
struct Image {
    field: String,
    label: String,
    url: String,
}

#[derive(Template)]
#[template(path = "manager/design.html")]
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    revision: u64,
    draft: Option<(String, String)>,
    groups: Vec<Group>,
    fonts: &'static [(&'static str, &'static str)],
    images: Vec<Image>,
    banner_room: bool,
    errors: Vec<SettingsError>,
    revisions: Vec<RevisionRow>,
    lang: &'static str,
    langs: Vec<(&'static str, &'static str)>,
}

fn when(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The asset route of `hotspot`'s image `id`.
pub fn asset_url(hotspot: i64, id: &AssetId) -> String {
    format!("/hotspots/{hotspot}/design/assets/{id}")
}

/// `?lang=…` of the page and the preview.
#[derive(Debug, Default, Deserialize)]
pub struct LangArg {
    /// A language code; default English.
    #[serde(default)]
    pub lang: String,
    /// `published` for the design in force; otherwise the draft (or, without one, the same).
    #[serde(default)]
    pub version: String,
}

fn lang_of(code: &str) -> Result<Lang, Error> {
    if code.is_empty() {
        return Ok(Lang::En);
    }
    (Lang::ALL.into_iter())
        .find(|l| l.code() == code)
        .ok_or_else(|| Error::invalid("lang", "must be one of en, it, de, fr, es, pt"))
}

async fn page_of(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    lang: Lang,
    posted: Option<&[(String, String)]>,
    errors: Vec<SettingsError>,
) -> Result<Page, Error> {
    let (doc, draft, revisions) =
        s.db.tx(Mode::Read, move |c| {
            let (doc, draft) = design::editing(c, hotspot)?;
            let revisions = super::settings_doc::revisions(c, hotspot, design::LISTED)?;
            Ok::<_, Error>((doc, draft, revisions))
        })
        .await?;
    let d = draft.as_ref().map_or(&doc.design, |d| &d.design);
    let mut images = Vec::new();
    for (field, id) in d.images() {
        let label = match field.as_str() {
            "design.logo" => "Logo".to_string(),
            "design.background_image" => "Background image".to_string(),
            f => format!("Banner {}", banner_number(f)),
        };
        let url = asset_url(hotspot, id);
        images.push(Image { field, label, url });
    }
    Ok(Page {
        nav: Nav::of(p),
        hotspot,
        name: doc.name.clone(),
        revision: doc.revision,
        draft: draft
            .as_ref()
            .map(|d| (d.updated_by.clone(), when(d.updated_at))),
        groups: design_form::groups(d, posted, &errors),
        fonts: &FONTS,
        banner_room: d.banners.len() < MAX_BANNERS,
        images,
        errors,
        revisions: (revisions.into_iter())
            .map(|r: Revision| RevisionRow {
                current: u64::try_from(r.revision) == Ok(doc.revision),
                at: when(r.created_at),
                by: r.created_by,
                revision: r.revision,
            })
            .collect(),
        lang: lang.code(),
        langs: (Lang::ALL.into_iter())
            .map(|l| (l.code(), l.native_name()))
            .collect(),
    })
}

/// `design.banners[2].image` → 3.
fn banner_number(field: &str) -> usize {
    field
        .split_once('[')
        .and_then(|(_, r)| r.split_once(']'))
        .and_then(|(n, _)| n.parse::<usize>().ok())
        .map_or(0, |n| n + 1)
}

async fn refused(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    posted: Option<&[(String, String)]>,
    errors: Vec<SettingsError>,
) -> Result<Response, Error> {
    let mut res = render(&page_of(s, p, hotspot, Lang::En, posted, errors).await?)?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

fn back(hotspot: i64) -> Response {
    see_other(&format!("/hotspots/{hotspot}/design"))
}

/// `GET /hotspots/{hotspot}/design`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(arg): Query<LangArg>,
) -> Result<Response, Error> {
    let lang = lang_of(&arg.lang)?;
    render(&page_of(&s, &p, hotspot, lang, None, Vec::new()).await?)
}

async fn draft_or_published(
    s: &ManagerState,
    hotspot: i64,
) -> Result<(HotspotSettings, Design), Error> {
    let (doc, draft) =
        s.db.tx(Mode::Read, move |c| design::editing(c, hotspot))
            .await?;
    let d = draft.map_or_else(|| doc.design.clone(), |d: Draft| d.design);
    Ok((doc, d))
}

/// `POST /hotspots/{hotspot}/design/draft`: the form saved as the draft, or the form again
/// with every refusal at its input and nothing saved.
pub async fn save_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let (doc, base) = draft_or_published(&s, hotspot).await?;
    let saved = match design_form::apply(&doc, &base, &posted) {
        Ok(d) => design::save_draft(&s, &p, hotspot, d, "draft from the form".into()).await,
        Err(errors) => Err(Error::Settings(errors)),
    };
    match saved {
        Ok(()) => Ok(back(hotspot)),
        Err(Error::Settings(errors)) => refused(&s, &p, hotspot, Some(&posted), errors).await,
        Err(e) => Err(e),
    }
}

/// `POST /hotspots/{hotspot}/design/images`: a file form (`slot`: logo, background or
/// banner; `file`): the image checked, stored, and put into the draft.
pub async fn upload_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    req: Request,
) -> Result<Response, Error> {
    let Some(boundary) = multipart::boundary(req.headers()) else {
        return Err(Error::invalid(
            "file",
            "is missing; choose an image file and send the upload form",
        ));
    };
    let parts = multipart::parts(&boundary, multipart::read(req.into_body()).await?).await?;
    let slot = multipart::text(&parts, "slot")
        .unwrap_or_default()
        .to_string();
    let file = (parts.iter().find(|p| p.name == "file"))
        .map(|p| p.data.clone())
        .filter(|d| !d.is_empty())
        .ok_or_else(|| Error::invalid("file", "is missing; choose an image file"))?;
    let (_, mut d) = draft_or_published(&s, hotspot).await?;
    if !["logo", "background", "banner"].contains(&slot.as_str()) {
        return Err(Error::invalid("slot", "must be logo, background or banner"));
    }
    if slot == "banner" && d.banners.len() >= MAX_BANNERS {
        return Err(Error::invalid(
            "slot",
            format!("has {MAX_BANNERS} banners already; remove one first"),
        ));
    }
    let stored = design_assets::upload(&s, &p, hotspot, "file", file).await?;
    match slot.as_str() {
        "logo" => d.logo = Some(stored.id.clone()),
        "background" => d.background_image = Some(stored.id.clone()),
        _ => d.banners.push(Banner {
            image: stored.id.clone(),
            ..Banner::default()
        }),
    }
    let what = format!("{slot} {}", stored.id);
    match design::save_draft(&s, &p, hotspot, d, what).await {
        Ok(()) => Ok(back(hotspot)),
        Err(Error::Settings(errors)) => refused(&s, &p, hotspot, None, errors).await,
        Err(e) => Err(e),
    }
}

/// `revision=N` of the publish and restore forms.
#[derive(Debug, Deserialize)]
pub struct RevisionForm {
    /// The revision.
    pub revision: Option<u64>,
}

fn revision_of(f: &RevisionForm) -> Result<u64, Error> {
    f.revision
        .ok_or_else(|| Error::invalid("revision", "is missing; reload the page"))
}

/// `POST /hotspots/{hotspot}/design/publish`
pub async fn publish_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(f): Form<RevisionForm>,
) -> Result<Response, Error> {
    match design::publish(&s, &p, hotspot, revision_of(&f)?).await {
        Ok(_) => Ok(back(hotspot)),
        Err(Error::Settings(errors)) => refused(&s, &p, hotspot, None, errors).await,
        Err(e) => Err(e),
    }
}

/// `POST /hotspots/{hotspot}/design/discard`
pub async fn discard_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    design::discard(&s, &p, hotspot).await?;
    Ok(back(hotspot))
}

/// `POST /hotspots/{hotspot}/design/restore`
pub async fn restore_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(f): Form<RevisionForm>,
) -> Result<Response, Error> {
    let revision = i64::try_from(revision_of(&f)?)
        .map_err(|_| Error::invalid("revision", "is out of range"))?;
    design::restore(&s, &p, hotspot, revision).await?;
    Ok(back(hotspot))
}

/// What the previewed page may do: draw itself with its own inline style and our images,
/// be framed by the manager's own pages only, and send nothing anywhere (no script, no form
/// target; the iframe is sandboxed as well).
const PREVIEW_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                           form-action 'none'; frame-ancestors 'self'; base-uri 'none'";

/// `GET /hotspots/{hotspot}/design/preview?lang=…&version=…`: the splash page exactly as
/// `portal::splash::render` makes it for guests, with its image links pointed at this
/// hotspot's images here.
pub async fn preview(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(arg): Query<LangArg>,
) -> Result<Response, Error> {
    let lang = lang_of(&arg.lang)?;
    let (doc, draft) = draft_or_published(&s, hotspot).await?;
    let shown = match arg.version.as_str() {
        "published" => doc,
        "" | "draft" => HotspotSettings {
            design: draft,
            ..doc
        },
        _ => return Err(Error::invalid("version", "must be draft or published")),
    };
    let ctx = SplashContext {
        lang,
        dst: String::new(),
        token: String::new(),
        error: None,
        notice: None,
        account_open: false,
        code: String::new(),
        has_offers: false,
        today: Day(chrono::Utc::now().date_naive()),
        rotation: 0,
        offline_pass: false,
    };
    let html = splash::render(&shown, &ctx).map_err(|e| {
        tracing::error!(error = %e, "splash preview");
        Error::Internal
    })?;
    // Asset ids are validated hex names, so these two exact forms are the only links to them
    // (texts are HTML-escaped: a guest-visible text cannot contain `src="`).
    let here = format!("/hotspots/{hotspot}/design/assets/");
    let html = html
        .replace("src=\"/assets/", &format!("src=\"{here}"))
        .replace("url(/assets/", &format!("url({here}"));
    let mut res = Html(html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PREVIEW_CSP),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    res.extensions_mut().insert(FramedBySelf);
    Ok(res)
}
