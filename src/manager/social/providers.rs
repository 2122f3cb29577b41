//! A hotspot's social login providers as the reseller configures them: an OpenID Connect
//! provider (its issuer; everything else by discovery) or a plain OAuth2 one (its three
//! addresses and where the userinfo keeps each profile field). The client secret is stored,
//! because the manager presents it to the provider, but never shown back nor logged: a new
//! one replaces it, an empty field keeps it.

use std::net::Ipv4Addr;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::mapping::Mapping;
use crate::manager::db::{Conn, DbError, Row};
use crate::manager::error::Error;

/// How the provider is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// OpenID Connect: discovery, an ID token validated against the provider's keys.
    Oidc,
    /// OAuth2 with a userinfo address (Facebook-style): no ID token.
    Oauth2,
}

impl Kind {
    fn parse(v: &str) -> Option<Kind> {
        match v.trim() {
            "oidc" => Some(Kind::Oidc),
            "oauth2" => Some(Kind::Oauth2),
            _ => None,
        }
    }

    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Oidc => "oidc",
            Kind::Oauth2 => "oauth2",
        }
    }
}

/// A provider as stored (the secret included: never serialised).
#[derive(Clone)]
pub struct Provider {
    /// Id.
    pub id: i64,
    /// The hotspot.
    pub hotspot_id: i64,
    /// Short name in paths and on the unit (`google`).
    pub name: String,
    /// On the splash button (`Google`).
    pub display_name: String,
    /// How it is spoken to.
    pub kind: Kind,
    /// OIDC issuer.
    pub issuer: String,
    /// OAuth2 authorization endpoint.
    pub authorize_url: String,
    /// OAuth2 token endpoint.
    pub token_url: String,
    /// OAuth2 userinfo endpoint.
    pub userinfo_url: String,
    /// Where the userinfo keeps each profile field.
    pub mapping: Mapping,
    /// Client id at the provider.
    pub client_id: String,
    /// Client secret at the provider.
    pub client_secret: String,
    /// Scopes asked for, besides `openid` for OIDC.
    pub scopes: Vec<String>,
}

/// A provider as listed: never its secret.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[schema(as = SocialProvider)]
pub struct View {
    /// Short name.
    pub name: String,
    /// On the splash button.
    pub display_name: String,
    /// `oidc` or `oauth2`.
    pub kind: &'static str,
    /// OIDC issuer.
    pub issuer: String,
    /// OAuth2 authorization endpoint.
    pub authorize_url: String,
    /// OAuth2 token endpoint.
    pub token_url: String,
    /// OAuth2 userinfo endpoint.
    pub userinfo_url: String,
    /// Userinfo field paths.
    pub mapping: Mapping,
    /// Client id.
    pub client_id: String,
    /// Scopes, space-separated.
    pub scopes: String,
    /// Whether a client secret is stored.
    pub secret_set: bool,
}

impl Provider {
    /// What may be shown.
    pub fn view(&self) -> View {
        View {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            kind: self.kind.as_str(),
            issuer: self.issuer.clone(),
            authorize_url: self.authorize_url.clone(),
            token_url: self.token_url.clone(),
            userinfo_url: self.userinfo_url.clone(),
            mapping: self.mapping.clone(),
            client_id: self.client_id.clone(),
            scopes: self.scopes.join(" "),
            secret_set: !self.client_secret.is_empty(),
        }
    }
}

/// A provider as the reseller sends it (form and JSON alike; flat, so a form can carry it).
/// No `Debug`: it holds the secret.
#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = SocialProviderIn)]
pub struct Input {
    /// On the splash button, e.g. `Google`.
    pub display_name: String,
    /// `oidc` (default) or `oauth2`.
    pub kind: String,
    /// OIDC: the issuer, e.g. `https://accounts.google.com`.
    pub issuer: String,
    /// OAuth2: the authorization endpoint.
    pub authorize_url: String,
    /// OAuth2: the token endpoint.
    pub token_url: String,
    /// OAuth2: the userinfo endpoint.
    pub userinfo_url: String,
    /// OAuth2: userinfo paths (empty: OpenID's claim names).
    pub subject_field: String,
    /// Name path.
    pub name_field: String,
    /// Email path.
    pub email_field: String,
    /// Gender path.
    pub gender_field: String,
    /// Birth date path.
    pub birth_date_field: String,
    /// Locale path.
    pub locale_field: String,
    /// Interests path.
    pub interests_field: String,
    /// Client id.
    pub client_id: String,
    /// Client secret; empty keeps the stored one.
    pub client_secret: String,
    /// Scopes, space-separated (OIDC default `email profile`; `openid` is always asked).
    pub scopes: String,
}

