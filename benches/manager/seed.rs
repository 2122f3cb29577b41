//! Fills a manager database, SQLite or PostgreSQL, through the manager's own `Db` (one SQL for
//! both): resellers with 10 hotspots each, their accounts and read tokens, units, voucher
//! batches, audit entries, and per hotspot the guests, devices and sessions of a year. The
//! bulk rows are made inside the database by a recursive CTE (no row crosses the wire), in the
//! order of the list indexes, so every index grows at its end. `CROSS JOIN` keeps SQLite
//! from looping over the guests outside the numbers (PostgreSQL plans as it likes).

use std::time::{Duration, Instant};

use hotspotd::manager::auth::{password, session};
use hotspotd::manager::db::{Conn, Db, DbError, Mode, Value};

/// Every account's password.
pub const PASSWORD: &str = "bench-password-1234";
pub const HOTSPOTS_PER_RESELLER: i64 = 10;
const YEAR: i64 = 365 * 86_400;
const ZONES: [&str; 4] = ["Europe/Rome", "America/New_York", "Asia/Kolkata", "UTC"];

/// How much to make.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub hotspots: i64,
    pub guests_per_hotspot: i64,
    pub sessions_per_guest: i64,
}

impl Scale {
    pub fn sessions(&self) -> i64 {
        self.hotspots * self.guests_per_hotspot * self.sessions_per_guest
    }
}

/// The read API token of account `username`.
pub fn token(username: &str) -> String {
    format!("hsm_bench_{username}")
}

fn one(c: &mut dyn Conn, sql: &str, params: &[Value]) -> Result<i64, DbError> {
    c.query(sql, params)?[0].int(0)
}

/// `n` rows numbered `i` from 0, for `INSERT … SELECT … FROM n`.
fn numbers(n: i64) -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < {})",
        n - 1
    )
}

/// Tenants, accounts, tokens, units, vouchers and audit entries; returns the hotspot ids.
fn tenants(c: &mut dyn Conn, scale: Scale, now: i64) -> Result<Vec<i64>, DbError> {
    let hash = password::hash(PASSWORD);
    let mut hotspots = Vec::new();
    let account = |c: &mut dyn Conn, user: &str, role: &str, r: i64, h: Option<i64>| {
        let id = one(
            c,
            "INSERT INTO accounts (username, role, password_hash, must_change_password,
             reseller_id, hotspot_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING id",
            &[
                user.into(),
                role.into(),
                (&hash).into(),
                false.into(),
                r.into(),
                h.into(),
            ],
        )?;
        c.execute(
            "INSERT INTO api_tokens (account_id, name, token_hash, scope, created_at)
             VALUES ($1, 'bench', $2, 'read', 0)",
            &[id.into(), session::digest(&token(user)).into()],
        )
    };
    for r in 0..(scale.hotspots + HOTSPOTS_PER_RESELLER - 1) / HOTSPOTS_PER_RESELLER {
        let reseller = one(
            c,
            "INSERT INTO resellers (name, disabled, created_at) VALUES ($1, $2, 0) RETURNING id",
            &[format!("Reseller {r}").into(), false.into()],
        )?;
        account(c, &format!("reseller{r}"), "reseller", reseller, None)?;
        for k in 0..HOTSPOTS_PER_RESELLER.min(scale.hotspots - r * HOTSPOTS_PER_RESELLER) {
            let n = r * HOTSPOTS_PER_RESELLER + k;
            let h = one(
                c,
                "INSERT INTO hotspots (reseller_id, name, description, business_name, vat_number,
                 address, privacy_contact, time_zone, created_at)
                 VALUES ($1, $2, '', 'Bench Ltd', '', '', '', $3, 0) RETURNING id",
                &[
                    reseller.into(),
                    format!("Hotspot {n}").into(),
                    ZONES[n as usize % 4].into(),
                ],
            )?;
            account(c, &format!("customer{n}"), "customer", reseller, Some(h))?;
            account(c, &format!("desk{n}"), "desk", reseller, Some(h))?;
            for (u, seen) in [
                ("ap1", Some(now - 30)),
                ("ap2", Some(now - 30)),
                ("ap3", None),
            ] {
                c.execute(
                    "INSERT INTO units (hotspot_id, name, registered_at, last_seen)
                     VALUES ($1, $2, 0, $3)",
                    &[h.into(), u.into(), seen.into()],
                )?;
            }
            for b in 0..10 {
                let batch = one(
                    c,
                    "INSERT INTO voucher_batches (hotspot_id, count, terms, starts, shared_users,
                     note, created_by, created_at) VALUES ($1, 100, '1 day', 'first-logon', 1, '',
                     'bench', $2) RETURNING id",
                    &[h.into(), (now - (10 - b) * 86_400).into()],
                )?;
                c.execute(
                    &format!(
                        "{} INSERT INTO vouchers (batch_id, hotspot_id, code, code_hash)
                         SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), 'V' || ($3 + i), 'h' || ($3 + i) FROM n",
                        numbers(100)
                    ),
                    &[batch.into(), h.into(), (b * 100).into()],
                )?;
            }
            c.execute(
                &format!(
                    "{} INSERT INTO audit_log (at, actor, reseller_id, hotspot_id, action, object,
                     detail, address) SELECT $1 + i, 'bench', CAST($2 AS BIGINT), CAST($3 AS BIGINT),
                     'create voucher batch',
                     'batch', '', '127.0.0.1' FROM n",
                    numbers(1_000)
                ),
                &[(now - YEAR).into(), reseller.into(), h.into()],
            )?;
            hotspots.push(h);
        }
    }
    Ok(hotspots)
}

