//! The provider's side of a social login: the authorization address (code flow, PKCE S256,
//! our state and nonce) and, at the callback, the code exchanged for tokens and the guest's
//! profile. OpenID Connect goes through `openidconnect`, which discovers the provider and
//! validates the ID token (signature against the provider's JWKS, `iss`, `aud`, `exp`,
//! nonce); plain OAuth2 through `oauth2`, the profile read from the userinfo address. The
//! HTTP client follows no redirects (the libraries' advice against SSRF).

use std::time::Duration;

use oauth2::basic::BasicClient;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessToken, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde_json::Value;

use super::providers::{Kind, Provider};
use super::states::Pending;
use crate::proto::events::GuestProfile;

/// Why the provider's side failed (logged; the guest sees a plain page).
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// A configured or discovered address is unusable.
    #[error("provider configuration: {0}")]
    Config(String),
    /// Discovery failed.
    #[error("discovery: {0}")]
    Discovery(String),
    /// The code could not be exchanged.
    #[error("code exchange: {0}")]
    Exchange(String),
    /// The ID token is missing or invalid.
    #[error("ID token: {0}")]
    IdToken(String),
    /// Userinfo could not be read, or names another subject.
    #[error("userinfo: {0}")]
    Userinfo(String),
}

fn http() -> Result<reqwest::Client, FlowError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| FlowError::Config(e.to_string()))
}

fn config(e: impl std::fmt::Display) -> FlowError {
    FlowError::Config(e.to_string())
}

async fn oidc_client(
    p: &Provider,
    http: &reqwest::Client,
    callback: &str,
) -> Result<Discovered, FlowError> {
    let issuer = IssuerUrl::new(p.issuer.clone()).map_err(config)?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| FlowError::Discovery(e.to_string()))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(callback.to_string()).map_err(config)?))
}

/// A client as discovery makes it: authorization endpoint set, token and userinfo
/// endpoints as the provider's metadata has them.
type Discovered = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A plain OAuth2 client: authorization and token endpoints set.
type Plain = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn oauth2_client(p: &Provider, callback: &str) -> Result<Plain, FlowError> {
    Ok(BasicClient::new(ClientId::new(p.client_id.clone()))
        .set_client_secret(ClientSecret::new(p.client_secret.clone()))
        .set_auth_uri(AuthUrl::new(p.authorize_url.clone()).map_err(config)?)
        .set_token_uri(TokenUrl::new(p.token_url.clone()).map_err(config)?)
        .set_redirect_uri(RedirectUrl::new(callback.to_string()).map_err(config)?))
}

/// Where to send the guest: the provider's authorization address for `pending`'s PKCE
/// verifier and nonce, with `state`.
pub async fn authorize_url(
    p: &Provider,
    callback: &str,
    state: &str,
    pending: &Pending,
) -> Result<String, FlowError> {
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
        pending.verifier.clone(),
    ));
    let scopes = p.scopes.iter().map(|s| Scope::new(s.clone()));
    let state = CsrfToken::new(state.to_string());
    let url = match p.kind {
        Kind::Oidc => {
            let client = oidc_client(p, &http()?, callback).await?;
            let nonce = Nonce::new(pending.nonce.clone());
            client
                .authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    move || state,
                    move || nonce,
                )
                .add_scopes(scopes)
                .set_pkce_challenge(challenge)
                .url()
                .0
        }
        Kind::Oauth2 => {
            oauth2_client(p, callback)?
                .authorize_url(move || state)
                .add_scopes(scopes)
                .set_pkce_challenge(challenge)
                .url()
                .0
        }
    };
    Ok(url.to_string())
}

/// Exchanges `code` (with the PKCE verifier) and answers the guest's profile.
pub async fn finish(
    p: &Provider,
    callback: &str,
    code: &str,
    pending: &Pending,
) -> Result<GuestProfile, FlowError> {
    let http = http()?;
    let code = AuthorizationCode::new(code.to_string());
    let verifier = PkceCodeVerifier::new(pending.verifier.clone());
    let info = match p.kind {
        Kind::Oidc => {
            let client = oidc_client(p, &http, callback).await?;
            let tokens = client
                .exchange_code(code)
                .map_err(config)?
                .set_pkce_verifier(verifier)
                .request_async(&http)
                .await
                .map_err(|e| FlowError::Exchange(e.to_string()))?;
            let id_token = tokens
                .id_token()
                .ok_or_else(|| FlowError::IdToken("the token response has none".into()))?;
            let claims = id_token
                .claims(
                    &client.id_token_verifier(),
                    &Nonce::new(pending.nonce.clone()),
                )
                .map_err(|e| FlowError::IdToken(e.to_string()))?;
            let mut info = serde_json::to_value(claims).map_err(config)?;
            // Providers that follow the standard put profile claims in userinfo only.
            if let Some(url) = client.user_info_url() {
                let extra = userinfo(&http, url.as_str(), tokens.access_token()).await?;
                if extra.get("sub") != info.get("sub") {
                    return Err(FlowError::Userinfo("it names another subject".into()));
                }
                merge(&mut info, extra);
            }
            info
        }
        Kind::Oauth2 => {
            let tokens = oauth2_client(p, callback)?
                .exchange_code(code)
                .set_pkce_verifier(verifier)
                .request_async(&http)
                .await
                .map_err(|e| FlowError::Exchange(e.to_string()))?;
            userinfo(&http, &p.userinfo_url, tokens.access_token()).await?
        }
    };
    p.mapping
        .profile(&p.name, &info)
        .ok_or_else(|| FlowError::Userinfo(format!("no subject at {:?}", p.mapping.subject)))
}

async fn userinfo(
    http: &reqwest::Client,
    url: &str,
    token: &AccessToken,
) -> Result<Value, FlowError> {
    let res = http
        .get(url)
        .bearer_auth(token.secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| FlowError::Userinfo(e.to_string()))?;
    if !res.status().is_success() {
        return Err(FlowError::Userinfo(format!("status {}", res.status())));
    }
    let bytes = res
        .bytes()
        .await
        .map_err(|e| FlowError::Userinfo(e.to_string()))?;
    if bytes.len() > 256 * 1024 {
        return Err(FlowError::Userinfo("answer larger than 256 KiB".into()));
    }
    serde_json::from_slice(&bytes).map_err(|e| FlowError::Userinfo(e.to_string()))
}

/// `extra`'s fields over `info`'s.
fn merge(info: &mut Value, extra: Value) {
    if let (Value::Object(into), Value::Object(from)) = (info, extra) {
        into.extend(from);
    }
}
