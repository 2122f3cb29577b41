//! What the sync benches set up in the manager's own database (through its `Db`, one SQL for
//! SQLite and PostgreSQL): a reseller with a write API token and its hotspot, and one-time
//! unit tokens (their hashes only, as the Units view stores them); plus waiting for the
//! manager process to answer and reading its CPU time.

use std::time::Duration;

use hotspotd::manager::auth::session;
use hotspotd::manager::db::{Conn, Db, DbError, Mode, Value};

fn one(c: &mut dyn Conn, sql: &str, params: &[Value]) -> Result<i64, DbError> {
    c.query(sql, params)?[0].int(0)
}

/// A reseller whose write API token is `api_token`, and its `n` hotspots; returns them.
pub async fn seed(db: &Db, api_token: &str, n: usize) -> Vec<i64> {
    let token_hash = session::digest(api_token);
    db.tx(Mode::Write, move |c| {
        let r = one(c, "INSERT INTO resellers (name, disabled, created_at) VALUES ('load', $1, 0) RETURNING id", &[false.into()])?;
        let a = one(
            c,
            "INSERT INTO accounts (username, role, password_hash, must_change_password, reseller_id,
             created_at) VALUES ('load', 'reseller', 'x', $1, $2, 0) RETURNING id",
            &[false.into(), r.into()],
        )?;
        c.execute(
            "INSERT INTO api_tokens (account_id, name, token_hash, scope, created_at)
             VALUES ($1, 'load', $2, 'write', 0)",
            &[a.into(), token_hash.into()],
        )?;
        (0..n)
            .map(|i| {
                one(
                    c,
                    "INSERT INTO hotspots (reseller_id, name, description, business_name,
                     vat_number, address, privacy_contact, time_zone, created_at)
                     VALUES ($1, $2, '', '', '', '', '', 'UTC', 0) RETURNING id",
                    &[r.into(), format!("load {i}").into()],
                )
            })
            .collect()
    })
    .await
    .expect("seed")
}

/// `n` one-time registration tokens for `hotspot`, valid for an hour; returns the secrets.
pub async fn unit_tokens(db: &Db, hotspot: i64, n: usize) -> Vec<String> {
    let now = chrono::Utc::now().timestamp();
    let secrets: Vec<String> = (0..n)
        .map(|i| format!("load-token-{hotspot}-{i}-{now}-{}", rand::random::<u64>()))
        .collect();
    let hashes: Vec<String> = secrets.iter().map(|s| session::digest(s)).collect();
    db.tx(Mode::Write, move |c| {
        for h in &hashes {
            c.execute(
                "INSERT INTO unit_tokens (hotspot_id, note, token_hash, created_by, created_at, expires_at)
                 VALUES ($1, 'load', $2, 'load', 0, $3)",
                &[hotspot.into(), h.into(), (now + 3600).into()],
            )?;
        }
        Ok::<_, DbError>(())
    })
    .await
    .expect("tokens");
    secrets
}

/// Waits up to 10 s for the manager at `base` to answer.
pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..100 {
        if client.get(format!("{base}/login")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the manager at {base} did not answer within 10 s");
}

/// CPU time (user + system) of process `pid` so far, seconds.
pub fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().filter_map(|t| t.parse::<f64>().ok()).sum()
    });
    ticks / 100.0
}
