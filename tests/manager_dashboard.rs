//! The dashboard's figures from what units reported (stored through the manager's ingest
//! functions): units online within the window, guests online now, and logins and traffic
//! today, where today is each hotspot's own day in its time zone (sessions a second either
//! side of local midnight), summed over a reseller's hotspots in two zones; each principal
//! sees only its scope, and the hotspots list shows units and guests online per hotspot.
//! Today's logins and traffic come from the rollups, filled here as ingest fills them (a
//! session's counters reported when it ended, or now while it is open).
//! Every figure below is computed by hand. On SQLite and on PostgreSQL.

mod common;

use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use hotspotd::manager::areas::records::{self, GuestSeen, SessionReport, SessionState};
use hotspotd::manager::areas::rollups::Rollup;
use hotspotd::manager::db::{DbError, Mode};
use serde_json::{Value, json};

/// (guest uid, session uid, started, ended, down, up)
type Report = (&'static str, &'static str, i64, Option<i64>, i64, i64);

async fn ingest(w: &World, hotspot: i64, reports: &[Report], now: i64) {
    let reports = reports.to_vec();
    w.db.tx(Mode::Write, move |c| {
        let rollup = Rollup::of(c, hotspot)?;
        for (g, s, started, ended, down, up) in reports {
            let guest = records::guest_seen(
                c,
                hotspot,
                &GuestSeen {
                    uid: g,
                    username: g,
                    method: "voucher",
                    at: started,
                },
            )?;
            let mac = format!("02:00:00:00:00:0{}", &s[1..]);
            let report = SessionReport {
                uid: s,
                guest_id: guest,
                mac: &mac,
                ip: "10.0.0.2",
                unit: "lobby",
                started_at: started,
                ended_at: ended,
                bytes_down: down,
                bytes_up: up,
            };
            records::session(c, hotspot, &report)?;
            rollup.started(c, 0, guest, started)?;
            let before = SessionState {
                guest_id: guest,
                started_at: started,
                ended_at: None,
                bytes_down: 0,
                bytes_up: 0,
            };
            rollup.counters(c, 0, &before, (down, up), (ended, ended.unwrap_or(now)))?;
        }
        Ok::<_, DbError>(())
    })
    .await
    .unwrap();
}

/// Sets up the hotspots, units and sessions; returns reseller A's second hotspot.
async fn seed(w: &World, now: i64) -> i64 {
    let (a, b, reseller_a) = (w.hotspot[0], w.hotspot[1], w.reseller[0]);
    let a2 =
        w.db.tx(Mode::Write, move |c| {
            // A in India (UTC+5:30, no daylight saving); A's second hotspot ten hours behind
            // UTC (POSIX names invert the sign); B stays in UTC.
            c.execute(
                "UPDATE hotspots SET time_zone = 'Asia/Kolkata' WHERE id = $1",
                &[a.into()],
            )?;
            let a2 = c.query(
                "INSERT INTO hotspots (reseller_id, name, description, business_name, vat_number,
                 address, privacy_contact, time_zone, created_at)
                 VALUES ($1, 'Beach', '', '', '', '', '', 'Etc/GMT+10', 0) RETURNING id",
                &[reseller_a.into()],
            )?[0]
                .int(0)?;
            for (h, name, seen) in [
                (a, "u1", Some(now - 10)),
                (a, "u2", Some(now - 301)),
                (a, "u3", None),
                (a2, "u4", Some(now - 299)),
                (b, "u5", Some(now)),
            ] {
                c.execute(
                    "INSERT INTO units (hotspot_id, name, registered_at, last_seen)
                     VALUES ($1, $2, 0, $3)",
                    &[h.into(), name.into(), seen.into()],
                )?;
            }
            Ok::<_, DbError>(a2)
        })
        .await
        .unwrap();
    // Local midnight today, by hand: India is 19 800 s ahead, Etc/GMT+10 36 000 s behind.
    let day = 86_400;
    let m_a = (now + 19_800).div_euclid(day) * day - 19_800;
    let m_a2 = (now - 36_000).div_euclid(day) * day + 36_000;
    ingest(
        w,
        a,
        &[
            // Open since a minute before midnight: online, its traffic is today's, no login.
            ("g1", "s1", m_a - 60, None, 1_000, 100),
            // A second before and after midnight: today's login and traffic.
            ("g2", "s2", m_a + 1, Some(m_a + 2), 20, 2),
            // Ended a second before midnight: yesterday's entirely.
            ("g3", "s3", m_a - 7_200, Some(m_a - 1), 5_000, 500),
            // g1 again on a second device: still one guest online.
            ("g1", "s4", m_a + 1, None, 7, 3),
        ],
        now,
    )
    .await;
    ingest(
        w,
        a2,
        &[
            ("g5", "s5", m_a2 + 1, None, 1_000_000, 0),
            // Began a second before its midnight, ended a second after: traffic, no login.
            ("g6", "s6", m_a2 - 1, Some(m_a2 + 1), 50, 5),
        ],
        now,
    )
    .await;
    ingest(w, b, &[("g9", "s9", now, None, 1, 1)], now).await;
    a2
}