/// A provider's short name: 1–32 of `a-z 0-9 -`.
pub fn name(v: &str) -> Result<String, Error> {
    let ok = (1..=32).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then(|| v.to_string()).ok_or_else(|| {
        Error::invalid(
            "name",
            "must be 1-32 lower-case letters, digits or '-', e.g. google",
        )
    })
}

/// An endpoint: https, or http only to a loopback or private address (a provider in the
/// lab); the client secret never travels in clear over the internet.
fn endpoint(field: &'static str, v: &str) -> Result<String, Error> {
    let v = super::super::areas::text(field, v, 300, true)?;
    let secure = Url::parse(&v).ok().is_some_and(|u| match u.scheme() {
        "https" => u.host_str().is_some(),
        "http" => (u.host_str().and_then(|h| h.parse::<Ipv4Addr>().ok()))
            .is_some_and(|ip| ip.is_loopback() || ip.is_private()),
        _ => false,
    });
    secure.then_some(v).ok_or_else(|| {
        Error::invalid(
            field,
            "must be an https:// address (http:// only to a private or loopback address)",
        )
    })
}

fn path(field: &'static str, v: &str, default: &str) -> Result<String, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(default.to_string());
    }
    let ok = v.len() <= 64
        && v.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
    ok.then(|| v.to_string()).ok_or_else(|| {
        Error::invalid(
            field,
            "must be a field name or dotted path, e.g. id or hometown.name",
        )
    })
}

impl Input {
    /// The provider this input makes of `old` (or a new one): validated field by field.
    pub fn apply(
        self,
        hotspot_id: i64,
        name: &str,
        old: Option<Provider>,
    ) -> Result<Provider, Error> {
        use super::super::areas::text;
        let kind = if self.kind.trim().is_empty() {
            Kind::Oidc
        } else {
            Kind::parse(&self.kind)
                .ok_or_else(|| Error::invalid("kind", "must be oidc or oauth2"))?
        };
        let display_name = text("display_name", &self.display_name, 40, true)?;
        let (issuer, authorize_url, token_url, userinfo_url) = match kind {
            Kind::Oidc => (
                endpoint("issuer", &self.issuer)?,
                "".into(),
                "".into(),
                "".into(),
            ),
            Kind::Oauth2 => (
                String::new(),
                endpoint("authorize_url", &self.authorize_url)?,
                endpoint("token_url", &self.token_url)?,
                endpoint("userinfo_url", &self.userinfo_url)?,
            ),
        };
        let d = Mapping::default();
        let mapping = Mapping {
            subject: path("subject_field", &self.subject_field, &d.subject)?,
            name: path("name_field", &self.name_field, &d.name)?,
            email: path("email_field", &self.email_field, &d.email)?,
            gender: path("gender_field", &self.gender_field, &d.gender)?,
            birth_date: path("birth_date_field", &self.birth_date_field, &d.birth_date)?,
            locale: path("locale_field", &self.locale_field, &d.locale)?,
            interests: path("interests_field", &self.interests_field, &d.interests)?,
        };
        let client_id = text("client_id", &self.client_id, 200, true)?;
        let secret = self.client_secret.trim();
        let client_secret = match (secret.is_empty(), old.as_ref()) {
            (false, _) if secret.len() > 500 => {
                return Err(Error::invalid(
                    "client_secret",
                    "is too long; at most 500 characters",
                ));
            }
            (false, _) => secret.to_string(),
            (true, Some(old)) => old.client_secret.clone(),
            (true, None) => {
                return Err(Error::invalid(
                    "client_secret",
                    "is empty; paste the secret the provider gave with the client id",
                ));
            }
        };
        let scopes: Vec<String> = match self.scopes.trim() {
            "" if kind == Kind::Oidc => vec!["email".into(), "profile".into()],
            s => s.split_whitespace().map(str::to_string).collect(),
        };
        let scope_ok = |s: &String| {
            s.len() <= 100
                && s.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        };
        if scopes.len() > 20 || !scopes.iter().all(scope_ok) {
            return Err(Error::invalid(
                "scopes",
                "must be at most 20 scope names separated by spaces, e.g. email profile",
            ));
        }
        Ok(Provider {
            id: old.map_or(0, |o| o.id),
            hotspot_id,
            name: name.to_string(),
            display_name,
            kind,
            issuer,
            authorize_url,
            token_url,
            userinfo_url,
            mapping,
            client_id,
            client_secret,
            scopes,
        })
    }
}

