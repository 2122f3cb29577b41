//! The limitations view (technical preferences, reseller only): list, create, edit, delete
//! after a confirmation naming the profiles it is detached from; and the same under
//! `/api/v1`. Both go through `limitations`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::vouchers::hotspot_of;
use super::{ConfirmPage, Form, Json, PageArgs, Paged, Query, again, limitations};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};
use crate::model::limitation::Limitation;
use crate::model::profile::spec::LimitationSpec;
use crate::model::profile::words::describe_limitation;

#[derive(Template)]
#[template(path = "manager/limitations.html")]
struct ListPage {
    nav: Nav,
    hotspot: i64,
    name: String,
    /// Each limitation with its limits in words.
    limitations: Vec<(Limitation, String)>,
    form: LimitationSpec,
    /// Set on a limitation's own page: its id and the profiles it is attached to.
    editing: Option<(i64, Vec<String>)>,
    /// Why the form's last input was refused.
    error: Option<String>,
}

fn described(list: Vec<Limitation>) -> Vec<(Limitation, String)> {
    list.into_iter()
        .map(|l| {
            let words = describe_limitation(&l);
            (l, words)
        })
        .collect()
}

/// The page, editing limitation `editing` (else a new one): the form holds `typed` (as sent,
/// with `error` after a refusal) or the limitation as stored.
async fn view(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    editing: Option<i64>,
    typed: Option<LimitationSpec>,
    error: Option<String>,
) -> Result<ListPage, Error> {
    let (name, list, stored) =
        s.db.tx(Mode::Read, move |c| {
            let stored = match editing {
                Some(id) => Some((
                    limitations::get(c, hotspot, id)?,
                    limitations::attached_to(c, id)?,
                )),
                None => None,
            };
            Ok::<_, Error>((
                hotspot_of(c, hotspot)?.1,
                limitations::list(c, hotspot, None, 500)?,
                stored,
            ))
        })
        .await?;
    let form = match (typed, &stored) {
        (Some(t), _) => t,
        (None, Some((l, _))) => LimitationSpec::of(l),
        (None, None) => LimitationSpec::default(),
    };
    Ok(ListPage {
        nav: Nav::of(p),
        hotspot,
        name,
        limitations: described(list),
        form,
        editing: stored.map(|(l, profiles)| (l.id, profiles)),
        error,
    })
}

/// `GET /hotspots/{hotspot}/limitations`: the limitations and a form for a new one.
pub async fn list_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    render(&view(&s, &p, hotspot, None, None, None).await?)
}

/// `GET /hotspots/{hotspot}/limitations/{limitation}`: the same page, editing this one.
pub async fn show_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    render(&view(&s, &p, hotspot, Some(id), None, None).await?)
}

/// `POST /hotspots/{hotspot}/limitations`
pub async fn create_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(spec): Form<LimitationSpec>,
) -> Result<Response, Error> {
    let outcome = limitations::create(&s, &p, hotspot, &spec).await;
    saved(&s, &p, hotspot, None, spec, outcome).await
}

/// After a create or an edit: back to the list, or the form again with its refusal.
async fn saved(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    editing: Option<i64>,
    spec: LimitationSpec,
    outcome: Result<Limitation, Error>,
) -> Result<Response, Error> {
    match outcome {
        Ok(_) => Ok(see_other(&format!("/hotspots/{hotspot}/limitations"))),
        Err(e @ Error::Invalid { .. }) => {
            again(&view(s, p, hotspot, editing, Some(spec), Some(e.to_string())).await?)
        }
        Err(e) => Err(e),
    }
}

/// `POST /hotspots/{hotspot}/limitations/{limitation}`
pub async fn edit_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
    Form(spec): Form<LimitationSpec>,
) -> Result<Response, Error> {
    let outcome = limitations::edit(&s, &p, hotspot, id, &spec).await;
    saved(&s, &p, hotspot, Some(id), spec, outcome).await
}

/// `GET /hotspots/{hotspot}/limitations/{limitation}/delete`: what goes with it.
pub async fn confirm_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    let (l, profiles) =
        s.db.tx(Mode::Read, move |c| {
            let l = limitations::get(c, hotspot, id)?;
            Ok::<_, Error>((l, limitations::attached_to(c, id)?))
        })
        .await?;
    let mut consequences = vec![format!(
        "the limitation {} ({})",
        l.name,
        describe_limitation(&l)
    )];
    if !profiles.is_empty() {
        consequences.push(format!(
            "its attachment to the profile(s) {}: their guests lose these limits",
            profiles.join(", ")
        ));
    }
    render(&ConfirmPage {
        nav: Nav::of(&p),
        what: format!("limitation {}", l.name),
        consequences,
        action: format!("/hotspots/{hotspot}/limitations/{id}/delete"),
        back: format!("/hotspots/{hotspot}/limitations"),
    })
}

/// `POST /hotspots/{hotspot}/limitations/{limitation}/delete`
pub async fn delete_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    limitations::delete(&s, &p, hotspot, id).await?;
    Ok(see_other(&format!("/hotspots/{hotspot}/limitations")))
}

/// `GET /api/v1/hotspots/{hotspot}/limitations`: a page of limitations, by id.
pub async fn list_api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(args): Query<PageArgs>,
) -> Result<axum::Json<Paged<Limitation>>, Error> {
    let limit = args.limit();
    let rows =
        s.db.tx(Mode::Read, move |c| {
            limitations::list(c, hotspot, args.cursor, limit + 1)
        })
        .await?;
    Ok(axum::Json(Paged::from_rows(rows, limit, |l| l.id)))
}

/// `POST /api/v1/hotspots/{hotspot}/limitations`
pub async fn create_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(spec): Json<LimitationSpec>,
) -> Result<Response, Error> {
    let l = limitations::create(&s, &p, hotspot, &spec).await?;
    Ok((StatusCode::CREATED, axum::Json(l)).into_response())
}

/// `GET /api/v1/hotspots/{hotspot}/limitations/{limitation}`
pub async fn show_api(
    State(s): State<ManagerState>,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<axum::Json<Limitation>, Error> {
    let l =
        s.db.tx(Mode::Read, move |c| limitations::get(c, hotspot, id))
            .await?;
    Ok(axum::Json(l))
}

/// `PUT /api/v1/hotspots/{hotspot}/limitations/{limitation}`: every field (omitted: none).
pub async fn edit_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
    Json(spec): Json<LimitationSpec>,
) -> Result<axum::Json<Limitation>, Error> {
    Ok(axum::Json(
        limitations::edit(&s, &p, hotspot, id, &spec).await?,
    ))
}

/// `DELETE /api/v1/hotspots/{hotspot}/limitations/{limitation}`
pub async fn delete_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path((hotspot, id)): Path<(i64, i64)>,
) -> Result<StatusCode, Error> {
    limitations::delete(&s, &p, hotspot, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