async fn get(w: &World, who: Who, path: &str) -> Value {
    let (status, _, text) = w.send(who, "GET", path, None).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let now = chrono::Utc::now().timestamp();
    let a2 = seed(&w, now).await;
    let figures = |hotspots, units, units_online, guests, logins, down, up| {
        json!({"hotspots": hotspots, "units": units, "units_online": units_online,
               "guests_online": guests, "logins_today": logins,
               "bytes_down_today": down, "bytes_up_today": up})
    };
    let a = figures(1, 3, 1, 1, 2, 1_000 + 20 + 7, 100 + 2 + 3);
    for (who, expected, resellers) in [
        (
            Who::ResellerA,
            figures(2, 4, 2, 2, 3, 1_027 + 1_000_050, 105 + 5),
            Value::Null,
        ),
        (Who::CustomerA, a.clone(), Value::Null),
        (Who::DeskA, a, Value::Null),
        (Who::CustomerB, figures(1, 1, 1, 1, 1, 1, 1), Value::Null),
        (Who::ResellerB, figures(1, 1, 1, 1, 1, 1, 1), Value::Null),
        (Who::Admin, figures(3, 5, 3, 3, 4, 1_001_078, 111), json!(2)),
    ] {
        let mut got = get(&w, who, "/api/v1/dashboard").await;
        assert_eq!(got["resellers"], resellers, "{who:?}");
        got.as_object_mut().unwrap().remove("resellers");
        assert_eq!(got, expected, "{who:?}");
    }
    let (_, _, page) = w.send(Who::ResellerA, "GET", "/", None).await;
    for shown in [
        "<strong id=\"units-online\">2</strong> of 4",
        "<strong id=\"guests-online\">2</strong>",
        "<strong id=\"logins-today\">3</strong>",
        "<strong id=\"traffic-today\">1.0 MB / 110 B</strong>",
    ] {
        assert!(page.contains(shown), "{shown} not on {page}");
    }

    // The hotspots list: units and guests online per hotspot, only the reseller's own.
    let list = get(&w, Who::ResellerA, "/api/v1/hotspots").await;
    let rows: Vec<(i64, i64, i64)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let n = |k: &str| h[k].as_i64().unwrap();
            (n("id"), n("units_online"), n("guests_online"))
        })
        .collect();
    assert_eq!(rows, vec![(w.hotspot[0], 1, 1), (a2, 1, 1)]);
    let (_, _, page) = w.send(Who::ResellerA, "GET", "/hotspots", None).await;
    assert!(
        page.contains("<td>Beach</td>") || page.contains(">Beach</a>"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_figures_count_each_hotspots_own_today_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_figures_count_each_hotspots_own_today_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
