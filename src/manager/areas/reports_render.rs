//! A report drawn: its tables as CSV (one per `table`) and its SVG charts for the page
//! (`manager::chart`), so `reports` holds only the asking and the answering.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::reports::Report;
use super::reports_query::Day;
use crate::manager::chart::{Series, bars};
use crate::manager::error::Error;
use crate::model::units::format_size;

/// A cell as a spreadsheet will not run it as a formula.
fn cell(v: &str) -> String {
    match v.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{v}"),
        _ => v.to_string(),
    }
}

/// Table `table` of `r` as CSV.
pub fn csv(r: &Report, table: &str) -> Result<Response, Error> {
    let rows: Vec<Vec<String>> = match table {
        "" | "days" => std::iter::once(
            [
                "date",
                "connections",
                "unique_guests",
                "new_guests",
                "returning_guests",
                "bytes_down",
                "bytes_up",
                "sms",
            ]
            .map(String::from)
            .to_vec(),
        )
        .chain(r.days.iter().map(|d| {
            let n = [
                d.sessions,
                d.unique_guests,
                d.new_guests,
                d.returning_guests,
            ];
            let mut row = vec![d.date.clone()];
            row.extend(
                n.iter()
                    .chain(&[d.bytes_down, d.bytes_up, d.sms])
                    .map(i64::to_string),
            );
            row
        }))
        .collect(),
        "today" => std::iter::once(vec![
            "hour".into(),
            "connections".into(),
            "new_guests".into(),
        ])
        .chain(r.today.iter().map(|h| {
            vec![
                h.hour.clone(),
                h.connections.to_string(),
                h.new_guests.to_string(),
            ]
        }))
        .collect(),
        "durations" => std::iter::once(vec!["duration".into(), "sessions".into()])
            .chain(
                r.durations
                    .iter()
                    .map(|b| vec![b.label.into(), b.sessions.to_string()]),
            )
            .collect(),
        "methods" => std::iter::once(vec!["method".into(), "logins".into()])
            .chain(
                r.methods
                    .iter()
                    .map(|m| vec![cell(&m.method), m.logins.to_string()]),
            )
            .collect(),
        _ => {
            return Err(Error::invalid(
                "table",
                "must be days, today, durations or methods",
            ));
        }
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        w.write_record(row).map_err(|_| Error::Internal)?;
    }
    let bytes = w.into_inner().map_err(|_| Error::Internal)?;
    let name = format!(
        "report-{}-{}-{}-{}.csv",
        r.hotspot_id,
        if table.is_empty() { "days" } else { table },
        r.from,
        r.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The page's charts, as SVG.
pub struct Charts {
    pub today: String,
    pub traffic: String,
    pub connections: String,
    pub guests: String,
    pub durations: String,
    pub methods: String,
    pub sms: String,
}

pub fn size(b: i64) -> String {
    format_size(u64::try_from(b).unwrap_or(0))
}

/// The charts of `r`.
pub fn charts(r: &Report) -> Charts {
    let count = |v: i64| v.to_string();
    let dates: Vec<String> = r.days.iter().map(|d| d.date[5..].to_string()).collect();
    let per_day = |name, f: fn(&Day) -> i64| Series {
        name,
        values: r.days.iter().map(f).collect(),
    };
    let hours: Vec<String> = r.today.iter().map(|h| h.hour.clone()).collect();
    Charts {
        today: bars(
            "Today by hour: connections and new guests",
            &hours,
            &[
                Series {
                    name: "connections",
                    values: r.today.iter().map(|h| h.connections).collect(),
                },
                Series {
                    name: "new guests",
                    values: r.today.iter().map(|h| h.new_guests).collect(),
                },
            ],
            count,
        ),
        traffic: bars(
            "Traffic per day, down and up",
            &dates,
            &[
                per_day("down", |d| d.bytes_down),
                per_day("up", |d| d.bytes_up),
            ],
            size,
        ),
        connections: bars(
            "Connections per day",
            &dates,
            &[per_day("connections", |d| d.sessions)],
            count,
        ),
        guests: bars(
            "New and returning guests per day",
            &dates,
            &[
                per_day("new", |d| d.new_guests),
                per_day("returning", |d| d.returning_guests),
            ],
            count,
        ),
        durations: bars(
            "Sessions by length",
            &r.durations
                .iter()
                .map(|b| b.label.to_string())
                .collect::<Vec<_>>(),
            &[Series {
                name: "sessions",
                values: r.durations.iter().map(|b| b.sessions).collect(),
            }],
            count,
        ),
        methods: bars(
            "Logins by method",
            &r.methods
                .iter()
                .map(|m| m.method.clone())
                .collect::<Vec<_>>(),
            &[Series {
                name: "logins",
                values: r.methods.iter().map(|m| m.logins).collect(),
            }],
            count,
        ),
        sms: bars(
            "SMS sent per day",
            &dates,
            &[per_day("SMS", |d| d.sms)],
            count,
        ),
    }
}