/// Guest `i` of hotspot `n` logs in every `step` seconds over the last year, round robin, so
/// guest `i` has sessions `i`, `i + guests`, …; the last half hour's sessions are still open.
fn guests_and_sessions(
    c: &mut dyn Conn,
    h: i64,
    n: i64,
    s: Scale,
    now: i64,
) -> Result<(), DbError> {
    let (guests, sessions) = (
        s.guests_per_hotspot,
        s.guests_per_hotspot * s.sessions_per_guest,
    );
    let step = YEAR / sessions;
    // The last session starts one step before now: the last half hour's are open.
    let start = now - step * sessions;
    let last = |i: &str| format!("$2 + ({i} + {}) * $3", (s.sessions_per_guest - 1) * guests);
    c.execute(
        &format!(
            "{} INSERT INTO guests (hotspot_id, uid, username, method, first_seen, last_seen)
             SELECT CAST($1 AS BIGINT), 'g' || (1000000 + i), 'guest' || i || '@example.com', 'email',
             $2 + i * $3, {} FROM n",
            numbers(guests),
            last("i")
        ),
        &[h.into(), start.into(), step.into()],
    )?;
    // A MAC per guest: 8 decimal digits (valid hex) from the hotspot and guest numbers.
    let mac = "'02:' || substr(d, 1, 2) || ':' || substr(d, 3, 2) || ':' || substr(d, 5, 2)
               || ':' || substr(d, 7, 2) || ':00'";
    c.execute(
        &format!(
            "{} INSERT INTO devices (hotspot_id, guest_id, mac, ip, unit, last_seen)
             SELECT CAST($1 AS BIGINT), g.id, {mac}, '10.1.0.1', 'ap1', g.last_seen FROM
             (SELECT i, CAST(10000000 + CAST($2 AS BIGINT) * 100000 + i AS TEXT) AS d FROM n) x
             CROSS JOIN guests g WHERE g.hotspot_id = $1 AND g.uid = 'g' || (1000000 + x.i)
             ORDER BY g.last_seen",
            numbers(guests)
        ),
        &[h.into(), n.into()],
    )?;
    c.execute(
        &format!(
            "{} INSERT INTO guest_sessions (hotspot_id, guest_id, uid, mac, unit, started_at,
             ended_at, bytes_down, bytes_up)
             SELECT CAST($1 AS BIGINT), g.id, 's' || (10000000 + x.i), {mac}, 'ap1', x.t,
             CASE WHEN x.t > CAST($4 AS BIGINT) - 1800 THEN NULL ELSE x.t + 1800 END, 1000 * x.i, 100 * x.i
             FROM (SELECT i, $2 + i * $3 AS t,
                   CAST(10000000 + CAST($5 AS BIGINT) * 100000 + i % {guests} AS TEXT) AS d FROM n) x
             CROSS JOIN guests g
             WHERE g.hotspot_id = $1 AND g.uid = 'g' || (1000000 + x.i % {guests})
             ORDER BY x.i",
            numbers(sessions)
        ),
        &[h.into(), start.into(), step.into(), now.into(), n.into()],
    )?;
    Ok(())
}

/// Fills `db` (already migrated, empty); returns how long it took.
pub async fn seed(db: &Db, scale: Scale, now: i64) -> Duration {
    let t = Instant::now();
    let hotspots = db
        .tx(Mode::Write, move |c| tenants(c, scale, now))
        .await
        .expect("seed tenants");
    let sqlite = db.backend() == "sqlite";
    for (n, h) in hotspots.into_iter().enumerate() {
        db.tx(Mode::Write, move |c| {
            if sqlite {
                // Room for the indexes' working set (the default 2 MB cache thrashes).
                c.execute("PRAGMA cache_size = -262144", &[])?;
            }
            guests_and_sessions(c, h, n as i64, scale, now)
        })
        .await
        .expect("seed guests and sessions");
        if n % 10 == 9 {
            eprintln!("  seeded {} hotspots, {:.0?}", n + 1, t.elapsed());
        }
    }
    t.elapsed()
}
