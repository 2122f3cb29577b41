//! The Hotspot Manager: the central web application where the admin, resellers, customers and
//! desk clerks manage hotspots (seed `hotspot-manager.md`, ROLES.md). It has its own database
//! (`db`), never the gateway's store, and one route table (`routes`) from which the router is
//! built and against which `tests/manager_authz.rs` checks every route.

pub mod areas;
pub mod auth;
pub mod chart;
pub mod db;
pub mod error;
pub mod multipart;
pub mod openapi;
pub mod pages;
pub mod retention;
pub mod routes;
pub mod run;
pub mod serve;
pub mod social;
pub mod sync;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::middleware::from_fn;

use crate::model::throttle::{LoginThrottle, ThrottlePolicy};
use db::{Conn, Db, DbError, Mode};

/// What every handler needs (cheap to clone).
#[derive(Clone)]
pub struct ManagerState {
    /// The manager's database.
    pub db: Db,
    /// The URL users reach the manager at, without a trailing slash.
    public_url: Arc<str>,
    /// Failed logins per account name and per address.
    throttle: Arc<Mutex<LoginThrottle>>,
}

impl ManagerState {
    /// State over `db`, reached by users at `public_url` (`https://…` makes cookies Secure).
    pub fn new(db: Db, public_url: &str) -> Self {
        ManagerState {
            db,
            public_url: public_url.trim_end_matches('/').into(),
            throttle: Arc::new(Mutex::new(LoginThrottle::new(ThrottlePolicy::default()))),
        }
    }

    /// Whether cookies carry `Secure`: users reach the manager over HTTPS (its own TLS, or a
    /// proxy in front of it).
    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the public URL: what browsers send as `Origin`.
    pub fn origin(&self) -> &str {
        let url = &*self.public_url;
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        match url[after_scheme..].find('/') {
            Some(i) => &url[..after_scheme + i],
            None => url,
        }
    }

    /// The public URL, without a trailing slash (social login's callback is under it).
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Now, Unix seconds.
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }

    /// Now, Unix milliseconds (the throttle's clock).
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// The whole manager application.
pub fn app(state: ManagerState) -> Router {
    routes::router(state.clone())
        .merge(sync::router(state))
        .layer(from_fn(pages::html_errors))
        .layer(from_fn(pages::security_headers))
}

/// The first admin's login name.
pub const ADMIN: &str = "admin";

/// Creates the admin account if there is none; returns its one-time password to print.
pub async fn ensure_admin(db: &Db) -> Result<Option<String>, DbError> {
    let password = auth::password::generate();
    let hash = auth::password::hash(&password);
    let now = chrono::Utc::now().timestamp();
    let created = db
        .tx(Mode::Write, move |c| {
            if c.query_opt("SELECT id FROM accounts WHERE role = 'admin'", &[])?
                .is_some()
            {
                return Ok(false);
            }
            let id = c
                .query(
                    "INSERT INTO accounts (username, role, password_hash, must_change_password,
                     created_at) VALUES ($1, 'admin', $2, $3, $4) RETURNING id",
                    &[ADMIN.into(), hash.into(), true.into(), now.into()],
                )?
                .first()
                .map(|r| r.int(0))
                .transpose()?;
            areas::audit::record_system(c, now, id, "create admin", ADMIN)?;
            Ok::<_, DbError>(true)
        })
        .await?;
    Ok(created.then_some(password))
}

/// Gives the admin a new one-time password (ending its sessions); returns it to print.
pub async fn reset_admin(db: &Db) -> Result<String, DbError> {
    ensure_admin(db).await?;
    let password = auth::password::generate();
    let hash = auth::password::hash(&password);
    let now = chrono::Utc::now().timestamp();
    db.tx(Mode::Write, move |c: &mut dyn Conn| {
        c.execute(
            "UPDATE accounts SET password_hash = $1, must_change_password = $2, disabled = $3
             WHERE role = 'admin'",
            &[hash.into(), true.into(), false.into()],
        )?;
        c.execute(
            "DELETE FROM browser_sessions WHERE account_id IN
             (SELECT id FROM accounts WHERE role = 'admin')",
            &[],
        )?;
        areas::audit::record_system(c, now, None, "reset admin password", ADMIN)
    })
    .await?;
    Ok(password)
}
