//! The profiles view (technical preferences, reseller only): list, create, edit, attach and
//! detach limitations, delete after a confirmation naming what uses the profile; and the same
//! under `/api/v1`. Both go through `profiles`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::profiles::{self, Uses};
use super::vouchers::hotspot_of;
use super::{ConfirmPage, Form, Json, PageArgs, Paged, Query, again, limitations};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};
use crate::model::entities::Profile;
use crate::model::limitation::Limitation;
use crate::model::profile::spec::{ProfileSpec, WindowSpec};
use crate::model::profile::words::{describe_attached, describe_terms};

/// A profile as the pages show it.
pub struct Shown {
    /// The profile.
    pub profile: Profile,
    /// Its terms in words.
    pub terms: String,
    /// Each attached limitation in words, with its id.
    pub attached: Vec<(i64, String)>,
}

impl Shown {
    fn of(profile: Profile) -> Shown {
        Shown {
            terms: describe_terms(
                profile.clock,
                profile.shared_users,
                profile.price_cents,
                &[],
            ),
            attached: (profile.limitations.iter())
                .map(|a| (a.limitation.id, describe_attached(a)))
                .collect(),
            profile,
        }
    }
}

#[derive(Template)]
#[template(path = "manager/profiles.html")]
struct ListPage {
    nav: Nav,
    hotspot: i64,
    name: String,
    profiles: Vec<Shown>,
    form: ProfileSpec,
    /// Why the form's last input was refused.
    error: Option<String>,
}

async fn list_view(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    form: ProfileSpec,
    error: Option<String>,
) -> Result<ListPage, Error> {
    let (name, list) =
        s.db.tx(Mode::Read, move |c| {
            let (_, name) = hotspot_of(c, hotspot)?;
            Ok::<_, Error>((name, profiles::list(c, hotspot, None, 500)?))
        })
        .await?;
    Ok(ListPage {
        nav: Nav::of(p),
        hotspot,
        name,
        profiles: list.into_iter().map(Shown::of).collect(),
        form,
        error,
    })
}

/// `GET /hotspots/{hotspot}/profiles`: the profiles and a form for a new one.
pub async fn list_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    render(&list_view(&s, &p, hotspot, ProfileSpec::default(), None).await?)
}

#[derive(Template)]
#[template(path = "manager/profile.html")]
struct ShowPage {
    nav: Nav,
    hotspot: i64,
    name: String,
    shown: Shown,
    form: ProfileSpec,
    uses: Vec<String>,
    limitations: Vec<Limitation>,
    /// Why the last input was refused.
    error: Option<String>,
}

/// The profile's page; `typed` (the edit form as sent) and `error` after a refusal.
async fn show_view(
    s: &ManagerState,
    p: &Principal,
    (hotspot, id): (i64, i64),
    typed: Option<ProfileSpec>,
    error: Option<String>,
) -> Result<ShowPage, Error> {
    let (name, profile, uses, limitations) =
        s.db.tx(Mode::Read, move |c| {
            let profile = profiles::get(c, hotspot, id)?;
            let uses = profiles::uses(c, hotspot, &profile.name)?;
            Ok::<_, Error>((
                hotspot_of(c, hotspot)?.1,
                profile,
                uses,
                limitations::list(c, hotspot, None, 500)?,
            ))
        })
        .await?;
    Ok(ShowPage {
        nav: Nav::of(p),
        hotspot,
        name,
        form: typed.unwrap_or_else(|| ProfileSpec::of(&profile)),
        shown: Shown::of(profile),
        uses: uses.lines(),
        limitations,
        error,
    })
}

/// `GET /hotspots/{hotspot}/profiles/{profile}`: edit it, attach and detach limitations.
pub async fn show_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    render(&show_view(&s, &p, (hotspot, id), None, None).await?)
}

/// `POST /hotspots/{hotspot}/profiles`
pub async fn create_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(spec): Form<ProfileSpec>,
) -> Result<Response, Error> {
    match profiles::create(&s, &p, hotspot, &spec).await {
        Ok(profile) => Ok(see_other(&format!(
            "/hotspots/{hotspot}/profiles/{}",
            profile.id
        ))),
        Err(e @ Error::Invalid { .. }) => {
            again(&list_view(&s, &p, hotspot, spec, Some(e.to_string())).await?)
        }
        Err(e) => Err(e),
    }
}

/// `POST /hotspots/{hotspot}/profiles/{profile}`
pub async fn edit_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
    Form(spec): Form<ProfileSpec>,
) -> Result<Response, Error> {
    match profiles::edit(&s, &p, hotspot, id, &spec).await {
        Ok(_) => Ok(see_other(&format!("/hotspots/{hotspot}/profiles/{id}"))),
        Err(e @ Error::Invalid { .. }) => {
            again(&show_view(&s, &p, (hotspot, id), Some(spec), Some(e.to_string())).await?)
        }
        Err(e) => Err(e),
    }
}

