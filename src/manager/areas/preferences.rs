//! Technical preferences (the reseller's alone): the login methods offered and the profile
//! each gives (one of the hotspot's profiles, checked at save as the gateway checks it),
//! session and idle timeouts, default rates, the shared-users policy and the walled garden,
//! all of them fields of the hotspot settings document, changed through
//! `settings_doc::change` so the model validates every change and a refused one saves nothing.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::profiles;
use super::settings_doc::{self, Revision};
use super::{Form, Json};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render, see_other};
use crate::model::settings::{HotspotSettings, SettingsError};

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A checkbox.
    Switch,
    /// One line of text.
    Text,
    /// One of these values.
    Choice(&'static [&'static str]),
    /// A list, one entry per line.
    Lines,
    /// One of the hotspot's profiles, by name.
    Profile,
}

/// A preference: its dotted field in the document, its label and hint.
pub struct Field {
    /// Dotted path, as `hotspotd settings set` names it.
    pub name: &'static str,
    /// Label.
    pub label: &'static str,
    /// How to fill it in.
    pub hint: &'static str,
    /// Widget.
    pub kind: Kind,
}

const fn f(name: &'static str, label: &'static str, hint: &'static str, kind: Kind) -> Field {
    Field {
        name,
        label,
        hint,
        kind,
    }
}

/// Every technical preference, in the order the page shows them.
pub const FIELDS: &[Field] = &[
    f(
        "methods.click.enabled",
        "Click-through: accept the terms and go online",
        "",
        Kind::Switch,
    ),
    f(
        "methods.click.profile",
        "Profile of click-through guests",
        "",
        Kind::Profile,
    ),
    f(
        "methods.email.enabled",
        "Code sent by email",
        "",
        Kind::Switch,
    ),
    f(
        "methods.email.profile",
        "Profile of guests verified by email",
        "required when email is on",
        Kind::Profile,
    ),
    f("methods.sms.enabled", "Code sent by SMS", "", Kind::Switch),
    f(
        "methods.sms.profile",
        "Profile of guests verified by SMS",
        "required when SMS is on",
        Kind::Profile,
    ),
    f(
        "methods.sms.countries",
        "Countries SMS codes are sent to",
        "required when SMS is on: ISO codes, one per line, e.g. IT",
        Kind::Lines,
    ),
    f("methods.voucher.enabled", "Voucher code", "", Kind::Switch),
    f(
        "methods.account.enabled",
        "Username and password",
        "",
        Kind::Switch,
    ),
    f(
        "methods.social.enabled",
        "Social login, through this manager",
        "providers are set up under Social login",
        Kind::Switch,
    ),
    f(
        "methods.social.providers",
        "Social login providers on the splash",
        "required when social login is on: their names under Social login, one per line",
        Kind::Lines,
    ),
    f(
        "methods.social.profile",
        "Profile of guests signed in socially",
        "required when social login is on",
        Kind::Profile,
    ),
    f(
        "sessions.session_timeout",
        "Longest session",
        "e.g. 12h or 1d",
        Kind::Text,
    ),
    f(
        "sessions.idle_timeout",
        "Idle timeout",
        "a session without traffic ends after this, e.g. 15m",
        Kind::Text,
    ),
    f(
        "sessions.rate_down",
        "Default download rate",
        "for guests whose profile sets none, e.g. 10M; empty: unlimited",
        Kind::Text,
    ),
    f(
        "sessions.rate_up",
        "Default upload rate",
        "e.g. 2M; empty: unlimited",
        Kind::Text,
    ),
    f(
        "sessions.shared_users_policy",
        "A guest already online on all the devices allowed",
        "refuse-new: the new device is refused; end-oldest: the oldest session ends",
        Kind::Choice(&["refuse-new", "end-oldest"]),
    ),
    f(
        "offline.policy",
        "While the manager is unreachable",
        "decide-locally: guests the unit cannot decide (a voucher made since, social login) wait; \
         pass: every guest may also take a one-tap pass capped by the profile below",
        Kind::Choice(&["decide-locally", "pass"]),
    ),
    f(
        "offline.profile",
        "Profile of an offline pass (its limits are the cap)",
        "",
        Kind::Profile,
    ),
    f(
        "access.garden",
        "Walled garden",
        "reachable before login, one per line: 203.0.113.0/24, pay.example.com or *.example.com",
        Kind::Lines,
    ),
];

/// A field's value in `doc` as the form shows it.
fn shown(doc: &Value, field: &Field) -> String {
    let v = doc.pointer(&format!("/{}", field.name.replace('.', "/")));
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join("\n"),
        Some(other) => other.to_string(),
    }
}

/// What `with_field` should read for a form value of `field`.
fn edit_value(field: &Field, value: &str) -> String {
    match field.kind {
        Kind::Switch => (value == "true").to_string(),
        Kind::Lines => {
            let entries: Vec<&str> = value
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())
        }
        // A profile name is text: empty names none (the document's "").
        Kind::Profile => value.trim().to_string(),
        Kind::Text | Kind::Choice(_) if value.trim().is_empty() => "null".into(),
        Kind::Text | Kind::Choice(_) => value.trim().to_string(),
    }
}

/// A row of the form: the field, the value shown, the errors about it.
struct Row {
    field: &'static Field,
    value: String,
    errors: Vec<SettingsError>,
    /// For a profile: the hotspot's profiles (name, name for guests) to choose from.
    profiles: Vec<(String, String)>,
}

