//! Authorisation, proven route by route (ROLES.md): every route of the manager's table ×
//! {anonymous, admin, reseller A, reseller B, customer and desk of A's hotspot, customer of
//! B's hotspot} × {an object of tenant A, one of tenant B}. The expected answer comes from
//! this file's own reading of ROLES.md, not from the route table; a route without an entry
//! here fails the test. A refused request must change nothing (every table compared).
//! Runs on SQLite and on PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::manager::{Backend, EVERYONE, Who, World};
use common::postgres::Postgres;
use hotspotd::manager::areas::records::{self, GuestSeen, SessionReport};
use hotspotd::manager::auth::master_key;
use hotspotd::manager::db::Mode;
use hotspotd::manager::routes::{Access, ROUTES, Scope};

#[path = "manager_authz/roles_table.rs"]
mod roles_table;
use roles_table::EXPECT;

/// Objects inside each world's two hotspots that paths name beside the hotspot, one of each
/// per hotspot: a voucher batch of one voucher, an allowed MAC address, a unit registration
/// token, a splash image, a profile, a limitation, a social login provider `op` (made through
/// the manager's own API), a guest online (stored through the manager's own ingest functions)
/// and a registered unit.
const MAC: &str = "02:00:00:00:00:01";

struct Inside {
    guest: [i64; 2],
    asset: [String; 2],
    token: [i64; 2],
    voucher: [i64; 2],
    batch: [i64; 2],
    profile: [i64; 2],
    limitation: [i64; 2],
    unit: [i64; 2],
}