/// `GET /hotspots/{hotspot}/profiles/{profile}/delete`: what goes, and what stops it.
pub async fn confirm_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    let (profile, uses): (Profile, Uses) =
        s.db.tx(Mode::Read, move |c| {
            let profile = profiles::get(c, hotspot, id)?;
            let uses = profiles::uses(c, hotspot, &profile.name)?;
            Ok::<_, Error>((profile, uses))
        })
        .await?;
    let mut consequences = vec![format!(
        "the profile {} and its {} limitation attachment(s); the limitations themselves stay",
        profile.name,
        profile.limitations.len()
    )];
    consequences.extend(
        uses.lines()
            .into_iter()
            .map(|u| format!("It cannot be deleted while it is {u}: change that first.")),
    );
    render(&ConfirmPage {
        nav: Nav::of(&p),
        what: format!("profile {}", profile.name),
        consequences,
        action: format!("/hotspots/{hotspot}/profiles/{id}/delete"),
        back: format!("/hotspots/{hotspot}/profiles/{id}"),
    })
}

/// `POST /hotspots/{hotspot}/profiles/{profile}/delete`
pub async fn delete_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    profiles::delete(&s, &p, hotspot, id).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/profiles")))
}

/// The attach form: which limitation, and when it applies.
#[derive(Debug, Deserialize)]
pub struct AttachForm {
    /// The limitation's id.
    #[serde(default)]
    pub limitation: String,
    /// Window start.
    #[serde(default)]
    pub from: String,
    /// Window end.
    #[serde(default)]
    pub till: String,
    /// Weekdays.
    #[serde(default)]
    pub days: String,
}

/// `POST /hotspots/{hotspot}/profiles/{profile}/limitations`
pub async fn attach_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
    Form(f): Form<AttachForm>,
) -> Result<Response, Error> {
    let limitation = f
        .limitation
        .trim()
        .parse()
        .map_err(|_| Error::invalid("limitation", "is not chosen; pick one from the list"))?;
    let or = |v: &str, default: &str| {
        if v.trim().is_empty() {
            default.to_string()
        } else {
            v.to_string()
        }
    };
    let window = WindowSpec {
        from: or(&f.from, "00:00"),
        till: or(&f.till, "24:00"),
        days: or(&f.days, "all"),
    };
    match profiles::attach(&s, &p, hotspot, (id, limitation), &window).await {
        Ok(_) => Ok(see_other(&format!("/hotspots/{hotspot}/profiles/{id}"))),
        Err(e @ Error::Invalid { .. }) => {
            again(&show_view(&s, &p, (hotspot, id), None, Some(e.to_string())).await?)
        }
        Err(e) => Err(e),
    }
}

/// `POST /hotspots/{hotspot}/profiles/{profile}/limitations/{limitation}/delete`
pub async fn detach_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id, limitation)): Path<(i64, i64, i64)>,
) -> Result<Response, Error> {
    profiles::detach(&s, &p, hotspot, (id, limitation)).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/profiles/{id}")))
}

/// `GET /api/v1/hotspots/{hotspot}/profiles`: a page of profiles, by id.
pub async fn list_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(args): Query<PageArgs>,
) -> Result<axum::Json<Paged<Profile>>, Error> {
    let limit = args.limit();
    let rows =
        s.db.tx(Mode::Read, move |c| {
            profiles::list(c, hotspot, args.cursor, limit + 1)
        })
        .await?;
    Ok(axum::Json(Paged::from_rows(rows, limit, |p| p.id)))
}

/// `POST /api/v1/hotspots/{hotspot}/profiles`
pub async fn create_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(spec): Json<ProfileSpec>,
) -> Result<Response, Error> {
    let profile = profiles::create(&s, &p, hotspot, &spec).await?;
    Ok((StatusCode::CREATED, axum::Json(profile)).into_response())
}

/// `GET /api/v1/hotspots/{hotspot}/profiles/{profile}`
pub async fn show_api(
    State(s): State<ManagerState>,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<axum::Json<Profile>, Error> {
    let profile =
        s.db.tx(Mode::Read, move |c| profiles::get(c, hotspot, id))
            .await?;
    Ok(axum::Json(profile))
}

/// `PUT /api/v1/hotspots/{hotspot}/profiles/{profile}`: every field (omitted: default).
pub async fn edit_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
    Json(spec): Json<ProfileSpec>,
) -> Result<axum::Json<Profile>, Error> {
    Ok(axum::Json(
        profiles::edit(&s, &p, hotspot, id, &spec).await?,
    ))
}

/// `DELETE /api/v1/hotspots/{hotspot}/profiles/{profile}`
pub async fn delete_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<StatusCode, Error> {
    profiles::delete(&s, &p, hotspot, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/hotspots/{hotspot}/profiles/{profile}/limitations/{limitation}`: attached
/// inside the window of the body (`{}`: always).
pub async fn attach_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id, limitation)): Path<(i64, i64, i64)>,
    Json(window): Json<WindowSpec>,
) -> Result<axum::Json<Profile>, Error> {
    let profile = profiles::attach(&s, &p, hotspot, (id, limitation), &window).await?;
    Ok(axum::Json(profile))
}

/// `DELETE /api/v1/hotspots/{hotspot}/profiles/{profile}/limitations/{limitation}`
pub async fn detach_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id, limitation)): Path<(i64, i64, i64)>,
) -> Result<axum::Json<Profile>, Error> {
    let profile = profiles::detach(&s, &p, hotspot, (id, limitation)).await?;
    Ok(axum::Json(profile))
}