impl Row {
    fn id(&self) -> String {
        self.field.name.replace('.', "-")
    }
    fn checked(&self) -> bool {
        self.value == "true"
    }
    fn choices(&self) -> &'static [&'static str] {
        match self.field.kind {
            Kind::Choice(c) => c,
            _ => &[],
        }
    }
    fn is(&self, kind: &str) -> bool {
        matches!(
            (self.field.kind, kind),
            (Kind::Switch, "switch")
                | (Kind::Text, "text")
                | (Kind::Choice(_), "choice")
                | (Kind::Lines, "lines")
                | (Kind::Profile, "profile")
        )
    }
    /// The document names a profile the hotspot lacks: shown as chosen (so saving other
    /// fields keeps it) and marked.
    fn missing(&self) -> bool {
        !self.value.is_empty() && !self.profiles.iter().any(|(n, _)| *n == self.value)
    }
}

#[derive(Template)]
#[template(path = "manager/preferences.html")]
struct Page {
    nav: Nav,
    hotspot: i64,
    name: String,
    revision: u64,
    rows: Vec<Row>,
    errors: Vec<SettingsError>,
    revisions: Vec<Revision>,
}

/// The document, its latest revisions, and the hotspot's profiles (name, name for guests).
type Loaded = (HotspotSettings, Vec<Revision>, Vec<(String, String)>);

async fn load(s: &ManagerState, hotspot: i64) -> Result<Loaded, Error> {
    s.db.tx(Mode::Read, move |c| {
        Ok((
            settings_doc::current(c, hotspot)?,
            settings_doc::revisions(c, hotspot, 10)?,
            profiles::names(c, hotspot)?,
        ))
    })
    .await
}

fn page_of(
    p: &Principal,
    hotspot: i64,
    (doc, revisions, names): Loaded,
    values: Option<&[(String, String)]>,
    errors: Vec<SettingsError>,
) -> Page {
    let json = doc.to_value();
    let rows = FIELDS
        .iter()
        .map(|field| Row {
            field,
            value: values.map_or_else(|| shown(&json, field), |v| submitted(v, field)),
            errors: errors
                .iter()
                .filter(|e| e.field.starts_with(field.name))
                .cloned()
                .collect(),
            profiles: match field.kind {
                Kind::Profile => names.clone(),
                _ => Vec::new(),
            },
        })
        .collect();
    Page {
        nav: Nav::of(p),
        hotspot,
        name: doc.name.clone(),
        revision: doc.revision,
        rows,
        errors,
        revisions,
    }
}

/// The form's value of `field` (the last one sent: a checkbox follows its hidden "false").
fn submitted(values: &[(String, String)], field: &Field) -> String {
    values
        .iter()
        .rev()
        .find(|(k, _)| k == field.name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `GET /hotspots/{hotspot}/preferences`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    let loaded = load(&s, hotspot).await?;
    render(&page_of(&p, hotspot, loaded, None, Vec::new()))
}

/// `POST /hotspots/{hotspot}/preferences`: the changed fields saved as one revision, or the
/// form again with every refusal at its field.
pub async fn save_page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let loaded = load(&s, hotspot).await?;
    let doc = &loaded.0;
    let base = values
        .iter()
        .find(|(k, _)| k == "revision")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| Error::invalid("revision", "is missing; reload the page"))?;
    let json = doc.to_value();
    let edits = FIELDS
        .iter()
        // A field the form did not send is left as it is (a form of an older page, a client).
        .filter(|field| values.iter().any(|(k, _)| k == field.name))
        .filter(|field| {
            edit_value(field, &submitted(&values, field)) != edit_value(field, &shown(&json, field))
        })
        .map(|field| {
            (
                field.name.to_string(),
                edit_value(field, &submitted(&values, field)),
            )
        })
        .collect();
    match settings_doc::change(&s, &p, hotspot, base, edits, "edit technical preferences").await {
        Ok(_) => Ok(see_other(&format!("/hotspots/{hotspot}/preferences"))),
        Err(Error::Settings(errors)) => {
            let page = page_of(&p, hotspot, loaded, Some(&values), errors);
            let mut res = render(&page)?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// The preferences as JSON: the document's revision and each field's value.
fn as_json(doc: &HotspotSettings) -> Value {
    let json = doc.to_value();
    let mut fields = Map::new();
    for field in FIELDS {
        let v = json
            .pointer(&format!("/{}", field.name.replace('.', "/")))
            .cloned()
            .unwrap_or(Value::Null);
        fields.insert(field.name.to_string(), v);
    }
    serde_json::json!({"revision": doc.revision, "fields": fields})
}

/// `GET /api/v1/hotspots/{hotspot}/preferences`
pub async fn api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
) -> Result<Response, Error> {
    let (doc, _, _) = load(&s, hotspot).await?;
    Ok(axum::Json(as_json(&doc)).into_response())
}

/// `PATCH /api/v1/hotspots/{hotspot}/preferences` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = PreferencesPatch)]
pub struct Patch {
    /// The revision the change is based on (from the GET).
    pub revision: u64,
    /// Fields to change, by dotted name: text as a string, switches and lists as JSON.
    #[schema(value_type = Object)]
    pub set: Map<String, Value>,
}

/// `PATCH /api/v1/hotspots/{hotspot}/preferences`: the new preferences, or every refusal.
pub async fn patch_api(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Json(body): Json<Patch>,
) -> Result<Response, Error> {
    let mut edits = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in body.set {
        if !FIELDS.iter().any(|f| f.name == name) {
            let fix = "change only the fields GET /api/v1/hotspots/{id}/preferences lists";
            errors.push(SettingsError::new(
                name,
                "is not a technical preference",
                fix,
            ));
            continue;
        }
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        edits.push((name, text));
    }
    if !errors.is_empty() {
        return Err(Error::Settings(errors));
    }
    let doc = settings_doc::change(
        &s,
        &p,
        hotspot,
        body.revision,
        edits,
        "edit technical preferences",
    )
    .await?;
    Ok(axum::Json(as_json(&doc)).into_response())
}
