//! Social login providers of a hotspot (the reseller's): OpenID Connect or plain OAuth2
//! clients the manager speaks to on the unit's behalf (README, "Social login"). Saved by
//! name (the same name again changes it); the client secret is never shown back: a new one
//! replaces it, an empty field keeps it. Every change is audited, without the secret.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::social_login::callback_url;
use super::vouchers::hotspot_of;
use super::{Form, Json, Query, audit};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};
use crate::manager::social::providers::{self, Input, View};

/// Saves `input` as the hotspot's provider `name`; whether it was created.
async fn save(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    name: &str,
    input: Input,
) -> Result<bool, Error> {
    let name = providers::name(name.trim())?;
    let secret_given = !input.client_secret.trim().is_empty();
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let (tenant, _) = hotspot_of(c, hotspot)?;
        let old = providers::get(c, hotspot, &name)?;
        let provider = input.apply(hotspot, &name, old)?;
        let created = providers::save(c, &provider)?;
        let action = if created {
            "add social login provider"
        } else {
            "change social login provider"
        };
        let secret = if secret_given {
            "new secret"
        } else {
            "secret kept"
        };
        let what = format!("{name} ({}, {secret})", provider.kind.as_str());
        audit::record(c, p.actor(), now, action, &what, Some(tenant))?;
        Ok(created)
    })
    .await
}

async fn remove(s: &ManagerState, p: &Principal, hotspot: i64, name: String) -> Result<(), Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let (tenant, _) = hotspot_of(c, hotspot)?;
        if !providers::delete(c, hotspot, &name)? {
            return Err(Error::NotFound);
        }
        audit::record(
            c,
            p.actor(),
            now,
            "remove social login provider",
            &name,
            Some(tenant),
        )?;
        Ok(())
    })
    .await
}

async fn list(s: &ManagerState, hotspot: i64) -> Result<(String, Vec<View>), Error> {
    s.db.tx(Mode::Read, move |c| {
        let (_, name) = hotspot_of(c, hotspot)?;
        let list = providers::list(c, hotspot)?;
        Ok((name, list.iter().map(|p| p.view()).collect()))
    })
    .await
}

/// `GET /api/v1/hotspots/{hotspot}/social-providers`
pub async fn list_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    Ok(axum::Json(list(&s, hotspot).await?.1).into_response())
}

/// `PUT /api/v1/hotspots/{hotspot}/social-providers/{provider}`: the provider as saved.
pub async fn put_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, name)): Path<(i64, String)>,
    Json(input): Json<Input>,
) -> Result<Response, Error> {
    let created = save(&s, &p, hotspot, &name, input).await?;
    let saved = list(&s, hotspot)
        .await?
        .1
        .into_iter()
        .find(|v| v.name == name);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(saved)).into_response())
}

/// `DELETE /api/v1/hotspots/{hotspot}/social-providers/{provider}`
pub async fn delete_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, name)): Path<(i64, String)>,
) -> Result<Response, Error> {
    remove(&s, &p, hotspot, name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Template)]
#[template(path = "manager/social.html")]
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    callback: String,
    providers: Vec<View>,
    /// The form's values: the provider being changed, or a new one's defaults.
    e: View,
    editing: bool,
    error: Option<String>,
}

/// `?edit=name` of the page: that provider's fields in the form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditArgs {
    /// The provider to change.
    pub edit: String,
}

async fn page_with(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    edit: &str,
    error: Option<String>,
) -> Result<Response, Error> {
    let (name, providers) = list(s, hotspot).await?;
    let found = providers.iter().find(|v| v.name == edit).cloned();
    let editing = found.is_some();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&Page {
        nav: Nav::of(p),
        hotspot,
        name,
        callback: callback_url(s),
        providers,
        e: found.unwrap_or_default(),
        editing,
        error,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /hotspots/{hotspot}/social`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(args): Query<EditArgs>,
) -> Result<Response, Error> {
    page_with(&s, &p, hotspot, &args.edit, None).await
}

/// The form: a provider's fields and its name.
#[derive(Deserialize)]
pub struct ProviderForm {
    /// Short name.
    #[serde(default)]
    pub name: String,
    /// The rest.
    #[serde(flatten)]
    pub input: Input,
}

/// `POST /hotspots/{hotspot}/social`: saved, or the page again with the refusal.
pub async fn save_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(form): Form<ProviderForm>,
) -> Result<Response, Error> {
    match save(&s, &p, hotspot, &form.name, form.input).await {
        Ok(_) => Ok(see_other(&format!("/hotspots/{hotspot}/social"))),
        Err(e @ Error::Invalid { .. }) => {
            page_with(&s, &p, hotspot, &form.name, Some(e.to_string())).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /hotspots/{hotspot}/social/{provider}/delete`
pub async fn delete_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, name)): Path<(i64, String)>,
) -> Result<Response, Error> {
    remove(&s, &p, hotspot, name).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/social")))
}
