//! A manager world for tests: a fresh database (SQLite file or PostgreSQL schema) holding two
//! resellers A and B, a hotspot each, customer and desk accounts, and a logged-in session for
//! every principal; requests go through the real router with tower's `oneshot`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hotspotd::manager::auth::session;
use hotspotd::manager::db::{Conn, Db, DbError, Mode};
use hotspotd::manager::{ManagerState, app};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Where a world keeps its data.
pub enum Backend {
    /// A SQLite file in this directory.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL server's `postgres` database; each world gets a schema of its own.
    Postgres(String),
}

/// Who makes a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    Admin,
    ResellerA,
    ResellerB,
    CustomerA,
    DeskA,
    CustomerB,
}

pub const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Admin,
    Who::ResellerA,
    Who::ResellerB,
    Who::CustomerA,
    Who::DeskA,
    Who::CustomerB,
];

/// A session: cookie token and CSRF token.
#[derive(Debug, Clone)]
pub struct Login {
    pub token: String,
    pub csrf: String,
}

pub struct World {
    pub db: Db,
    pub app: Router,
    pub reseller: [i64; 2],
    pub hotspot: [i64; 2],
    /// The customer account of each hotspot.
    pub customer: [i64; 2],
    /// An API token of each reseller (write scope), and its value.
    pub token: [i64; 2],
    pub token_value: [String; 2],
    logins: Vec<(Who, Login)>,
}

/// The public URL of the test manager.
pub const URL: &str = "https://manager.test";

fn insert(c: &mut dyn Conn, sql: &str, params: &[hotspotd::manager::db::Value]) -> i64 {
    c.query(sql, params).unwrap()[0].int(0).unwrap()
}

impl World {
    pub async fn new(backend: &Backend, n: usize) -> World {
        let url = match backend {
            Backend::Sqlite(dir) => format!("sqlite://{}/m{n}.db", dir.display()),
            Backend::Postgres(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect to the test PostgreSQL");
                tokio::spawn(conn);
                client
                    .batch_execute(&format!("CREATE SCHEMA w{n}"))
                    .await
                    .unwrap();
                format!("{url}?options=-csearch_path%3Dw{n}")
            }
        };
        let db = Db::open(&url).await.expect("open the manager database");
        let hash = hotspotd::manager::auth::password::dummy_hash().to_string();
        let (reseller, hotspot, customer, token, logins) = db
            .tx(Mode::Write, move |c| {
                let admin = insert(
                    c,
                    "INSERT INTO accounts (username, role, password_hash, must_change_password,
                     created_at) VALUES ('admin', 'admin', $1, $2, 0) RETURNING id",
                    &[(&hash).into(), false.into()],
                );
                let mut r = [0; 2];
                let mut h = [0; 2];
                let mut accounts = vec![(Who::Admin, admin)];
                for (i, tag) in ["a", "b"].into_iter().enumerate() {
                    r[i] = insert(
                        c,
                        "INSERT INTO resellers (name, disabled, created_at) VALUES ($1, $2, 0) RETURNING id",
                        &[format!("Reseller {tag}").into(), false.into()],
                    );
                    h[i] = insert(
                        c,
                        "INSERT INTO hotspots (reseller_id, name, description, business_name,
                         vat_number, address, privacy_contact, time_zone, created_at)
                         VALUES ($1, $2, '', '', '', '', '', 'UTC', 0) RETURNING id",
                        &[r[i].into(), format!("Hotspot {tag}").into()],
                    );
                }
                let mut customer = [0; 2];
                let mut tokens = [0; 2];
                for (who, role, i) in [
                    (Who::ResellerA, "reseller", 0),
                    (Who::ResellerB, "reseller", 1),
                    (Who::CustomerA, "customer", 0),
                    (Who::DeskA, "desk", 0),
                    (Who::CustomerB, "customer", 1),
                ] {
                    let hotspot = (role != "reseller").then_some(h[i]);
                    let id = insert(
                        c,
                        "INSERT INTO accounts (username, role, password_hash, must_change_password,
                         reseller_id, hotspot_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0)
                         RETURNING id",
                        &[
                            format!("{role}-{i}").into(),
                            role.into(),
                            (&hash).into(),
                            false.into(),
                            r[i].into(),
                            hotspot.into(),
                        ],
                    );
                    if role == "customer" {
                        customer[i] = id;
                    }
                    if role == "reseller" {
                        tokens[i] = insert(
                            c,
                            "INSERT INTO api_tokens (account_id, name, token_hash, scope, created_at)
                             VALUES ($1, 'integration', $2, 'write', 0) RETURNING id",
                            &[id.into(), session::digest(&format!("hsm_token{i}")).into()],
                        );
                    }
                    accounts.push((who, id));
                }
                let mut logins = Vec::new();
                for (who, id) in accounts {
                    let token = session::create(c, id, "127.0.0.1", chrono::Utc::now().timestamp())?;
                    let csrf = c
                        .query_opt(
                            "SELECT csrf FROM browser_sessions WHERE id_hash = $1",
                            &[session::digest(&token).into()],
                        )?
                        .unwrap()
                        .text(0)?;
                    logins.push((who, Login { token, csrf }));
                }
                Ok::<_, DbError>((r, h, customer, tokens, logins))
            })
            .await
            .unwrap();
        let app = app(ManagerState::new(db.clone(), URL));
        World {
            db,
            app,
            reseller,
            hotspot,
            customer,
            token,
            token_value: ["hsm_token0".into(), "hsm_token1".into()],
            logins,
        }
    }

    pub fn login(&self, who: Who) -> Option<&Login> {
        self.logins.iter().find(|(w, _)| *w == who).map(|(_, l)| l)
    }

    /// Every row of every table, as text: equal before and after means nothing changed.
    pub async fn dump(&self) -> Vec<String> {
        self.db
            .tx(Mode::Read, |c| {
                let mut out = Vec::new();
                // Sessions without `last_seen`: a request may mark its session as used.
                for (t, cols) in [
                    ("resellers", "*"),
                    ("hotspots", "*"),
                    ("accounts", "*"),
                    (
                        "browser_sessions",
                        "id_hash, account_id, csrf, created_at, address",
                    ),
                    ("api_tokens", "*"),
                    ("audit_log", "*"),
                    ("voucher_keys", "*"),
                    ("voucher_batches", "*"),
                    ("vouchers", "*"),
                    ("hotspot_settings", "*"),
                    ("design_assets", "*"),
                    ("design_drafts", "*"),
                    ("unit_tokens", "*"),
                    ("units", "*"),
                    ("guests", "*"),
                    ("devices", "*"),
                    ("guest_sessions", "*"),
                    ("master_key", "*"),
                    ("login_links", "*"),
                    ("profiles", "*"),
                    ("limitations", "*"),
                    ("profile_limitations", "*"),
                    ("signing_key", "*"),
                    ("sync_nonces", "*"),
                    ("sync_changes", "*"),
                ] {
                    for r in c.query(&format!("SELECT {cols} FROM {t}"), &[])? {
                        out.push(format!("{t}: {r:?}"));
                    }
                }
                out.sort();
                Ok::<_, DbError>(out)
            })
            .await
            .unwrap()
    }

    /// Sends a request as `who` (cookie and, for state changes, the CSRF token); returns the
    /// status, the `Location` header and the body.
    pub async fn send(
        &self,
        who: Who,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (StatusCode, String, String) {
        let api = path.starts_with("/api/");
        let mut req = Request::builder().method(method).uri(path);
        let mut body = body.unwrap_or("").to_string();
        if let Some(l) = self.login(who) {
            req = req.header(header::COOKIE, format!("{}={}", session::COOKIE, l.token));
            if method != "GET" {
                if api {
                    req = req.header("x-csrf-token", &l.csrf);
                } else {
                    body = if body.is_empty() {
                        format!("csrf={}", l.csrf)
                    } else {
                        format!("{body}&csrf={}", l.csrf)
                    };
                }
            }
        }
        let ctype = if api {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let req = req
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap();
        self.raw(req).await
    }

    /// Sends `bytes` with `content_type` as `who` (cookie and CSRF token as `send` does, the
    /// token in the header): uploads.
    pub async fn send_bytes(
        &self,
        who: Who,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, String, String) {
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::CONTENT_TYPE, content_type);
        if let Some(l) = self.login(who) {
            req = req
                .header(header::COOKIE, format!("{}={}", session::COOKIE, l.token))
                .header("x-csrf-token", &l.csrf);
        }
        self.raw(req.body(Body::from(bytes)).unwrap()).await
    }

    /// Sends a request as built.
    pub async fn raw(&self, req: Request<Body>) -> (StatusCode, String, String) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            location,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }
}

