//! Marketing (R, C): its routes are reserved in the route table with their roles, and answer
//! that this view is built from what units report: the page and the API say so rather than
//! show numbers nobody measured. (Reports are `areas/reports.rs`.)

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Serialize;

use crate::manager::auth::Principal;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// Which reserved view.
#[derive(Debug, Clone, Copy)]
enum View {
    Marketing,
}

impl View {
    fn name(self) -> &'static str {
        match self {
            View::Marketing => "marketing",
        }
    }

    fn why(self) -> &'static str {
        match self {
            View::Marketing => {
                "Marketing exports hold only guests who gave marketing consent at login, as units \
                 report them. Units do not report to the manager yet, so there is nothing to \
                 export."
            }
        }
    }
}

/// What a reserved view answers until units sync.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotYet {
    /// The hotspot.
    pub hotspot_id: i64,
    /// `marketing`.
    pub view: &'static str,
    /// Always `false` until units report.
    pub available: bool,
    /// Why there is nothing yet.
    pub reason: &'static str,
}

impl NotYet {
    fn of(view: View, hotspot_id: i64) -> NotYet {
        NotYet {
            hotspot_id,
            view: view.name(),
            available: false,
            reason: view.why(),
        }
    }
}

#[derive(Template)]
#[template(path = "manager/not_yet.html")]
struct NotYetPage {
    nav: Nav,
    title: &'static str,
    answer: NotYet,
}

fn page(p: &Principal, view: View, title: &'static str, id: i64) -> Result<Response, Error> {
    render(&NotYetPage {
        nav: Nav::of(p),
        title,
        answer: NotYet::of(view, id),
    })
}

/// `GET /hotspots/{hotspot}/marketing`
pub async fn marketing_page(p: Principal, Path(id): Path<i64>) -> Result<Response, Error> {
    page(&p, View::Marketing, "Marketing", id)
}

/// `GET /api/v1/hotspots/{hotspot}/marketing`
pub async fn marketing_api(Path(id): Path<i64>) -> axum::Json<NotYet> {
    axum::Json(NotYet::of(View::Marketing, id))
}
