//! The dashboard, level 1 (general figures). Units, guests, logins and traffic come from
//! units through sync, which is not built yet: the page says so rather than show numbers
//! nobody measured; the API reports them as absent (`null`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Role};
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// The figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Hotspots in the principal's scope.
    pub hotspots: i64,
    /// Resellers (admin only).
    pub resellers: Option<i64>,
    /// Units online: unknown until units sync.
    pub units_online: Option<i64>,
    /// Guests online now: unknown until units sync.
    pub guests_online: Option<i64>,
}

async fn figures(state: &ManagerState, p: &Principal) -> Result<Figures, Error> {
    let (reseller, only, admin) = match p.role {
        Role::Admin => (None, None, true),
        Role::Reseller => (Some(p.reseller_id.unwrap_or(-1)), None, false),
        Role::Customer | Role::Desk => (None, Some(p.hotspot_id.unwrap_or(-1)), false),
    };
    let (hotspots, resellers) = state
        .db
        .tx(Mode::Read, move |c| {
            let h = c
                .query_opt(
                    "SELECT COUNT(*) FROM hotspots WHERE (CAST($1 AS BIGINT) IS NULL OR reseller_id = $1)
                     AND (CAST($2 AS BIGINT) IS NULL OR id = $2)",
                    &[reseller.into(), only.into()],
                )?
                .map_or(Ok(0), |r| r.int(0))?;
            let r = if admin {
                c.query_opt("SELECT COUNT(*) FROM resellers", &[])?.map(|r| r.int(0)).transpose()?
            } else {
                None
            };
            Ok::<_, Error>((h, r))
        })
        .await?;
    Ok(Figures {
        hotspots,
        resellers,
        units_online: None,
        guests_online: None,
    })
}

#[derive(Template)]
#[template(path = "manager/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    figures: Figures,
}

/// `GET /`
pub async fn page(State(s): State<ManagerState>, p: Principal) -> Result<Response, Error> {
    let figures = figures(&s, &p).await?;
    render(&DashboardPage {
        nav: Nav::of(&p),
        figures,
    })
}

/// `GET /api/v1/dashboard`
pub async fn api(
    State(s): State<ManagerState>,
    p: Principal,
) -> Result<axum::Json<Figures>, Error> {
    Ok(axum::Json(figures(&s, &p).await?))
}
