//! Social login end to end in the namespace lab: the real daemon on the gateway, the real
//! manager (`hotspotd manager`) and a real OpenID Connect provider (npm `oidc-provider`) on
//! the upstream network at 10.88.0.3 (in the venue's walled garden), headless Chromium and
//! curl on guest devices. The unit's identity is the one registration stores (the manager's
//! key, the unit and hotspot ids), written before the daemon starts.
//!
//! A guest taps the provider on the splash, signs in and allows at the provider, comes back
//! online with its profile kept; a guest who denies sees the manager's page and a way back;
//! an assertion presented by another device, replayed, made for another unit, or a forged
//! state at the manager: all refused, nobody let in.

mod common;

use std::mem::ManuallyDrop;
use std::time::Duration;

use common::lab::{Lab, PORTAL, guest_mac};
use common::manager_process::ManagerProcess;
use common::netns::Netns;
use common::oidc::OidcPeer;
use common::peers::free_port;
use common::webdriver::Browser;
use hotspotd::manager::db::{Db, DbError, Mode};
use hotspotd::manager::social::mapping::Mapping;
use hotspotd::manager::social::providers::{self, Kind, Provider};
use hotspotd::manager::sync::keys::manager_key;
use hotspotd::proto::assertion::GuestAssertion;
use hotspotd::proto::auth::UnitKey;
use hotspotd::proto::events::GuestProfile;
use hotspotd::store::{Store, Trust, UnitIdentity};

const UPSTREAM: &str = "10.88.0.3";

struct World {
    lab: Lab,
    manager: ManagerProcess,
    _peer: OidcPeer,
    unit: i64,
    manager_db: Db,
}

/// The manager's hotspot with provider `op` and one unit; the unit registered with it.
async fn world() -> World {
    let mut lab = Lab::without_daemon(3, "");
    let up = ManuallyDrop::new(Netns {
        name: format!("{}-up", lab.prefix),
    });
    let port = free_port();
    let url = format!("http://{UPSTREAM}:{port}");
    let manager = ManagerProcess::start(Some(&up), &format!("{UPSTREAM}:{port}"), &url, &[]);
    let peer = OidcPeer::start(&format!("{url}/social/callback"), Some(&up.name), UPSTREAM);
    let manager_db = Db::open(&manager.database).await.unwrap();
    let issuer = peer.issuer.clone();
    let (hotspot, unit, key) = manager_db
        .tx(Mode::Write, move |c| {
            c.execute(
                "INSERT INTO resellers (name, created_at) VALUES ('r', 0)",
                &[],
            )?;
            let hotspot = c.query(
                "INSERT INTO hotspots (reseller_id, name, description, business_name, vat_number,
                 address, privacy_contact, time_zone, created_at)
                 VALUES (1, 'Test Café', '', '', '', '', '', 'UTC', 0) RETURNING id",
                &[],
            )?[0]
                .int(0)?;
            providers::save(
                c,
                &Provider {
                    id: 0,
                    hotspot_id: hotspot,
                    name: "op".into(),
                    display_name: "Test ID".into(),
                    kind: Kind::Oidc,
                    issuer,
                    authorize_url: String::new(),
                    token_url: String::new(),
                    userinfo_url: String::new(),
                    mapping: Mapping::default(),
                    client_id: "hotspotd".into(),
                    client_secret: "test-secret".into(),
                    scopes: vec!["email".into(), "profile".into()],
                },
            )?;
            let unit = c.query(
                "INSERT INTO units (hotspot_id, name, registered_at) VALUES ($1, 'lobby', 1)
                 RETURNING id",
                &[hotspot.into()],
            )?[0]
                .int(0)?;
            let key = manager_key(c, 1).map_err(|_| DbError::Type(0))?;
            Ok::<_, DbError>((hotspot, unit, key.public_hex))
        })
        .await
        .unwrap();
    let data = lab.dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut store = Store::open(&data.join("hotspotd.db")).unwrap();
    store
        .save_identity(&UnitIdentity {
            unit_id: unit,
            hotspot_id: hotspot,
            manager_url: url.clone(),
            manager_key: key,
            voucher_key: "00".repeat(32),
            trust: Trust::default(),
            private_key: UnitKey::generate().unwrap(),
            registered_at: 1,
        })
        .unwrap();
    drop(store);
    lab.start_daemon();
    lab.ok(&["profile", "add", "social"]);
    lab.ok(&[
        "garden",
        "add",
        &format!("{UPSTREAM}/32"),
        "--note",
        "manager and provider",
    ]);
    lab.ok(&[
        "settings",
        "set",
        "methods.social",
        r#"{"enabled":true,"providers":["op"],"profile":"social"}"#,
    ]);
    World {
        lab,
        manager,
        _peer: peer,
        unit,
        manager_db,
    }
}

