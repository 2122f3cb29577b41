//! Social login through the manager, against a real OpenID Connect provider (npm
//! `oidc-provider`, tests/peers/op.mjs) driven like a guest's browser: the unit's splash
//! link → the manager's start → the provider's login and consent → the manager's callback →
//! back to the unit's portal with an assertion the unit verifies offline. Also: a refused
//! consent, a replayed or forged state, an assertion for another unit, a return address
//! that is not the unit's portal, a plain OAuth2 provider with a field mapping, and the
//! client secret never shown back. On SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, URL, Who, World};
use common::oidc::{Browser, OidcPeer};
use common::postgres::Postgres;
use hotspotd::manager::db::{DbError, Mode};
use hotspotd::manager::sync::keys::manager_key;
use hotspotd::proto::assertion::{AssertionError, GuestAssertion};
use serde_json::{Value, json};

const PORTAL: &str = "http://10.77.0.1:2050";
const ATTEMPT: &str = "attempt-0123456789abcdef";

struct Setup {
    world: World,
    peer: OidcPeer,
    hotspot: i64,
    unit: i64,
}

async fn setup(backend: &Backend) -> Setup {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("hotspotd=info")
        .with_test_writer()
        .try_init();
    let world = World::new(backend, 0).await;
    let peer = OidcPeer::start(&format!("{URL}/social/callback"), None, "127.0.0.1");
    let hotspot = world.hotspot[0];
    let provider = json!({"display_name": "Test ID", "issuer": peer.issuer,
        "client_id": "hotspotd", "client_secret": "test-secret"});
    let (status, _, text) = world
        .send(
            Who::ResellerA,
            "PUT",
            &format!("/api/v1/hotspots/{hotspot}/social-providers/op"),
            Some(&provider.to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert!(
        !text.contains("test-secret"),
        "the secret is never shown back: {text}"
    );
    let unit = world
        .db
        .tx(Mode::Write, move |c| {
            let r = c.query(
                "INSERT INTO units (hotspot_id, name, registered_at) VALUES ($1, 'lobby', 1)
                 RETURNING id",
                &[hotspot.into()],
            )?;
            r[0].int(0)
        })
        .await
        .unwrap();
    Setup {
        world,
        peer,
        hotspot,
        unit,
    }
}

fn start_path(s: &Setup, provider: &str, unit: i64, back: &str) -> String {
    format!(
        "/social/{}/{provider}/start?unit={unit}&attempt={ATTEMPT}&return={}",
        s.hotspot,
        urlencode(back)
    )
}

fn urlencode(v: &str) -> String {
    serde_urlencoded::to_string([("v", v)]).unwrap()[2..].to_string()
}

/// The guest's way from the splash link to the manager's answer at the callback: its
/// status, location and page; and the callback path (to replay it).
async fn sign_in(
    s: &Setup,
    provider: &str,
    decision: &str,
) -> (StatusCode, String, String, String) {
    let (status, authorize, text) = s
        .world
        .send(
            Who::Anonymous,
            "GET",
            &start_path(s, provider, s.unit, PORTAL),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    assert!(authorize.starts_with(&s.peer.issuer), "{authorize}");
    for part in [
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "response_type=code",
    ] {
        assert!(authorize.contains(part), "{part} in {authorize}");
    }
    let mut browser = Browser::default();
    let back = browser
        .through_provider(&s.peer.issuer, &authorize, "alice", decision)
        .await;
    let path = back
        .strip_prefix(URL)
        .expect("back at the manager's callback")
        .to_string();
    let (status, location, page) = s.world.send(Who::Anonymous, "GET", &path, None).await;
    (status, location, page, path)
}

async fn public_key(world: &World) -> String {
    world
        .db
        .tx(Mode::Write, |c| manager_key(c, 1).map(|k| k.public_hex))
        .await
        .unwrap()
}

fn assertion_of(location: &str) -> String {
    let prefix = format!("{PORTAL}/social/return?assertion=");
    location
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("not back at the portal: {location}"))
        .to_string()
}

async fn guest_signs_in_and_the_unit_verifies_offline(backend: Backend) {
    let s = setup(&backend).await;
    let (status, location, page, callback) = sign_in(&s, "op", "allow").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let signed = assertion_of(&location);
    let key = public_key(&s.world).await;
    let now = chrono::Utc::now().timestamp();
    let a = GuestAssertion::verify(&signed, &key, s.unit, now).expect("valid for the unit");
    assert_eq!(a.attempt, ATTEMPT);
    assert!(a.expires_at - a.issued_at <= 60);
    let p = &a.profile;
    assert_eq!(p.provider.as_deref(), Some("op"));
    assert_eq!(p.subject.as_deref(), Some("alice"));
    assert_eq!(p.name.as_deref(), Some("Alice Test"));
    assert_eq!(p.email.as_deref(), Some("alice@example.test"));
    assert_eq!(p.gender.as_deref(), Some("female"));
    assert_eq!(p.birth_date.as_deref(), Some("1990-04-01"));
    assert_eq!(p.locale.as_deref(), Some("it-IT"));

    // The same assertion presented by another unit is refused by it.
    assert_eq!(
        GuestAssertion::verify(&signed, &key, s.unit + 1, now),
        Err(AssertionError::WrongUnit(s.unit))
    );
    // The callback replayed (state and code used) finishes nothing.
    let (status, location, page) = s.world.send(Who::Anonymous, "GET", &callback, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{location}");
    assert!(page.contains("expired or was already used"), "{page}");
    // A forged state finishes nothing either.
    let forged = format!("/social/callback?state={}&code=x", "ab".repeat(32));
    let (status, _, page) = s.world.send(Who::Anonymous, "GET", &forged, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("expired or was already used"), "{page}");
}

async fn refused_consent_shows_a_way_back(backend: Backend) {
    let s = setup(&backend).await;
    let (status, location, page, _) = sign_in(&s, "op", "deny").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{location}");
    assert!(location.is_empty(), "no assertion: {location}");
    assert!(
        page.contains("You did not allow Test ID to sign you in"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"{PORTAL}/\"")), "{page}");
}

async fn start_refuses_what_is_not_the_units_portal(backend: Backend) {
    let s = setup(&backend).await;
    let h = s.hotspot;
    for back in [
        "http://evil.example",
        "http://8.8.8.8",
        "javascript:alert(1)",
        "http://10.77.0.1:2050/x",
    ] {
        let (status, location, _) = s
            .world
            .send(
                Who::Anonymous,
                "GET",
                &start_path(&s, "op", s.unit, back),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{back}: {location}");
    }
    // A unit of another hotspot, an unknown provider, a missing attempt: nothing starts.
    let other = start_path(&s, "op", s.unit + 100, PORTAL);
    let (status, _, _) = s.world.send(Who::Anonymous, "GET", &other, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let unknown = start_path(&s, "nope", s.unit, PORTAL);
    let (status, _, _) = s.world.send(Who::Anonymous, "GET", &unknown, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bare = format!("/social/{h}/op/start?unit={}", s.unit);
    let (status, _, _) = s.world.send(Who::Anonymous, "GET", &bare, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // With a portal address set for the hotspot, only it is a way back.
    let (status, _, text) = s
        .world
        .send(
            Who::ResellerA,
            "PUT",
            &format!("/api/v1/hotspots/{h}/vouchers/portal"),
            Some(r#"{"portal_url":"http://10.77.0.1:2050"}"#),
        )
        .await;
    assert!(status.is_success(), "{text}");
    let private_other = start_path(&s, "op", s.unit, "http://192.168.1.1");
    let (status, _, _) = s
        .world
        .send(Who::Anonymous, "GET", &private_other, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let states = s
        .world
        .db
        .tx(Mode::Read, |c| {
            c.query("SELECT 1 FROM social_states", &[]).map(|r| r.len())
        })
        .await
        .unwrap();
    assert_eq!(states, 0, "no refused start left a state");
}

async fn plain_oauth2_with_a_mapping_and_the_secret_kept(backend: Backend) {
    let s = setup(&backend).await;
    let h = s.hotspot;
    let meta: Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        s.peer.issuer
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    // Facebook-style: three addresses, no discovery, no ID token checked; fields mapped.
    let provider = json!({"display_name": "Plain", "kind": "oauth2",
        "authorize_url": meta["authorization_endpoint"], "token_url": meta["token_endpoint"],
        "userinfo_url": meta["userinfo_endpoint"], "subject_field": "sub",
        "locale_field": "locale", "scopes": "openid email profile",
        "client_id": "hotspotd", "client_secret": "wrong-secret"});
    let path = format!("/api/v1/hotspots/{h}/social-providers/plain");
    let (status, _, text) = s
        .world
        .send(Who::ResellerA, "PUT", &path, Some(&provider.to_string()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    // The wrong secret fails at the token exchange: a page, no assertion.
    let (status, location, page, _) = sign_in(&s, "plain", "allow").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{location}");
    assert!(page.contains("could not be completed"), "{page}");
    // A new secret replaces it; then an empty one keeps it.
    for secret in ["test-secret", ""] {
        let mut fixed = provider.clone();
        fixed["client_secret"] = json!(secret);
        let (status, _, text) = s
            .world
            .send(Who::ResellerA, "PUT", &path, Some(&fixed.to_string()))
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(text.contains(r#""secret_set":true"#), "{text}");
    }
    let (status, location, page, _) = sign_in(&s, "plain", "allow").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let key = public_key(&s.world).await;
    let now = chrono::Utc::now().timestamp();
    let a = GuestAssertion::verify(&assertion_of(&location), &key, s.unit, now).unwrap();
    assert_eq!(a.profile.provider.as_deref(), Some("plain"));
    assert_eq!(a.profile.subject.as_deref(), Some("alice"));
    assert_eq!(a.profile.locale.as_deref(), Some("it-IT"));
    // Listed without any secret; an invalid change names its field and changes nothing.
    let (_, _, list) = s
        .world
        .send(
            Who::ResellerA,
            "GET",
            &format!("/api/v1/hotspots/{h}/social-providers"),
            None,
        )
        .await;
    assert!(
        !list.contains("secret\":\"") && !list.contains("test-secret"),
        "{list}"
    );
    let before = s.world.dump().await;
    let bad = json!({"display_name": "X", "kind": "oidc", "issuer": "http://8.8.8.8",
        "client_id": "c", "client_secret": "s"});
    let (status, _, text) = s
        .world
        .send(Who::ResellerA, "PUT", &path, Some(&bad.to_string()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("issuer"), "{text}");
    assert_eq!(before, s.world.dump().await);
    let audit = s
        .world
        .db
        .tx(Mode::Read, |c| {
            c.query(
                "SELECT object FROM audit_log WHERE action LIKE '%social%'",
                &[],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<Vec<_>, DbError>>()
        })
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.contains("secret kept")), "{audit:?}");
    assert!(
        !audit.iter().any(|a| a.contains("test-secret")),
        "{audit:?}"
    );
}

async fn the_page_adds_and_changes_a_provider_keeping_its_secret(backend: Backend) {
    let s = setup(&backend).await;
    let h = s.hotspot;
    let page = format!("/hotspots/{h}/social");
    let (status, _, html) = s.world.send(Who::ResellerA, "GET", &page, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("{URL}/social/callback")),
        "the callback to register"
    );
    assert!(
        html.contains("Test ID") && !html.contains("test-secret"),
        "{html}"
    );
    // A refused form names the field and saves nothing.
    let before = s.world.dump().await;
    let bad =
        "name=Bad+Name&display_name=X&issuer=https%3A%2F%2Fid.example&client_id=c&client_secret=s";
    let (status, _, html) = s.world.send(Who::ResellerA, "POST", &page, Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Nothing was saved") && html.contains("name"),
        "{html}"
    );
    assert_eq!(before, s.world.dump().await);
    // The edit form shows everything but the secret; saved with it empty, the secret stays.
    let (_, _, html) = s
        .world
        .send(Who::ResellerA, "GET", &format!("{page}?edit=op"), None)
        .await;
    assert!(
        html.contains("A secret is stored") && !html.contains("test-secret"),
        "{html}"
    );
    let form = format!(
        "name=op&display_name=Test+ID+2&kind=oidc&issuer={}&client_id=hotspotd&client_secret=",
        urlencode(&s.peer.issuer)
    );
    let (status, location, _) = s
        .world
        .send(Who::ResellerA, "POST", &page, Some(&form))
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, page.as_str())
    );
    let (status, _, _, _) = sign_in(&s, "op", "allow").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "still signs in with the kept secret"
    );
    // A desk clerk of the hotspot cannot see it (the route table's walk covers every role).
    let (status, _, _) = s.world.send(Who::DeskA, "GET", &page, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

macro_rules! both {
    ($($name:ident),*) => {
        mod on_sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let dir = tempfile::tempdir().unwrap();
                super::$name(super::Backend::Sqlite(dir.path().to_path_buf())).await;
            })*
        }
        mod on_postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let pg = super::Postgres::start();
                super::$name(super::Backend::Postgres(pg.url())).await;
            })*
        }
    };
}

both!(
    guest_signs_in_and_the_unit_verifies_offline,
    refused_consent_shows_a_way_back,
    start_refuses_what_is_not_the_units_portal,
    plain_oauth2_with_a_mapping_and_the_secret_kept,
    the_page_adds_and_changes_a_provider_keeping_its_secret
);
