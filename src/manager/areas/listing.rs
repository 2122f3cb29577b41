//! The lists of guests, devices and sessions, written once: their filter (`q`, `live`,
//! `from`, `to`), their keyset cursor and their query. Each list is newest first by a time
//! column and its id, and each page is one range scan of an index on
//! `(hotspot_id, time, id)`: the cursor is the last row's `(time, id)`, never an `OFFSET`, and
//! no list counts its rows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::days;
use crate::manager::ManagerState;
use crate::manager::db::{DbError, Mode, Row, Value};
use crate::manager::error::Error;

/// `?q=…&live=…&from=…&to=…&cursor=…&limit=…`; empty values mean "any" (the pages' filter
/// forms send them empty).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// Part of a username or MAC address, any case.
    #[serde(default)]
    pub q: String,
    /// `yes`: only guests or sessions online now; `no`: only the others.
    #[serde(default)]
    pub live: String,
    /// First day (`YYYY-MM-DD`, the hotspot's time zone) of the list's time column.
    #[serde(default)]
    pub from: String,
    /// Last day, included.
    #[serde(default)]
    pub to: String,
    /// The previous page's `next_cursor`.
    #[serde(default)]
    pub cursor: String,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: String,
}

/// Where a page starts: strictly after the row with this time and id (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The row's time column.
    pub at: i64,
    /// The row's id.
    pub id: i64,
}

impl Cursor {
    /// `at.id` as the list gave it out; anything else is [`Error::BadCursor`].
    fn parse(s: &str) -> Result<Cursor, Error> {
        let (at, id) = s.split_once('.').ok_or(Error::BadCursor)?;
        let number = |v: &str| {
            (!v.is_empty() && v.len() <= 19 && v.bytes().all(|b| b.is_ascii_digit()))
                .then(|| v.parse::<i64>().ok())
                .flatten()
                .ok_or(Error::BadCursor)
        };
        Ok(Cursor {
            at: number(at)?,
            id: number(id)?,
        })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.at, self.id)
    }
}

/// One page: its items and the cursor of the next page, absent on the last page.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The items, newest first.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// What differs between the lists: fragments of SQL written in the areas, never from input.
pub struct List {
    /// `SELECT … FROM … [JOIN …]`, up to where `WHERE` goes.
    pub select: &'static str,
    /// The hotspot column, e.g. `s.hotspot_id`.
    pub hotspot: &'static str,
    /// The time column the list is ordered by and `from`/`to` apply to.
    pub at: &'static str,
    /// The id column.
    pub id: &'static str,
    /// The condition `q` adds, `?` standing for the `LIKE` pattern (lower case, escaped by
    /// `\`).
    pub search: &'static str,
    /// The condition of "online now", if the list has one.
    pub live: Option<&'static str>,
}

impl Filter {
    /// The page size asked for, within bounds.
    fn limit(&self) -> Result<i64, Error> {
        let v = self.limit.trim();
        if v.is_empty() {
            return Ok(50);
        }
        v.parse::<i64>()
            .map(|n| n.clamp(1, 200))
            .map_err(|_| Error::invalid("limit", "must be a number from 1 to 200"))
    }

    /// The query string of the page after `cursor`.
    pub fn next(&self, cursor: &str) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("live", self.live.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("limit", self.limit.as_str()),
            ("cursor", cursor),
        ])
        .unwrap_or_default()
    }
}

pub(super) fn day(field: &'static str, v: &str) -> Result<Option<NaiveDate>, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| Error::invalid(field, "must be a date written YYYY-MM-DD"))
}

