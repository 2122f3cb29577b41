//! The Hotspot Manager at scale: 100 hotspots, 1,000,000 guests and 10,000,000 sessions, on
//! SQLite and on PostgreSQL. The real `hotspotd manager` runs pinned to CPU 0 (`taskset`), this
//! client on CPU 1; it prints the seeding time, p50/p99 of every list page and API list (first
//! page and a deep cursor page) and the dashboard, mixed API reads per second, login latency
//! (argon2 included, 4 at once) and the manager's peak RSS.
//!
//! `cargo bench --bench manager [sqlite|postgres]`; `MANAGER_BENCH_GUESTS=1000` (per hotspot,
//! default 10,000) for a smaller run. The seeded SQLite file is kept under
//! `target/manager-bench/` and reused.

#[path = "../tests/common/postgres.rs"]
#[allow(dead_code)]
mod postgres;
#[path = "manager/process.rs"]
mod process;
#[path = "manager/seed.rs"]
mod seed;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hotspotd::manager::auth::session;
use hotspotd::manager::db::{Db, Mode};
use process::{Manager, pin_to_cpu};
use seed::Scale;

const DAY: i64 = 86_400;

/// Who a request is made as.
#[derive(Clone)]
enum Auth {
    Bearer(String),
    Cookie(String),
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

async fn fetch(client: &reqwest::Client, base: &str, path: &str, auth: &Auth) -> usize {
    let req = client.get(format!("{base}{path}"));
    let req = match auth {
        Auth::Bearer(t) => req.bearer_auth(t),
        Auth::Cookie(c) => req.header("cookie", format!("{}={c}", session::COOKIE)),
    };
    let res = req.send().await.expect("request");
    let status = res.status();
    let body = res.bytes().await.expect("body");
    assert!(
        status.is_success(),
        "{path}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    body.len()
}

/// p50 and p99 of `n` sequential requests after a warm-up.
async fn latency(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    auth: &Auth,
    n: usize,
) -> (Duration, Duration) {
    for _ in 0..5 {
        fetch(client, base, path, auth).await;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        fetch(client, base, path, auth).await;
        times.push(t.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

async fn run(label: &str, database: &str, db: &Db, scale: Scale, seeded: i64) {
    let m = Manager::start(database);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let t = Instant::now();
    while client
        .get(format!("{}/login", m.base))
        .send()
        .await
        .is_err()
    {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the manager did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A browser session of reseller 0 for the pages; the admin's token for all 100 hotspots.
    let cookie = session::random_token();
    let now = chrono::Utc::now().timestamp();
    let hash = session::digest(&cookie);
    let password = hotspotd::manager::auth::password::hash(seed::PASSWORD);
    let (h, deep_voucher, deep_audit) = db
        .tx(Mode::Write, move |c| {
            c.execute(
                "INSERT INTO browser_sessions (id_hash, account_id, csrf, created_at, last_seen, address)
                 SELECT $1, id, 'x', $2, $2, '127.0.0.1' FROM accounts WHERE username = 'reseller0'",
                &[hash.into(), now.into()],
            )?;
            // Hashes as the manager makes them now (a cached database may hold older ones).
            c.execute(
                "UPDATE accounts SET password_hash = $1 WHERE role <> 'admin'",
                &[password.into()],
            )?;
            // The admin made at the first start still has its one-time password.
            c.execute(
                "UPDATE accounts SET must_change_password = $1 WHERE username = 'admin'",
                &[false.into()],
            )?;
            c.execute(
                "INSERT INTO api_tokens (account_id, name, token_hash, scope, created_at)
                 SELECT id, 'bench', $1, 'read', 0 FROM accounts WHERE username = 'admin'
                 ON CONFLICT DO NOTHING",
                &[session::digest(&seed::token("admin")).into()],
            )?;
            let h = c.query("SELECT MIN(hotspot_id) FROM accounts WHERE username = 'customer0'", &[])?[0].int(0)?;
            let mid = |c: &mut dyn hotspotd::manager::db::Conn, sql: &str| -> Result<i64, hotspotd::manager::db::DbError> {
                c.query(sql, &[h.into()])?[0].int(0)
            };
            let v = mid(c, "SELECT (MIN(id) + MAX(id)) / 2 FROM vouchers WHERE hotspot_id = $1")?;
            let a = mid(c, "SELECT (MIN(id) + MAX(id)) / 2 FROM audit_log WHERE hotspot_id = $1")?;
            Ok::<_, hotspotd::manager::db::DbError>((h, v, a))
        })
        .await
        .expect("bench sessions");
    let reseller = Auth::Bearer(seed::token("reseller0"));
    let admin = Auth::Bearer(seed::token("admin"));
    let page = Auth::Cookie(cookie);
    // Deep pages: half a year back in the time-ordered lists, mid-way in the id-ordered ones.
    let deep = format!("{}.{}", seeded - 180 * DAY, i64::MAX);
    let day = chrono::DateTime::from_timestamp(seeded - 100 * DAY, 0)
        .unwrap()
        .format("%Y-%m-%d");
    let api = |p: &str| format!("/api/v1/hotspots/{h}/{p}");
    let lists: Vec<(String, String, Auth)> = vec![
        (
            "dashboard, reseller (10 hotspots)".into(),
            "/api/v1/dashboard".into(),
            reseller.clone(),
        ),
        (
            "dashboard, admin (100 hotspots)".into(),
            "/api/v1/dashboard".into(),
            admin.clone(),
        ),
        (
            "hotspots".into(),
            "/api/v1/hotspots".into(),
            reseller.clone(),
        ),
        (
            "hotspots, cursor".into(),
            format!("/api/v1/hotspots?limit=2&cursor={h}"),
            reseller.clone(),
        ),
        ("guests".into(), api("guests"), reseller.clone()),
        (
            "guests, deep cursor".into(),
            api(&format!("guests?cursor={deep}")),
            reseller.clone(),
        ),
        (
            "guests online".into(),
            api("guests?live=yes"),
            reseller.clone(),
        ),
        (
            "guests, one day".into(),
            api(&format!("guests?from={day}&to={day}")),
            reseller.clone(),
        ),
        (
            "guests, search".into(),
            api("guests?q=guest4242@"),
            reseller.clone(),
        ),
        ("devices".into(), api("devices"), reseller.clone()),
        (
            "devices, deep cursor".into(),
            api(&format!("devices?cursor={deep}")),
            reseller.clone(),
        ),
        (
            "sessions live".into(),
            api("sessions?live=yes"),
            reseller.clone(),
        ),
        (
            "sessions history".into(),
            api("sessions?live=no"),
            reseller.clone(),
        ),
        (
            "sessions history, deep cursor".into(),
            api(&format!("sessions?live=no&cursor={deep}")),
            reseller.clone(),
        ),
        (
            "sessions, one day".into(),
            api(&format!("sessions?from={day}&to={day}")),
            reseller.clone(),
        ),
        (
            "sessions, search".into(),
            api("sessions?q=guest4242@"),
            reseller.clone(),
        ),
        ("vouchers".into(), api("vouchers"), reseller.clone()),
        (
            "vouchers, cursor".into(),
            api(&format!("vouchers?cursor={deep_voucher}")),
            reseller.clone(),
        ),
        ("audit".into(), "/api/v1/audit".into(), reseller.clone()),
        (
            "audit, cursor".into(),
            format!("/api/v1/audit?cursor={deep_audit}"),
            reseller.clone(),
        ),
    ];
    let pages: Vec<(String, String)> = vec![
        ("dashboard".into(), "/".into()),
        ("hotspots".into(), "/hotspots".into()),
        ("guests".into(), format!("/hotspots/{h}/guests")),
        (
            "guests, deep cursor".into(),
            format!("/hotspots/{h}/guests?cursor={deep}"),
        ),
        ("devices".into(), format!("/hotspots/{h}/devices")),
        (
            "sessions live".into(),
            format!("/hotspots/{h}/sessions?live=yes"),
        ),
        (
            "sessions history, deep cursor".into(),
            format!("/hotspots/{h}/sessions?live=no&cursor={deep}"),
        ),
        ("vouchers".into(), format!("/hotspots/{h}/vouchers")),
        ("audit".into(), "/audit".into()),
    ];
    println!(
        "\n{label}: {} hotspots, {} guests, {} sessions",
        scale.hotspots,
        scale.hotspots * scale.guests_per_hotspot,
        scale.sessions()
    );
    println!(
        "{:<40} {:>8} {:>8}",
        "API (200 requests each)", "p50 ms", "p99 ms"
    );
    for (name, path, auth) in &lists {
        let (p50, p99) = latency(&client, &m.base, path, auth, 200).await;
        println!("{name:<40} {:>8} {:>8}", ms(p50), ms(p99));
    }
    println!(
        "{:<40} {:>8} {:>8}",
        "page (200 requests each)", "p50 ms", "p99 ms"
    );
    for (name, path) in &pages {
        let (p50, p99) = latency(&client, &m.base, path, &page, 200).await;
        println!("{name:<40} {:>8} {:>8}", ms(p50), ms(p99));
    }
    m.rss("after the lists");

    // Mixed API reads: 16 clients cycling through the API lists (not the searches, which
    // read every row of a hotspot and are measured above) for 10 s.
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(10);
    let lists: Arc<Vec<_>> = Arc::new(
        lists
            .into_iter()
            .filter(|(name, _, _)| !name.ends_with("search"))
            .collect(),
    );
    let tasks: Vec<_> = (0..16)
        .map(|k| {
            let (client, base, lists, done) =
                (client.clone(), m.base.clone(), lists.clone(), done.clone());
            tokio::spawn(async move {
                let mut i = k;
                while Instant::now() < until {
                    let (_, path, auth) = &lists[i % lists.len()];
                    fetch(&client, &base, path, auth).await;
                    done.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    println!(
        "mixed API reads, 16 clients: {:.0} requests/s",
        done.load(Ordering::Relaxed) as f64 / 10.0
    );
    m.rss("after the mixed reads");

    // Logins, 4 at once, each a different customer (argon2id, 7 MiB, 5 passes).
    let times = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..4)
        .map(|k| {
            let (base, times) = (m.base.clone(), times.clone());
            tokio::spawn(async move {
                // One address per client: the throttle counts attempts in flight per address
                // (three free), as four people behind four addresses would log in.
                let client = reqwest::Client::builder()
                    .local_address(std::net::IpAddr::from([127, 0, 0, 10 + k as u8]))
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                for j in 0..10 {
                    let user = format!("customer{}", (k * 10 + j) % scale.hotspots);
                    let t = Instant::now();
                    let res = client
                        .post(format!("{base}/login"))
                        .header("cookie", "hsm_login=bench")
                        .header("origin", &base)
                        .form(&[
                            ("username", user.as_str()),
                            ("password", seed::PASSWORD),
                            ("token", "bench"),
                        ])
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 303, "login of {user}");
                    times.lock().unwrap().push(t.elapsed());
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let mut times = times.lock().unwrap().clone();
    times.sort();
    println!(
        "login, 4 at once (40): p50 {} ms, p99 {} ms",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );
    m.rss("after the logins");
}

fn scale() -> Scale {
    let guests = std::env::var("MANAGER_BENCH_GUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    Scale {
        hotspots: 100,
        guests_per_hotspot: guests,
        sessions_per_guest: 10,
    }
}

async fn sqlite(scale: Scale) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/manager-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("manager-{}.db", scale.sessions()));
    let done = dir.join(format!("manager-{}.seeded", scale.sessions()));
    let url = format!("sqlite://{}", file.display());
    let seeded = match std::fs::read_to_string(&done)
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        Some(at) => {
            println!("SQLite: reusing {} (seeded earlier)", file.display());
            at
        }
        None => {
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", file.display()));
            }
            let db = Db::open(&url).await.expect("open SQLite");
            let now = chrono::Utc::now().timestamp();
            let took = seed::seed(&db, scale, now).await;
            println!(
                "SQLite: seeded in {took:.1?} ({} MB)",
                std::fs::metadata(&file).map_or(0, |m| m.len() >> 20)
            );
            std::fs::write(&done, now.to_string()).unwrap();
            now
        }
    };
    let db = Db::open(&url).await.expect("open SQLite");
    run("SQLite", &url, &db, scale, seeded).await;
}

async fn postgres(scale: Scale) {
    let pg = postgres::Postgres::start();
    let url = pg.url();
    let db = Db::open(&url).await.expect("open PostgreSQL");
    let now = chrono::Utc::now().timestamp();
    let took = seed::seed(&db, scale, now).await;
    db.tx(Mode::Write, |c| c.execute("ANALYZE", &[]))
        .await
        .expect("analyze");
    println!("PostgreSQL: seeded in {took:.1?} (and analysed)");
    run("PostgreSQL", &url, &db, scale, now).await;
}

fn main() {
    pin_to_cpu(1);
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let all = which.is_empty();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if all || which.iter().any(|w| w == "sqlite") {
            sqlite(scale()).await;
        }
        if all || which.iter().any(|w| w == "postgres") {
            postgres(scale()).await;
        }
    });
}
