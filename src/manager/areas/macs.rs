//! MAC addresses allowed (reseller, customer, desk): devices that bypass the portal, each
//! with a description and optional rates. They are the `access.allow_macs` list of the
//! hotspot settings document, so every change is a revision validated by the model (a bad
//! address or rate, a device listed twice: refused by field, nothing saved).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::settings_doc;
use super::{Form, Json};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};
use crate::model::settings::{AllowedMac, HotspotSettings, Mac, SettingsError};

/// A new entry (form and JSON alike).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewMac {
    /// `aa:bb:cc:dd:ee:ff` (upper case is read too).
    #[serde(default)]
    pub mac: String,
    /// What the device is.
    #[serde(default)]
    pub note: String,
    /// Download rate, e.g. `10M`; empty: unlimited.
    #[serde(default)]
    pub down: String,
    /// Upload rate; empty: unlimited.
    #[serde(default)]
    pub up: String,
}

impl NewMac {
    /// The entry as the document writes it (rates left out when empty).
    fn entry(&self) -> Value {
        let mut e = json!({"mac": self.mac.trim(), "note": self.note.trim()});
        for (k, v) in [("down", &self.down), ("up", &self.up)] {
            if !v.trim().is_empty() {
                e[k] = json!(v.trim());
            }
        }
        e
    }
}

async fn load(s: &ManagerState, hotspot: i64) -> Result<HotspotSettings, Error> {
    s.db.tx(Mode::Read, move |c| settings_doc::current(c, hotspot))
        .await
}

/// Saves `list` as the allowlist of the document `doc` was read at.
async fn save(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    doc: &HotspotSettings,
    list: Vec<Value>,
    action: &'static str,
) -> Result<Vec<AllowedMac>, Error> {
    let edits = vec![(
        "access.allow_macs".to_string(),
        Value::Array(list).to_string(),
    )];
    let doc = settings_doc::change(s, p, hotspot, doc.revision, edits, action).await?;
    Ok(doc.access.allow_macs)
}

/// Adds `new` to the allowlist.
pub async fn add(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    new: &NewMac,
) -> Result<Vec<AllowedMac>, Error> {
    let doc = load(s, hotspot).await?;
    let mut list: Vec<Value> = doc
        .access
        .allow_macs
        .iter()
        .map(|a| serde_json::to_value(a).unwrap_or(Value::Null))
        .collect();
    list.push(new.entry());
    save(s, p, hotspot, &doc, list, "allow MAC address").await
}

/// Removes `mac` from the allowlist; one not listed is not found.
pub async fn remove(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    mac: &str,
) -> Result<Vec<AllowedMac>, Error> {
    let mac = Mac::parse(mac).ok_or(Error::NotFound)?;
    let doc = load(s, hotspot).await?;
    if !doc.access.allow_macs.iter().any(|a| a.mac == mac) {
        return Err(Error::NotFound);
    }
    let list = doc
        .access
        .allow_macs
        .iter()
        .filter(|a| a.mac != mac)
        .map(|a| serde_json::to_value(a).unwrap_or(Value::Null))
        .collect();
    save(s, p, hotspot, &doc, list, "remove allowed MAC address").await
}

#[derive(Template)]
#[template(path = "manager/macs.html")]
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    macs: Vec<AllowedMac>,
    new: NewMac,
    errors: Vec<SettingsError>,
}

/// `GET /hotspots/{hotspot}/macs`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    let doc = load(&s, hotspot).await?;
    render(&Page {
        nav: Nav::of(&p),
        hotspot,
        name: doc.name,
        macs: doc.access.allow_macs,
        new: NewMac::default(),
        errors: Vec::new(),
    })
}

/// `POST /hotspots/{hotspot}/macs`: added, or the page again with the refusal.
pub async fn add_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(new): Form<NewMac>,
) -> Result<Response, Error> {
    match add(&s, &p, hotspot, &new).await {
        Ok(_) => Ok(see_other(&format!("/hotspots/{hotspot}/macs"))),
        Err(Error::Settings(errors)) => {
            let doc = load(&s, hotspot).await?;
            let mut res = render(&Page {
                nav: Nav::of(&p),
                hotspot,
                name: doc.name,
                macs: doc.access.allow_macs,
                new,
                errors,
            })?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// `POST /hotspots/{hotspot}/macs/{mac}/delete`
pub async fn remove_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, mac)): Path<(i64, String)>,
) -> Result<Response, Error> {
    remove(&s, &p, hotspot, &mac).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/macs")))
}

/// `GET /api/v1/hotspots/{hotspot}/macs`
pub async fn list_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    Ok(axum::Json(load(&s, hotspot).await?.access.allow_macs).into_response())
}

/// `POST /api/v1/hotspots/{hotspot}/macs`: the allowlist after the addition.
pub async fn add_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(new): Json<NewMac>,
) -> Result<Response, Error> {
    let list = add(&s, &p, hotspot, &new).await?;
    Ok((StatusCode::CREATED, axum::Json(list)).into_response())
}

/// `DELETE /api/v1/hotspots/{hotspot}/macs/{mac}`: the allowlist after the removal.
pub async fn remove_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, mac)): Path<(i64, String)>,
) -> Result<Response, Error> {
    Ok(axum::Json(remove(&s, &p, hotspot, &mac).await?).into_response())
}
