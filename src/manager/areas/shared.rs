//! What several areas answer alike: an account created with its one-time password, the
//! confirmation page before a deletion, and a form shown again with its refusal.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// What creating an account returns, once: its one-time password.
#[derive(Serialize)]
pub struct Created<T> {
    /// The new object.
    #[serde(flatten)]
    pub object: T,
    /// Shown only now; must be changed at the first login.
    pub one_time_password: String,
}

#[derive(Template)]
#[template(path = "manager/created.html")]
pub struct CreatedPage {
    /// Navigation.
    pub nav: Nav,
    /// What was created, e.g. "Reseller Acme".
    pub what: String,
    /// Its login name.
    pub username: String,
    /// The one-time password.
    pub password: String,
    /// Where to go on.
    pub back: String,
}

#[derive(Template)]
#[template(path = "manager/confirm.html")]
pub struct ConfirmPage {
    /// Navigation.
    pub nav: Nav,
    /// What is deleted.
    pub what: String,
    /// What goes with it, one line each.
    pub consequences: Vec<String>,
    /// Where the confirmation posts.
    pub action: String,
    /// Where "cancel" leads.
    pub back: String,
}

/// A form's page shown again with the refusal of what was typed (422).
pub fn again(page: &impl Template) -> Result<Response, Error> {
    let mut res = render(page)?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}
