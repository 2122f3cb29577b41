//! Reports (R, C, D): its routes are reserved in the route table with their roles, and
//! answer that this view is built from what units report. Units do not sync with the manager
//! yet, so there are no figures: the page and the API say so rather than show numbers
//! nobody measured. (Marketing is `marketing.rs`.)

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
    Reports,
}

impl View {
    fn name(self) -> &'static str {
        match self {
            View::Reports => "reports",
        }
    }

    fn why(self) -> &'static str {
        match self {
            View::Reports => {
                "Reports (connections, logins, traffic and duration per day) are built from the \
                 sessions units report. Units do not report to the manager yet, so there is no \
                 report to show."
            }
        }
    }
}

/// What a reserved view answers until units sync.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotYet {
    /// The hotspot.
    pub hotspot_id: i64,
    /// `reports`.
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

/// `GET /hotspots/{hotspot}/reports`
pub async fn reports_page(p: Principal, Path(id): Path<i64>) -> Result<Response, Error> {
    page(&p, View::Reports, "Reports", id)
}

/// `GET /api/v1/hotspots/{hotspot}/reports`
pub async fn reports_api(Path(id): Path<i64>) -> axum::Json<NotYet> {
    axum::Json(NotYet::of(View::Reports, id))
}
