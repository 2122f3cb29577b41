//! The dashboard, level 1 (general figures) of the principal's hotspots: units online, guests
//! online now, and logins and traffic today, where "today" is each hotspot's own calendar day
//! in its time zone (a reseller with hotspots in several zones sees the sum of each one's
//! today). Today's figures come from the rollups (`rollups`: one index range of hours per
//! time zone of the principal's hotspots); guests online from the open sessions' index
//! range, never a scan of the history.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::days;
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Role};
use crate::manager::db::{Conn, DbError, Mode, Value};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// A unit counts as online if it reported within this many seconds.
pub const UNIT_ONLINE_WINDOW: i64 = 300;

/// The figures.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Hotspots in the principal's scope.
    pub hotspots: i64,
    /// Resellers (admin only).
    pub resellers: Option<i64>,
    /// Units that reported within [`UNIT_ONLINE_WINDOW`] seconds.
    pub units_online: i64,
    /// Units registered.
    pub units: i64,
    /// Guests with a session open now.
    pub guests_online: i64,
    /// Sessions started today.
    pub logins_today: i64,
    /// Bytes to guests that units reported today.
    pub bytes_down_today: i64,
    /// Bytes from guests that units reported today.
    pub bytes_up_today: i64,
}

impl Figures {
    /// Today's traffic in words, down / up.
    pub fn traffic_today(&self) -> String {
        let size = |b: i64| crate::model::units::format_size(u64::try_from(b).unwrap_or(0));
        format!(
            "{} / {}",
            size(self.bytes_down_today),
            size(self.bytes_up_today)
        )
    }
}

/// The principal's hotspots: `$1` the reseller or null, `$2` the hotspot or null. Tables are
/// filtered by `hotspot_id IN (…)` rather than joined, so that the planner starts from these
/// few hotspots and reads each one's index range (a join let SQLite scan every session).
const HOTSPOTS: &str = "FROM hotspots h WHERE (CAST($1 AS BIGINT) IS NULL OR h.reseller_id = $1)
    AND (CAST($2 AS BIGINT) IS NULL OR h.id = $2)";

/// The `N` numbers of a one-row query; an empty sum is 0.
fn ints<const N: usize>(
    c: &mut dyn Conn,
    sql: &str,
    params: &[Value],
) -> Result<[i64; N], DbError> {
    let mut out = [0; N];
    if let Some(row) = c.query_opt(sql, params)? {
        for (i, v) in out.iter_mut().enumerate() {
            *v = row.opt_int(i)?.unwrap_or(0);
        }
    }
    Ok(out)
}

fn count(c: &mut dyn Conn, sql: &str, params: &[Value]) -> Result<i64, DbError> {
    Ok(ints::<1>(c, sql, params)?[0])
}

/// The figures of the hotspots in scope at `now`.
fn compute(
    c: &mut dyn Conn,
    reseller: Option<i64>,
    only: Option<i64>,
    now: i64,
) -> Result<Figures, DbError> {
    let scope = [Value::from(reseller), Value::from(only)];
    let with = |more: &[Value]| [&scope[..], more].concat();
    let ids = format!("x.hotspot_id IN (SELECT h.id {HOTSPOTS})");
    let mut f = Figures {
        hotspots: count(c, &format!("SELECT COUNT(*) {HOTSPOTS}"), &scope)?,
        ..Figures::default()
    };
    [f.units, f.units_online] = ints(
        c,
        &format!(
            "SELECT COUNT(*), SUM(CASE WHEN x.last_seen >= $3 THEN 1 ELSE 0 END)
             FROM units x WHERE {ids}"
        ),
        &with(&[(now - UNIT_ONLINE_WINDOW).into()]),
    )?;
    f.guests_online = count(
        c,
        &format!(
            "SELECT COUNT(DISTINCT x.guest_id)
             FROM guest_sessions x WHERE {ids} AND x.ended_at IS NULL"
        ),
        &scope,
    )?;
    let zones = c.query(&format!("SELECT DISTINCT h.time_zone {HOTSPOTS}"), &scope)?;
    let in_zone = format!("x.hotspot_id IN (SELECT h.id {HOTSPOTS} AND h.time_zone = $3)");
    for zone in zones {
        let name = zone.text(0)?;
        let (start, end) = days::today(&days::zone(&name), now);
        let params = with(&[name.into(), start.into(), end.into()]);
        let [logins, down, up] = ints(
            c,
            &format!(
                "SELECT CAST(SUM(x.sessions) AS BIGINT), CAST(SUM(x.bytes_down) AS BIGINT),
                 CAST(SUM(x.bytes_up) AS BIGINT) FROM rollup_hours x WHERE {in_zone}
                 AND x.hour >= $4 AND x.hour < $5"
            ),
            &params,
        )?;
        f.logins_today += logins;
        f.bytes_down_today += down;
        f.bytes_up_today += up;
    }
    Ok(f)
}