fn online(lab: &Lab, i: usize) -> bool {
    lab.client(i).is_some_and(|c| c["mac"] == guest_mac(i))
}

fn wait_for_url(b: &Browser, part: &str) -> String {
    for _ in 0..100 {
        let url = b.url();
        if url.contains(part) {
            return url;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "browser never reached {part}: at {}\n{}",
        b.url(),
        b.source()
    );
}

/// curl on guest `i`: one request, not following; (status, location, body).
fn hop(lab: &Lab, i: usize, args: &[&str]) -> (String, String, String) {
    let jar = lab.dir.path().join(format!("jar{i}"));
    let jar = jar.to_str().unwrap();
    let mut full = vec![
        "curl",
        "-s",
        "-c",
        jar,
        "-b",
        jar,
        "-w",
        "\n%{http_code} %{redirect_url}",
    ];
    full.extend_from_slice(args);
    let out = lab.in_ns(&lab.guest(i), &full);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, last) = text.rsplit_once('\n').unwrap_or(("", &text));
    let (status, location) = last.split_once(' ').unwrap_or((last, ""));
    (status.to_string(), location.to_string(), body.to_string())
}

/// Guest `i` signs in with curl as `account`, up to the manager's answer: the address it
/// sends the guest back to (the portal with the assertion), not followed.
fn assertion_for(lab: &Lab, i: usize, account: &str) -> String {
    let (_, start, _) = hop(lab, i, &[&format!("{PORTAL}/social/op")]);
    assert!(
        start.contains("/social/") && start.contains("/start?"),
        "{start}"
    );
    let (_, authorize, body) = hop(lab, i, &[&start]);
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize} {body}"
    );
    let (_, interaction, _) = hop(lab, i, &[&authorize]);
    let (status, _, page) = hop(lab, i, &[&interaction]);
    assert_eq!(status, "200", "{page}");
    let form = ["-d", "decision=allow", "-d"];
    let login = format!("login={account}");
    let (_, resume, _) = hop(lab, i, &[form[0], form[1], form[2], &login, &interaction]);
    let (_, callback, _) = hop(lab, i, &[&resume]);
    let (status, back, page) = hop(lab, i, &[&callback]);
    assert_eq!(status, "303", "{page}");
    assert!(
        back.starts_with(&format!("{PORTAL}/social/return?assertion=")),
        "{back}"
    );
    back
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_sign_in_through_the_manager_and_forgeries_are_refused() {
    let w = world().await;
    let lab = &w.lab;

    // Guest 1 in Chromium: the splash's button, the provider's page, Allow, online.
    let b = Browser::start(&lab.guest(1));
    b.goto(&format!("{PORTAL}/"));
    assert!(b.source().contains("Continue with Op"), "{}", b.source());
    b.click("#social-op");
    wait_for_url(&b, "/interaction/");
    b.click("#allow");
    wait_for_url(&b, "/status");
    assert!(online(lab, 1), "guest 1 online after signing in");
    let guests: serde_json::Value = serde_json::from_str(&lab.ok(&["guests", "--json"])).unwrap();
    let alice = guests
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["identifier"] == "op:alice")
        .unwrap_or_else(|| panic!("no social guest: {guests}"));
    let id = alice["id"].to_string();
    let shown: serde_json::Value =
        serde_json::from_str(&lab.ok(&["guests", "show", &id, "--json"])).unwrap();
    let p = &shown["profile"];
    assert_eq!(p["provider"], "op");
    assert_eq!(p["name"], "Alice Test");
    assert_eq!(p["email"], "alice@example.test");
    assert_eq!(p["gender"], "female");
    assert_eq!(p["birth_date"], "1990-04-01");
    assert_eq!(p["locale"], "it-IT");
    drop(b);

    // Guest 2 in Chromium denies at the provider: the manager's page, a way back, offline.
    let b = Browser::start(&lab.guest(2));
    b.goto(&format!("{PORTAL}/social/op"));
    wait_for_url(&b, "/interaction/");
    b.click("#deny");
    wait_for_url(&b, "/social/callback");
    assert!(
        b.source().contains("You did not allow Test ID"),
        "{}",
        b.source()
    );
    b.click("a.button");
    wait_for_url(&b, &format!("{PORTAL}/"));
    assert!(!online(lab, 2));
    drop(b);

    // Guest 2 signs in (curl) but guest 3 presents its assertion: another device's.
    let back = assertion_for(lab, 2, "bob");
    let (status, _, page) = hop(lab, 3, &[&back]);
    assert_eq!(status, "403", "{page}");
    assert!(page.contains("started on another device"), "{page}");
    assert!(!online(lab, 3));
    // Guest 2 itself gets in with it, once.
    let (status, location, _) = hop(lab, 2, &[&back]);
    assert_eq!(
        (status.as_str(), location.as_str()),
        ("303", format!("{PORTAL}/status").as_str())
    );
    assert!(online(lab, 2));
    let (status, _, page) = hop(lab, 2, &[&back]);
    assert_eq!(status, "403", "replayed: {page}");
    assert!(page.contains("already used"), "{page}");

    // An assertion the manager signed for another unit, for guest 3's own attempt.
    let (_, start, _) = hop(lab, 3, &[&format!("{PORTAL}/social/op")]);
    let attempt = start
        .split("attempt=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let other_unit = w.unit + 1;
    let signed = w
        .manager_db
        .tx(Mode::Write, move |c| {
            let key = manager_key(c, 1).map_err(|_| DbError::Type(0))?;
            let now = chrono::Utc::now().timestamp();
            let a = GuestAssertion {
                id: "for-another-unit".into(),
                unit_id: other_unit,
                attempt,
                profile: GuestProfile {
                    provider: Some("op".into()),
                    subject: Some("mallory".into()),
                    ..GuestProfile::default()
                },
                issued_at: now,
                expires_at: now + 60,
            };
            Ok::<_, DbError>(a.sign(&key.key))
        })
        .await
        .unwrap();
    let (status, _, page) = hop(
        lab,
        3,
        &[&format!("{PORTAL}/social/return?assertion={signed}")],
    );
    assert_eq!(status, "403", "{page}");
    assert!(page.contains("not valid here"), "{page}");
    assert!(!online(lab, 3));

    // Guest 3 asks for a few minutes to finish in its browser: online for a short
    // session, once an hour.
    let token = lab.form_token_in(&lab.guest(3), PORTAL);
    let form = format!("token={token}");
    let (status, _, page) = hop(lab, 3, &["-d", &form, &format!("{PORTAL}/social/browser")]);
    assert_eq!(status, "200", "{page}");
    assert!(page.contains("5 minutes"), "{page}");
    assert!(online(lab, 3), "the grant lets the device out");
    let left = lab.client(3).unwrap()["seconds_left"].as_u64().unwrap();
    assert!((240..=300).contains(&left), "a short session: {left} s");
    // Signing in during those minutes replaces the grant's session with the guest's own
    // (bob's, who left guest 2: one device per user under this profile).
    lab.logout(2);
    let granted_user = lab.client(3).unwrap()["user_id"].clone();
    let back = assertion_for(lab, 3, "bob");
    let (status, _, page) = hop(lab, 3, &[&back]);
    assert_eq!(status, "303", "{page}");
    let own = lab.client(3).unwrap();
    assert_ne!(own["user_id"], granted_user, "{own}");
    assert!(own["seconds_left"].as_u64().unwrap() > 300, "{own}");
    lab.logout(3);
    let (status, _, page) = hop(lab, 3, &["-d", &form, &format!("{PORTAL}/social/browser")]);
    assert_eq!(status, "403", "a second grant within the hour: {page}");
    assert!(!online(lab, 3));

    // A forged state at the manager's callback finishes nothing.
    let forged = format!(
        "{}/social/callback?state={}&code=x",
        w.manager.url,
        "ab".repeat(32)
    );
    let (status, location, _) = hop(lab, 3, &[&forged]);
    assert_eq!(status, "400");
    assert!(location.is_empty());
}
