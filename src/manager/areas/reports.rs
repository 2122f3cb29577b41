//! Reports of a hotspot (reseller, customer, desk), in its time zone, for all its units or
//! one: now (guests connected, today's connections and new guests by hour) and a range of
//! days (the last 7, 15 or 30, or from/to): traffic, session length, daily connections, new
//! and returning guests, logins by method, SMS sent. The page draws each as an SVG chart
//! beside its table; `?format=csv&table=…` downloads a table. Figures come from the rollups
//! (`reports_query`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Query;
use super::days;
use super::reports_query::{self, Bucket, Day, Hour, Method, Scope, Totals};
use super::reports_render::{Charts, charts, csv, size};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};

/// Longest custom range, days.
pub const MAX_DAYS: i64 = 366;

/// The report asked for.
#[derive(Debug, Default, Clone, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Args {
    /// `7` (default), `15`, `30` (the last days, today included) or `custom`.
    #[serde(default)]
    pub period: String,
    /// First day of a custom range, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// Last day of a custom range, included.
    #[serde(default)]
    pub to: String,
    /// One unit's id; empty for all.
    #[serde(default)]
    pub unit: String,
    /// `json` (API default), `html` (page default) or `csv`.
    #[serde(default)]
    pub format: String,
    /// With `csv`: `days` (default), `today`, `durations` or `methods`.
    #[serde(default)]
    pub table: String,
}

/// A report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// The hotspot.
    pub hotspot_id: i64,
    /// Its zone, in which days and hours are counted.
    pub time_zone: String,
    /// The unit, or none for all.
    pub unit_id: Option<i64>,
    /// First day.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// Guests with a session open now.
    pub connected_now: i64,
    /// Today's local hours.
    pub today: Vec<Hour>,
    /// The range's totals.
    pub totals: Totals,
    /// Each day of the range.
    pub days: Vec<Day>,
    /// Ended sessions by length.
    pub durations: Vec<Bucket>,
    /// Logins by method.
    pub methods: Vec<Method>,
}

fn date(field: &'static str, v: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "must be a date written YYYY-MM-DD"))
}

/// The range of `a` at local date `today`.
fn range(a: &Args, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), Error> {
    let last = |n: u64| (today - chrono::Days::new(n - 1), today);
    let custom = a.period == "custom" || (a.period.is_empty() && !a.from.is_empty());
    if !custom {
        return match a.period.as_str() {
            "" | "7" => Ok(last(7)),
            "15" => Ok(last(15)),
            "30" => Ok(last(30)),
            _ => Err(Error::invalid("period", "must be 7, 15, 30 or custom")),
        };
    }
    let (from, to) = (date("from", &a.from)?, date("to", &a.to)?);
    if to < from {
        return Err(Error::invalid("to", "must be on or after from"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(Error::invalid(
            "to",
            format!("must be at most {MAX_DAYS} days after from, included"),
        ));
    }
    Ok((from, to))
}

/// The report `a` asks for at `hotspot`, with the hotspot's name and units (id, name).
async fn report(
    s: &ManagerState,
    hotspot: i64,
    a: Args,
) -> Result<(Report, String, Vec<(i64, String)>), Error> {
    let now = s.now();
    s.db.tx(Mode::Read, move |c| {
        let h = c
            .query_opt(
                "SELECT name, time_zone FROM hotspots WHERE id = $1",
                &[hotspot.into()],
            )?
            .ok_or(Error::NotFound)?;
        let (name, time_zone) = (h.text(0)?, h.text(1)?);
        let zone = days::zone(&time_zone);
        let (from, to) = range(&a, days::date_of(&zone, now))?;
        let units = c
            .query(
                "SELECT id, name FROM units WHERE hotspot_id = $1 ORDER BY name, id",
                &[hotspot.into()],
            )?
            .iter()
            .map(|r| Ok((r.int(0)?, r.text(1)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let unit = match a.unit.trim() {
            "" => None,
            u => Some(
                u.parse::<i64>()
                    .ok()
                    .filter(|id| units.iter().any(|(x, _)| x == id))
                    .ok_or_else(|| Error::invalid("unit", "must be one of this hotspot's units"))?,
            ),
        };
        let scope = Scope {
            hotspot,
            zone: &zone,
            unit,
            from,
            to,
        };
        let figures = reports_query::range(c, &scope)?;
        let (connected_now, today) = reports_query::today(c, &scope, now)?;
        let r = Report {
            hotspot_id: hotspot,
            time_zone,
            unit_id: unit,
            from: from.to_string(),
            to: to.to_string(),
            connected_now,
            today,
            totals: figures.totals,
            days: figures.days,
            durations: figures.durations,
            methods: figures.methods,
        };
        Ok::<_, Error>((r, name, units))
    })
    .await
}

#[derive(Template)]
#[template(path = "manager/reports.html")]
struct ReportsPage {
    nav: Nav,
    name: String,
    units: Vec<(i64, String)>,
    a: Args,
    r: Report,
    /// The query string of this report, for the CSV links.
    q: String,
    charts: Charts,
}

impl ReportsPage {
    /// Bytes in words.
    fn size(&self, b: impl std::borrow::Borrow<i64>) -> String {
        size(*b.borrow())
    }

    /// Whether unit `id` is the one reported on.
    fn selected(&self, id: &&i64) -> bool {
        self.r.unit_id == Some(**id)
    }
}

/// `GET /hotspots/{hotspot}/reports`
pub async fn page(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(a): Query<Args>,
) -> Result<Response, Error> {
    let format = a.format.clone();
    if !matches!(format.as_str(), "" | "html" | "csv") {
        return Err(Error::invalid("format", "must be html or csv"));
    }
    let table = a.table.clone();
    let (r, name, units) = report(&s, hotspot, a.clone()).await?;
    if format == "csv" {
        return csv(&r, &table);
    }
    let q = serde_urlencoded::to_string([
        ("period", a.period.as_str()),
        ("from", a.from.as_str()),
        ("to", a.to.as_str()),
        ("unit", a.unit.as_str()),
    ])
    .map_err(|_| Error::Internal)?;
    render(&ReportsPage {
        nav: Nav::of(&p),
        name,
        units,
        charts: charts(&r),
        a,
        r,
        q,
    })
}

/// `GET /api/v1/hotspots/{hotspot}/reports`
pub async fn api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(a): Query<Args>,
) -> Result<Response, Error> {
    let format = a.format.clone();
    if !matches!(format.as_str(), "" | "json" | "csv") {
        return Err(Error::invalid("format", "must be json or csv"));
    }
    let table = a.table.clone();
    let (r, _, _) = report(&s, hotspot, a).await?;
    if format == "csv" {
        return csv(&r, &table);
    }
    Ok(axum::Json(r).into_response())
}
