//! The manager's side of the sync protocol (`crate::proto`, under `/sync/v1`): its own router,
//! beside the staff route table, because units are not staff: no cookie, API token or master
//! key reaches these routes, and a unit's signature reaches no staff route (README, "Sync").

pub mod keys;
pub mod register;
pub mod signed;
pub mod wire;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

use super::ManagerState;

/// Largest body a signed request may carry (an event batch).
pub const BODY_LIMIT: usize = 4 << 20;

/// Largest registration body.
pub const REGISTER_LIMIT: usize = 16 << 10;

/// The sync routes, to merge beside the staff router.
pub fn router(state: ManagerState) -> Router {
    Router::new()
        .route("/sync/v1/register", post(register::register))
        .route("/sync/v1/rotate", post(register::rotate))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}
