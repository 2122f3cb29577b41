//! Social login's public side (no account): the unit's splash sends the guest to `start`,
//! which binds the login to the unit, its attempt and its portal (server-side state) and
//! sends the guest to the provider; the provider sends the guest to `callback`, which claims
//! the state once, completes the provider's flow and sends the guest back to the unit's
//! portal with an assertion signed for that unit (`proto::assertion`). Every refusal is a
//! plain page for the guest, with a way back to the Wi-Fi login page where one is known.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tracing::{info, warn};

use super::Query;
use super::vouchers::portal;
use crate::manager::ManagerState;
use crate::manager::db::{DbError, Mode};
use crate::manager::error::Error;
use crate::manager::pages::render;
use crate::manager::social::states::{self, Pending, random_token};
use crate::manager::social::{flow, origin, providers};
use crate::manager::sync::keys::{KeyError, manager_key};
use crate::proto::assertion::{GuestAssertion, MAX_LIFETIME_SECS};

/// How long an assertion lives: enough for the redirect, short enough that a leaked one is
/// useless (and at most what units accept).
const ASSERTION_SECS: i64 = 60;
const _: () = assert!(ASSERTION_SECS <= MAX_LIFETIME_SECS);

#[derive(Template)]
#[template(path = "manager/social_message.html")]
struct Message {
    lang: &'static str,
    title: String,
    text: String,
    back: Option<String>,
}

/// A page for the guest with `status`.
fn message(status: StatusCode, title: &str, text: &str, back: Option<&str>) -> Response {
    let page = Message {
        lang: "en",
        title: title.into(),
        text: text.into(),
        back: back.map(|o| format!("{o}/")),
    };
    match render(&page) {
        Ok(mut res) => {
            *res.status_mut() = status;
            res
        }
        Err(e) => e.into_response(),
    }
}

fn see(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// The one callback address every provider is registered with.
pub fn callback_url(s: &ManagerState) -> String {
    format!("{}/social/callback", s.public_url())
}

/// `?unit=…&attempt=…&return=…` of `start`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartArgs {
    /// The unit's id.
    pub unit: String,
    /// The unit's login attempt (16–128 of `A-Z a-z 0-9 - _ .`).
    pub attempt: String,
    /// The unit's portal origin.
    #[serde(rename = "return")]
    pub return_to: String,
}

fn attempt_ok(a: &str) -> bool {
    (16..=128).contains(&a.len())
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// `GET /social/{hotspot}/{provider}/start`
pub async fn start(
    State(s): State<ManagerState>,
    Path((hotspot, name)): Path<(i64, String)>,
    Query(args): Query<StartArgs>,
) -> Result<Response, Error> {
    let bad = |text| {
        Ok(message(
            StatusCode::BAD_REQUEST,
            "Sign-in link not valid",
            text,
            None,
        ))
    };
    let (Ok(unit), true) = (args.unit.parse::<i64>(), attempt_ok(&args.attempt)) else {
        return bad(
            "This sign-in link is incomplete. Go back to the Wi-Fi login page and try again.",
        );
    };
    let found =
        s.db.tx(Mode::Read, move |c| {
            let provider = providers::get(c, hotspot, &name)?;
            let unit_here = c
                .query_opt(
                    "SELECT 1 FROM units WHERE id = $1 AND hotspot_id = $2",
                    &[unit.into(), hotspot.into()],
                )?
                .is_some();
            Ok::<_, Error>((provider, unit_here, portal(c, hotspot)?))
        })
        .await?;
    let (Some(provider), true, portal_url) = found else {
        return Err(Error::NotFound);
    };
    let Some(return_origin) = origin::parse(&format!("{}/", args.return_to.trim_end_matches('/')))
        .filter(|o| origin::allowed(o, &portal_url))
    else {
        warn!(
            hotspot,
            unit, "social login start refused: return address not the unit's portal"
        );
        return bad("This sign-in link does not lead back to this hotspot's Wi-Fi page.");
    };
    let pending = Pending {
        provider_id: provider.id,
        unit_id: unit,
        attempt: args.attempt,
        verifier: random_token(),
        nonce: random_token(),
        return_origin,
    };
    let state = random_token();
    let url = match flow::authorize_url(&provider, &callback_url(&s), &state, &pending).await {
        Ok(url) => url,
        Err(e) => {
            warn!(hotspot, provider = provider.name, error = %e, "social login cannot start");
            let text = format!(
                "{} cannot be reached right now. Go back and choose another way to connect.",
                provider.display_name
            );
            let back = pending.return_origin.clone();
            return Ok(message(
                StatusCode::BAD_GATEWAY,
                "Sign-in unavailable",
                &text,
                Some(&back),
            ));
        }
    };
    let now = s.now();
    s.db.tx(Mode::Write, move |c| states::put(c, &state, &pending, now))
        .await?;
    Ok(see(&url))
}

/// What the provider sends back.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallbackArgs {
    /// Our state.
    pub state: String,
    /// The authorization code.
    pub code: String,
    /// The provider's refusal (`access_denied` when the guest said no).
    pub error: String,
}

