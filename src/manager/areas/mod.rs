//! One file per area of the seed's views: its scoped queries, its page handlers and its JSON
//! handlers, sharing the queries so pages and API cannot drift. Also the request extractors
//! that turn malformed input into the one error shape, and cursor pagination.

pub mod accounts;
pub mod audit;
pub mod dashboard;
pub mod days;
pub mod design;
pub mod design_assets;
mod design_form;
pub mod design_pages;
pub mod devices;
pub mod erasure;
pub mod guest_rights;
pub mod guests;
mod hotspot_fields;
pub mod hotspots;
pub mod limitation_pages;
pub mod limitations;
pub mod listing;
pub mod local_unit;
pub mod login;
pub mod macs;
pub mod marketing;
pub mod marketing_rows;
pub mod password;
pub mod preferences;
pub mod profile_pages;
pub mod profiles;
pub mod records;
pub mod reports;
pub mod reports_query;
mod reports_render;
pub mod resellers;
pub mod rollups;
pub mod sessions;
pub mod settings_doc;
mod shared;
pub mod social;
pub mod social_login;
pub mod sso;
pub mod sso_accounts;
pub mod sso_login;
pub mod tokens;
pub mod units;
pub mod voucher_batch;
pub mod voucher_pages;
pub mod voucher_print;
pub mod vouchers;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::Error;
pub use shared::{ConfirmPage, Created, CreatedPage, again};

/// A form body; a malformed one is a 422 naming the problem.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| Form(f.0))
            .map_err(|e| Error::invalid("form", e.body_text()))
    }
}

/// A JSON body; a malformed one is a 422 naming the problem.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| Json(j.0))
            .map_err(|e| Error::invalid("body", e.body_text()))
    }
}

/// Query parameters; malformed ones are a 422.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| Error::invalid("query", e.body_text()))
    }
}

/// `?cursor=…&limit=…` of a list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageArgs {
    /// Where the previous page ended (its `next_cursor`).
    pub cursor: Option<i64>,
    /// Items per page (1–200, default 50).
    pub limit: Option<i64>,
}

impl PageArgs {
    /// The page size asked for, within bounds.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }
}

/// One page of a list: its items and the cursor of the next page, if there is one.
#[derive(Debug, Serialize)]
pub struct Paged<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<i64>,
}

impl<T> Paged<T> {
    /// A page from `limit + 1` fetched items (the extra one only says there is more), with
    /// `key` giving an item's cursor.
    pub fn from_rows(mut items: Vec<T>, limit: i64, key: impl Fn(&T) -> i64) -> Paged<T> {
        let more = items.len() as i64 > limit;
        items.truncate(limit.max(0) as usize);
        let next_cursor = if more { items.last().map(key) } else { None };
        Paged { items, next_cursor }
    }
}

/// A trimmed text field of at most `max` characters; `required` refuses an empty one.
pub fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<String, Error> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(Error::invalid(field, "is empty; fill it in"));
    }
    if v.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("is too long; use at most {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "holds control characters; remove them",
        ));
    }
    Ok(v.to_string())
}

/// A login name: 3–64 of lower-case letters, digits and `. _ - @`.
pub fn username(value: &str) -> Result<String, Error> {
    let v = value.trim().to_lowercase();
    let ok = (3..=64).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_@".contains(c));
    if ok {
        Ok(v)
    } else {
        Err(Error::invalid(
            "username",
            "must be 3-64 characters: letters, digits, '.', '-', '_' or '@'",
        ))
    }
}

/// A taken name (unique constraint) as the user should read it.
pub fn taken(field: &'static str) -> impl Fn(super::db::DbError) -> Error {
    move |e| match e {
        super::db::DbError::Unique(_) => Error::invalid(field, "is already taken; choose another"),
        e => Error::from(e),
    }
}