/// A world on SQLite in a temp dir (kept alive by the returned guard).
pub async fn world() -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(&Backend::Sqlite(dir.path().to_path_buf()), 0).await;
    (dir, w)
}

/// The admin creates a reseller through the API; returns its id and one-time password.
pub async fn new_reseller(w: &World, name: &str, user: &str) -> (i64, String) {
    let body = json!({"name": name, "username": user}).to_string();
    let (status, _, text) = w
        .send(Who::Admin, "POST", "/api/v1/resellers", Some(&body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    (
        v["id"].as_i64().unwrap(),
        v["one_time_password"].as_str().unwrap().to_string(),
    )
}

pub struct Answer {
    pub status: StatusCode,
    pub location: String,
    pub cookies: Vec<String>,
    pub body: String,
}

pub async fn call(w: &World, req: Request<Body>) -> Answer {
    let res = w.app.clone().oneshot(req).await.unwrap();
    let header = |name| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let location = header(header::LOCATION);
    let cookies = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let status = res.status();
    let body = String::from_utf8_lossy(
        &axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap(),
    )
    .into_owned();
    Answer {
        status,
        location,
        cookies,
        body,
    }
}

pub fn cookie_value(set_cookie: &[String], name: &str) -> Option<String> {
    set_cookie.iter().find_map(|c| {
        let (kv, _) = c.split_once(';')?;
        let (k, v) = kv.split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

/// Logs in through the form as a browser would (with `extra_cookie` planted); returns the answer.
pub async fn login(w: &World, user: &str, password: &str, extra_cookie: &str) -> Answer {
    let page = call(w, Request::get("/login").body(Body::empty()).unwrap()).await;
    let token = cookie_value(&page.cookies, "hsm_login").expect("pre-login cookie");
    assert!(
        page.body.contains(&format!("value=\"{token}\"")),
        "{}",
        page.body
    );
    let form = format!("username={user}&password={password}&token={token}");
    let req = Request::post("/login")
        .header(header::COOKIE, format!("hsm_login={token}; {extra_cookie}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, URL)
        .body(Body::from(form))
        .unwrap();
    call(w, req).await
}