/// `GET /social/callback`
pub async fn callback(
    State(s): State<ManagerState>,
    Query(args): Query<CallbackArgs>,
) -> Result<Response, Error> {
    let now = s.now();
    let state = args.state;
    let claimed =
        s.db.tx(Mode::Write, move |c| {
            let Some(pending) = states::take(c, &state, now)? else {
                return Ok::<_, DbError>(None);
            };
            Ok(providers::by_id(c, pending.provider_id)?.map(|p| (pending, p)))
        })
        .await?;
    let Some((pending, provider)) = claimed else {
        warn!("social login callback with an unknown, used or expired state");
        return Ok(message(
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            "This sign-in has expired or was already used. Go back to the Wi-Fi login page and \
             try again.",
            None,
        ));
    };
    let back = Some(pending.return_origin.as_str());
    let who = &provider.display_name;
    if !args.error.is_empty() || args.code.is_empty() {
        info!(
            provider = provider.name,
            error = args.error,
            "social login refused at the provider"
        );
        let text = if args.error == "access_denied" {
            format!(
                "You did not allow {who} to sign you in, so you are not connected. You can go back and choose another way to connect."
            )
        } else {
            format!(
                "{who} did not sign you in, so you are not connected. You can go back and try again or choose another way to connect."
            )
        };
        return Ok(message(StatusCode::FORBIDDEN, "Not signed in", &text, back));
    }
    let profile = match flow::finish(&provider, &callback_url(&s), &args.code, &pending).await {
        Ok(profile) => profile,
        Err(e) => {
            warn!(provider = provider.name, error = %e, "social login failed at the callback");
            let text = format!(
                "The sign-in with {who} could not be completed. Go back and try again, or choose another way to connect."
            );
            return Ok(message(
                StatusCode::BAD_GATEWAY,
                "Sign-in failed",
                &text,
                back,
            ));
        }
    };
    let key =
        s.db.tx(Mode::Write, move |c| manager_key(c, now))
            .await
            .map_err(|e: KeyError| {
                tracing::error!(error = %e, "manager signing key");
                Error::Internal
            })?;
    let assertion = GuestAssertion {
        id: uuid::Uuid::now_v7().to_string(),
        unit_id: pending.unit_id,
        attempt: pending.attempt,
        profile,
        issued_at: now,
        expires_at: now + ASSERTION_SECS,
    };
    info!(
        provider = provider.name,
        unit = assertion.unit_id,
        id = assertion.id,
        "social login asserted"
    );
    let signed = assertion.sign(&key.key);
    Ok(see(&format!(
        "{}/social/return?assertion={signed}",
        pending.return_origin
    )))
}