/// A POST by the admin that must create; the new object's id.
async fn create(world: &World, path: &str, body: &str) -> i64 {
    let (status, _, text) = world.send(Who::Admin, "POST", path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {text}");
    let created: serde_json::Value = serde_json::from_str(&text).unwrap();
    created["id"].as_i64().unwrap()
}

async fn inside(world: &World) -> Inside {
    let mut inside = Inside {
        guest: [0; 2],
        asset: [String::new(), String::new()],
        token: [0; 2],
        voucher: [0; 2],
        batch: [0; 2],
        profile: [0; 2],
        limitation: [0; 2],
        unit: [0; 2],
    };
    for t in 0..2 {
        // A profile with a limitation attached (so detaching it succeeds).
        let h = world.hotspot[t];
        inside.profile[t] = create(
            world,
            &format!("/api/v1/hotspots/{h}/profiles"),
            r#"{"name":"inside","validity":"1d"}"#,
        )
        .await;
        inside.limitation[t] = create(
            world,
            &format!("/api/v1/hotspots/{h}/limitations"),
            r#"{"name":"inside","down":"10M"}"#,
        )
        .await;
        let (status, _, text) = world
            .send(
                Who::Admin,
                "PUT",
                &format!(
                    "/api/v1/hotspots/{h}/profiles/{}/limitations/{}",
                    inside.profile[t], inside.limitation[t]
                ),
                Some("{}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let (_, _, text) = world
            .send(
                Who::Admin,
                "POST",
                &format!("/api/v1/hotspots/{}/vouchers", world.hotspot[t]),
                Some(r#"{"count":1}"#),
            )
            .await;
        let created: serde_json::Value = serde_json::from_str(&text).unwrap();
        inside.batch[t] = created["batch"]["id"].as_i64().unwrap();
        let (_, _, text) = world
            .send(
                Who::Admin,
                "GET",
                &format!("/api/v1/hotspots/{}/vouchers", world.hotspot[t]),
                None,
            )
            .await;
        let list: serde_json::Value = serde_json::from_str(&text).unwrap();
        inside.voucher[t] = list["items"][0]["id"].as_i64().unwrap();
        let (status, _, _) = world
            .send(
                Who::Admin,
                "POST",
                &format!("/api/v1/hotspots/{}/macs", world.hotspot[t]),
                Some(&format!(r#"{{"mac":"{MAC}"}}"#)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, _, text) = world
            .send(
                Who::Admin,
                "POST",
                &format!("/api/v1/hotspots/{}/unit-tokens", world.hotspot[t]),
                Some("{}"),
            )
            .await;
        let token: serde_json::Value = serde_json::from_str(&text).unwrap();
        inside.token[t] = token["id"].as_i64().unwrap();
        let (status, _, text) = world
            .send_bytes(
                Who::Admin,
                &format!("/api/v1/hotspots/{}/design/assets", world.hotspot[t]),
                "image/png",
                common::splash::logo(),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
        inside.asset[t] = stored["id"].as_str().unwrap().to_string();
        // A social login provider, `op` (the start route finds it; its issuer is not
        // reached here).
        let (status, _, text) = world
            .send(
                Who::Admin,
                "PUT",
                &format!("/api/v1/hotspots/{}/social-providers/op", world.hotspot[t]),
                Some(
                    r#"{"display_name":"OP","issuer":"https://op.test","client_id":"c","client_secret":"s"}"#,
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        let hotspot = world.hotspot[t];
        inside.unit[t] = world
            .db
            .tx(Mode::Write, move |c| {
                c.query(
                    "INSERT INTO units (hotspot_id, name, registered_at) VALUES ($1, 'lobby', 1)
                     RETURNING id",
                    &[hotspot.into()],
                )?[0]
                    .int(0)
            })
            .await
            .unwrap();
        inside.guest[t] = world
            .db
            .tx(Mode::Write, move |c| {
                let id = records::guest_seen(
                    c,
                    hotspot,
                    &GuestSeen {
                        uid: "g1",
                        username: "ann@example.com",
                        method: "email",
                        at: 1,
                    },
                )?;
                let s = SessionReport {
                    uid: "s1",
                    guest_id: id,
                    mac: "02:00:00:00:00:09",
                    ip: "10.77.0.9",
                    unit: "lobby",
                    started_at: 1,
                    ended_at: None,
                    bytes_down: 10,
                    bytes_up: 1,
                };
                records::session(c, hotspot, &s)?;
                Ok::<_, hotspotd::manager::db::DbError>(id)
            })
            .await
            .unwrap();
    }
    inside
}

fn letter(who: Who) -> char {
    match who {
        Who::Anonymous => '-',
        Who::Admin => 'A',
        Who::ResellerA | Who::ResellerB => 'R',
        Who::CustomerA | Who::CustomerB => 'C',
        Who::DeskA => 'D',
    }
}

/// Whether an object of tenant `t` (0 = A, 1 = B) reached through `scope` is `who`'s own.
/// The API tokens of the world belong to reseller A (tenant 0) and reseller B (tenant 1).
fn owns(who: Who, scope: Scope, t: usize) -> bool {
    if scope == Scope::Token {
        return (who, t) == (Who::ResellerA, 0) || (who, t) == (Who::ResellerB, 1);
    }
    match who {
        Who::Anonymous => false,
        Who::Admin => true,
        Who::ResellerA => t == 0,
        Who::ResellerB => t == 1,
        // Customer and desk own their hotspot and what is inside it, never a reseller.
        Who::CustomerA | Who::DeskA => t == 0 && scope != Scope::Reseller,
        Who::CustomerB => t == 1 && scope != Scope::Reseller,
    }
}

/// A body every handler of the route accepts, with names unique per call.
fn body(path: &str, n: usize) -> String {
    let m = n % 256;
    if path.starts_with("/api/") {
        format!(
            r#"{{"name":"Name {n}","username":"user{n}","role":"customer","disabled":true,"scope":"read",
               "current":"wrong-password","new":"another-password-{n}","time_zone":"UTC",
               "count":2,"portal_url":"http://10.77.0.1:2050","mac":"02:00:00:00:01:{m:02x}",
               "reason":"stolen"}}"#
        )
    } else {
        format!(
            "name=Name+{n}&username=user{n}&role=customer&disabled=true&scope=read&current=wrong-password\
             &new=another-password-{n}&repeat=another-password-{n}&time_zone=UTC&token=x\
             &count=2&portal_url=http%3A%2F%2F10.77.0.1%3A2050&mac=02:00:00:00:01:{m:02x}&reason=stolen"
        )
    }
}

/// `path` with its placeholders filled with tenant `t`'s objects.
fn concrete(path: &str, world: &World, objects: &Inside, t: usize) -> String {
    path.replace("{reseller}", &world.reseller[t].to_string())
        .replace("{hotspot}", &world.hotspot[t].to_string())
        .replace("{account}", &world.customer[t].to_string())
        .replace("{voucher}", &objects.voucher[t].to_string())
        .replace("{batch}", &objects.batch[t].to_string())
        .replace("{mac}", MAC)
        .replace("{unit_token}", &objects.token[t].to_string())
        .replace("{unit}", &objects.unit[t].to_string())
        .replace("{token}", &world.token[t].to_string())
        .replace("{guest}", &objects.guest[t].to_string())
        .replace("{asset}", &objects.asset[t])
        .replace("{profile}", &objects.profile[t].to_string())
        .replace("{limitation}", &objects.limitation[t].to_string())
        .replace("{provider}", "op")
        .replace("{secret}", &"0".repeat(64))
        .replace("{external_id}", "ext-r")
        .replace("{hotspot_external_id}", "ext-h")
        .replace("{account_external_id}", "ext-a")
}

async fn walk(backend: Backend) {
    for route in ROUTES {
        assert!(
            EXPECT
                .iter()
                .any(|(m, p, _)| *m == route.method.as_str() && *p == route.path),
            "route {} {} has no entry in this test's ROLES.md table: add one",
            route.method,
            route.path
        );
    }
    for (m, p, _) in EXPECT {
        assert!(
            ROUTES
                .iter()
                .any(|r| r.method.as_str() == *m && r.path == *p),
            "{m} {p} is expected but not routed"
        );
    }
    let mut n = 0;
    let reads = World::new(&backend, n).await;
    let reads_inside = inside(&reads).await;
    for route in ROUTES {
        let (_, _, allowed) = EXPECT
            .iter()
            .find(|(m, p, _)| *m == route.method.as_str() && *p == route.path)
            .unwrap();
        let tenants: &[usize] = if route.scope == Scope::None {
            &[0]
        } else {
            &[1, 0]
        };
        for who in EVERYONE {
            // Requests that may change something get a world of their own.
            let fresh;
            let fresh_inside;
            let (world, objects) = if route.method == "GET" {
                (&reads, &reads_inside)
            } else {
                n += 1;
                fresh = World::new(&backend, n).await;
                fresh_inside = inside(&fresh).await;
                (&fresh, &fresh_inside)
            };
            for &t in tenants {
                n += 1;
                let path = concrete(route.path, world, objects, t);
                let before = world.dump().await;
                let (status, location, text) = world
                    .send(
                        who,
                        route.method.as_str(),
                        &path,
                        Some(&body(route.path, n)),
                    )
                    .await;
                let what = format!(
                    "{who:?} {} {path} (tenant {t}): {status} {location} {text}",
                    route.method
                );
                let public = *allowed == "*";
                let role_ok = public || allowed.contains(letter(who));
                let scope_ok = route.scope == Scope::None || owns(who, route.scope, t);
                if public {
                    assert!(
                        ![StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND].contains(&status),
                        "{what}"
                    );
                    continue;
                }
                if *allowed == "K" {
                    // Only the master key (none here) opens these: no cookie of any role.
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
                } else if who == Who::Anonymous {
                    if path.starts_with("/api/") {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
                    } else {
                        assert!(
                            status == StatusCode::SEE_OTHER && location == "/login",
                            "{what}"
                        );
                    }
                } else if !(role_ok && scope_ok) {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
                } else {
                    // The handler ran: success, or its own refusal of the input (a wrong
                    // current password, a hotspot that already has its customer account).
                    assert!(
                        status.is_success()
                            || status.is_redirection()
                            || status == StatusCode::UNPROCESSABLE_ENTITY,
                        "{what}"
                    );
                    continue;
                }
                assert_eq!(
                    before,
                    world.dump().await,
                    "a refused request changed something: {what}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_principal_as_roles_md_says_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    walk(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_principal_as_roles_md_says_on_postgres() {
    let pg = Postgres::start();
    walk(Backend::Postgres(pg.url())).await;
}

/// The master key and accounts' credentials never cross: while a key exists, no session
/// cookie (walked above) and no API token reaches a master-key route, and the key reaches no
/// other route. Nothing changes.
async fn boundary(backend: Backend) {
    let world = World::new(&backend, 0).await;
    let objects = inside(&world).await;
    let key = world
        .db
        .tx(Mode::Write, |c| master_key::rotate(c, 1))
        .await
        .unwrap();
    let before = world.dump().await;
    for (n, route) in ROUTES.iter().enumerate() {
        let path = concrete(route.path, &world, &objects, 0);
        let (credentials, refused): (Vec<(header::HeaderName, String)>, _) = match route.access {
            Access::Public => continue,
            Access::MasterKey => (
                world
                    .token_value
                    .iter()
                    .map(|t| (header::AUTHORIZATION, format!("Bearer {t}")))
                    .collect(),
                StatusCode::UNAUTHORIZED,
            ),
            _ if path.starts_with("/api/") => (
                vec![(
                    header::HeaderName::from_static(master_key::HEADER),
                    key.clone(),
                )],
                StatusCode::UNAUTHORIZED,
            ),
            _ => (
                vec![(
                    header::HeaderName::from_static(master_key::HEADER),
                    key.clone(),
                )],
                StatusCode::SEE_OTHER,
            ),
        };
        for (name, value) in credentials {
            let req = Request::builder()
                .method(route.method.as_str())
                .uri(&path)
                .header(name, value)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body(route.path, n)))
                .unwrap();
            let (status, _, text) = world.raw(req).await;
            assert_eq!(status, refused, "{} {path}: {text}", route.method);
        }
    }
    assert_eq!(
        before,
        world.dump().await,
        "a refused request changed something"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_key_and_account_credentials_never_cross_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    boundary(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_key_and_account_credentials_never_cross_on_postgres() {
    let pg = Postgres::start();
    boundary(Backend::Postgres(pg.url())).await;
}