/// `%part%` for `LIKE … ESCAPE '\'`: the wildcards in the text are literal.
fn like(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The SQL and parameters of one page of `list` at `hotspot` (whose time zone is `zone`).
fn query(list: &List, hotspot: i64, zone: &str, f: &Filter) -> Result<(String, Vec<Value>), Error> {
    let mut sql = format!("{} WHERE {} = $1", list.select, list.hotspot);
    let mut params: Vec<Value> = vec![hotspot.into()];
    let mut bind = |sql: &mut String, clause: &str, v: Value| {
        params.push(v);
        *sql += &clause.replace('?', &format!("${}", params.len()));
    };
    let q = super::text("q", &f.q, 100, false)?.to_lowercase();
    if !q.is_empty() {
        bind(
            &mut sql,
            &format!(" AND ({})", list.search),
            like(&q).into(),
        );
    }
    match (f.live.as_str(), list.live) {
        ("", _) => {}
        ("yes", Some(live)) => sql += &format!(" AND {live}"),
        ("no", Some(live)) => sql += &format!(" AND NOT {live}"),
        (_, Some(_)) => return Err(Error::invalid("live", "must be yes, no or empty")),
        (_, None) => return Err(Error::invalid("live", "this list has no live filter")),
    }
    let (from, to) = (day("from", &f.from)?, day("to", &f.to)?);
    if from.is_some() || to.is_some() {
        let z = days::zone(zone);
        if let Some(d) = from {
            bind(
                &mut sql,
                &format!(" AND {} >= ?", list.at),
                days::start_of(&z, d).into(),
            );
        }
        if let Some(d) = to.and_then(|d| d.succ_opt()) {
            bind(
                &mut sql,
                &format!(" AND {} < ?", list.at),
                days::start_of(&z, d).into(),
            );
        }
    }
    let cursor = f.cursor.trim();
    if !cursor.is_empty() {
        let c = Cursor::parse(cursor)?;
        bind(
            &mut sql,
            &format!(" AND ({}, {}) < (?", list.at, list.id),
            c.at.into(),
        );
        bind(&mut sql, ", ?)", c.id.into());
    }
    let limit = f.limit()?;
    bind(
        &mut sql,
        &format!(" ORDER BY {} DESC, {} DESC LIMIT ?", list.at, list.id),
        (limit + 1).into(),
    );
    Ok((sql, params))
}

/// A page of a list with what its page template shows around it.
pub struct Listed<T> {
    /// The hotspot.
    pub hotspot: i64,
    /// Its name.
    pub name: String,
    /// The page.
    pub page: Page<T>,
    /// The filter as asked (the form shows it again).
    pub f: Filter,
    /// The query string of the next page.
    pub next: Option<String>,
}

/// One page of `list` at `hotspot` by `f`, rows read by `row`, each row's position given by
/// `key`. The router has checked the hotspot is in the principal's scope.
pub async fn fetch<T: Send + 'static>(
    s: &ManagerState,
    list: &'static List,
    hotspot: i64,
    f: Filter,
    row: fn(&Row) -> Result<T, DbError>,
    key: fn(&T) -> Cursor,
) -> Result<Listed<T>, Error> {
    let limit = f.limit()?;
    let asked = f.clone();
    let (name, mut items) =
        s.db.tx(Mode::Read, move |c| {
            let h = c
                .query_opt(
                    "SELECT name, time_zone FROM hotspots WHERE id = $1",
                    &[hotspot.into()],
                )?
                .ok_or(Error::NotFound)?;
            let (sql, params) = query(list, hotspot, &h.text(1)?, &asked)?;
            let items = c
                .query(&sql, &params)?
                .iter()
                .map(row)
                .collect::<Result<Vec<_>, DbError>>()?;
            Ok::<_, Error>((h.text(0)?, items))
        })
        .await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|i| key(i).to_string())
    } else {
        None
    };
    let next = next_cursor.as_deref().map(|c| f.next(c));
    Ok(Listed {
        hotspot,
        name,
        page: Page { items, next_cursor },
        f,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cursors_the_list_gives_out_are_taken() {
        let c = Cursor {
            at: 1_700_000_000,
            id: 42,
        };
        assert_eq!(Cursor::parse(&c.to_string()).unwrap(), c);
        for bad in [
            "",
            "42",
            "1.2.3",
            "-1.2",
            "1.-2",
            "x.1",
            "1.",
            ".1",
            " 1.2",
            "1e3.2",
            "99999999999999999999.1",
            "1;DROP TABLE guests.2",
        ] {
            assert!(
                matches!(Cursor::parse(bad), Err(Error::BadCursor)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn each_filter_is_a_bound_parameter_and_the_order_matches_the_cursor() {
        let list = List {
            select: "SELECT s.id FROM guest_sessions s",
            hotspot: "s.hotspot_id",
            at: "s.started_at",
            id: "s.id",
            search: "s.mac LIKE ? ESCAPE '\\'",
            live: Some("s.ended_at IS NULL"),
        };
        let f = Filter {
            q: "50%".into(),
            live: "no".into(),
            from: "2026-01-16".into(),
            to: "2026-01-16".into(),
            cursor: "1768550000.7".into(),
            limit: "10".into(),
        };
        let (sql, params) = query(&list, 3, "Europe/Rome", &f).unwrap();
        assert_eq!(
            sql,
            "SELECT s.id FROM guest_sessions s WHERE s.hotspot_id = $1 \
             AND (s.mac LIKE $2 ESCAPE '\\') AND NOT s.ended_at IS NULL \
             AND s.started_at >= $3 AND s.started_at < $4 \
             AND (s.started_at, s.id) < ($5, $6) \
             ORDER BY s.started_at DESC, s.id DESC LIMIT $7"
        );
        let expected: Vec<Value> = vec![
            3_i64.into(),
            "%50\\%%".into(),
            1_768_518_000_i64.into(),
            1_768_604_400_i64.into(),
            1_768_550_000_i64.into(),
            7_i64.into(),
            11_i64.into(),
        ];
        assert_eq!(params, expected);
        let devices = List { live: None, ..list };
        assert!(matches!(
            query(&devices, 3, "UTC", &f),
            Err(Error::Invalid { field: "live", .. })
        ));
    }
}