const COLUMNS: &str = "id, hotspot_id, name, display_name, kind, issuer, authorize_url, token_url,
    userinfo_url, mapping, client_id, client_secret, scopes";

fn row(r: &Row) -> Result<Provider, DbError> {
    Ok(Provider {
        id: r.int(0)?,
        hotspot_id: r.int(1)?,
        name: r.text(2)?,
        display_name: r.text(3)?,
        kind: Kind::parse(&r.text(4)?).unwrap_or(Kind::Oidc),
        issuer: r.text(5)?,
        authorize_url: r.text(6)?,
        token_url: r.text(7)?,
        userinfo_url: r.text(8)?,
        mapping: serde_json::from_str(&r.text(9)?).unwrap_or_default(),
        client_id: r.text(10)?,
        client_secret: r.text(11)?,
        scopes: r.text(12)?.split_whitespace().map(str::to_string).collect(),
    })
}

/// The hotspot's providers, by name.
pub fn list(c: &mut dyn Conn, hotspot: i64) -> Result<Vec<Provider>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM social_providers WHERE hotspot_id = $1 ORDER BY name");
    c.query(&sql, &[hotspot.into()])?.iter().map(row).collect()
}

/// The hotspot's provider `name`.
pub fn get(c: &mut dyn Conn, hotspot: i64, name: &str) -> Result<Option<Provider>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM social_providers WHERE hotspot_id = $1 AND name = $2");
    c.query_opt(&sql, &[hotspot.into(), name.into()])?
        .as_ref()
        .map(row)
        .transpose()
}

/// The provider `id`.
pub fn by_id(c: &mut dyn Conn, id: i64) -> Result<Option<Provider>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM social_providers WHERE id = $1");
    c.query_opt(&sql, &[id.into()])?
        .as_ref()
        .map(row)
        .transpose()
}

/// Stores `p` (new when its id is 0); whether it was created.
pub fn save(c: &mut dyn Conn, p: &Provider) -> Result<bool, DbError> {
    let mapping = serde_json::to_string(&p.mapping).unwrap_or_default();
    let values = [
        p.display_name.as_str().into(),
        p.kind.as_str().into(),
        p.issuer.as_str().into(),
        p.authorize_url.as_str().into(),
        p.token_url.as_str().into(),
        p.userinfo_url.as_str().into(),
        mapping.into(),
        p.client_id.as_str().into(),
        p.client_secret.as_str().into(),
        p.scopes.join(" ").into(),
        p.hotspot_id.into(),
        p.name.as_str().into(),
    ];
    if p.id != 0 {
        c.execute(
            "UPDATE social_providers SET display_name = $1, kind = $2, issuer = $3,
             authorize_url = $4, token_url = $5, userinfo_url = $6, mapping = $7, client_id = $8,
             client_secret = $9, scopes = $10 WHERE hotspot_id = $11 AND name = $12",
            &values,
        )?;
        return Ok(false);
    }
    c.execute(
        "INSERT INTO social_providers (display_name, kind, issuer, authorize_url, token_url,
         userinfo_url, mapping, client_id, client_secret, scopes, hotspot_id, name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &values,
    )?;
    Ok(true)
}

/// Removes the hotspot's provider `name`; whether there was one.
pub fn delete(c: &mut dyn Conn, hotspot: i64, name: &str) -> Result<bool, DbError> {
    let n = c.execute(
        "DELETE FROM social_providers WHERE hotspot_id = $1 AND name = $2",
        &[hotspot.into(), name.into()],
    )?;
    Ok(n > 0)
}