/// The figures `p` may see.
pub async fn figures(state: &ManagerState, p: &Principal) -> Result<Figures, Error> {
    let (reseller, only, admin) = match p.role {
        Role::Admin => (None, None, true),
        Role::Reseller => (Some(p.reseller_id.unwrap_or(-1)), None, false),
        Role::Customer | Role::Desk => (None, Some(p.hotspot_id.unwrap_or(-1)), false),
    };
    let now = state.now();
    Ok(state
        .db
        .tx(Mode::Read, move |c| {
            let mut f = compute(c, reseller, only, now)?;
            if admin {
                f.resellers = Some(count(c, "SELECT COUNT(*) FROM resellers", &[])?);
            }
            Ok::<_, DbError>(f)
        })
        .await?)
}

#[derive(Template)]
#[template(path = "manager/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    figures: Figures,
    window_minutes: i64,
}

/// `GET /`
pub async fn page(State(s): State<ManagerState>, p: Principal) -> Result<Response, Error> {
    let figures = figures(&s, &p).await?;
    render(&DashboardPage {
        nav: Nav::of(&p),
        figures,
        window_minutes: UNIT_ONLINE_WINDOW / 60,
    })
}

/// `GET /api/v1/dashboard`
pub async fn api(
    State(s): State<ManagerState>,
    p: Principal,
) -> Result<axum::Json<Figures>, Error> {
    Ok(axum::Json(figures(&s, &p).await?))
}

/// Units and guests online now at each of `hotspots`, in that order (the hotspots list).
pub fn online_at(c: &mut dyn Conn, hotspots: &[i64], now: i64) -> Result<Vec<(i64, i64)>, DbError> {
    if hotspots.is_empty() {
        return Ok(Vec::new());
    }
    let n = hotspots.len();
    let list = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let ids: Vec<Value> = hotspots.iter().map(|&h| Value::from(h)).collect();
    let since = [&ids[..], &[(now - UNIT_ONLINE_WINDOW).into()]].concat();
    let units = c.query(
        &format!(
            "SELECT hotspot_id, COUNT(*) FROM units WHERE hotspot_id IN ({list})
             AND last_seen >= ${} GROUP BY hotspot_id",
            n + 1
        ),
        &since,
    )?;
    let guests = c.query(
        &format!(
            "SELECT hotspot_id, COUNT(DISTINCT guest_id) FROM guest_sessions
             WHERE hotspot_id IN ({list}) AND ended_at IS NULL GROUP BY hotspot_id"
        ),
        &ids,
    )?;
    let mut counts = std::collections::HashMap::new();
    for (rows, guest) in [(units, false), (guests, true)] {
        for r in rows {
            let e = counts.entry(r.int(0)?).or_insert((0, 0));
            *(if guest { &mut e.1 } else { &mut e.0 }) = r.int(1)?;
        }
    }
    Ok(hotspots
        .iter()
        .map(|h| counts.get(h).copied().unwrap_or((0, 0)))
        .collect())
}
