//! The rows of the marketing export: the guests of a hotspot whose **latest** marketing
//! consent is granted, and no one else. The selection is one SQL condition (the granting row
//! has no later marketing row of the same guest), so a guest who withdrew, one who never
//! answered and one of another hotspot cannot appear, and one who withdrew and granted again
//! appears once, with the date of the new grant. Rows are read in pages by guest id (keyset),
//! never all at once. Each row becomes the CSV record MailChimp imports, with every cell a
//! spreadsheet would run as a formula neutralised.

use chrono::{Datelike, NaiveDate, SecondsFormat};
use serde::Deserialize;
use tz::TimeZone;

use super::{days, listing, settings_doc};
use crate::manager::db::{Conn, DbError, Row, Value};
use crate::manager::error::Error;
use crate::model::guest::Method;
use crate::model::settings::questionnaire::Kind;

/// The CSV's columns: MailChimp's own names where it has one (Email Address, Phone Number,
/// First Name, Last Name, Birthday is not used: it wants MM/DD), the rest as new fields.
pub const COLUMNS: [&str; 13] = [
    "Email Address",
    "Phone Number",
    "First Name",
    "Last Name",
    "Username",
    "Login Method",
    "Gender",
    "Birth Date",
    "Age",
    "Nationality",
    "Language",
    "Consent Date",
    "Consent Method",
];

/// `?from=…&to=…&method=…` as sent (empty means any; the page's form sends them empty).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// First day (`YYYY-MM-DD`, the hotspot's time zone) of the latest consent.
    #[serde(default)]
    pub from: String,
    /// Last day, included.
    #[serde(default)]
    pub to: String,
    /// How the guest logged in: click, voucher, account, email, sms, social, offline.
    #[serde(default)]
    pub method: String,
}

/// A filter checked.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    method: Option<Method>,
}

impl Filter {
    /// The filter, or a 422 naming the field and the fix.
    pub fn check(&self) -> Result<Checked, Error> {
        let from = listing::day("from", &self.from)?;
        let to = listing::day("to", &self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(Error::invalid("to", "is before from; choose a later day"));
        }
        let method = match self.method.trim() {
            "" => None,
            m => Some(m.parse::<Method>().map_err(|_| {
                let all: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
                Error::invalid("method", format!("must be one of {}", all.join(", ")))
            })?),
        };
        Ok(Checked { from, to, method })
    }

    /// The query string of this filter.
    pub fn query(&self) -> String {
        serde_urlencoded::to_string([
            ("from", self.from.trim()),
            ("to", self.to.trim()),
            ("method", self.method.trim()),
        ])
        .unwrap_or_default()
    }
}

impl std::fmt::Display for Checked {
    /// The filter in words, for the audit log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let day = |d: Option<NaiveDate>| d.map_or("any day".to_string(), |d| d.to_string());
        write!(
            f,
            "consent from {} to {}, login method {}",
            day(self.from),
            day(self.to),
            self.method.map_or("any", Method::as_str)
        )
    }
}

/// The guests consenting now, at `hotspot`: every marketing row that is granted and is its
/// guest's latest (by time, then by arrival), joined to its guest; `$1` the hotspot, `$2`
/// true; `{after}` the page's start, repeated on every table read (below).
const CONSENTED: &str = "FROM guest_consents c JOIN guests g ON g.id = c.guest_id
     WHERE c.hotspot_id = $1 AND g.hotspot_id = $1 AND c.purpose = 'marketing'
     AND c.granted = $2
     AND NOT EXISTS (SELECT 1 FROM guest_consents l WHERE l.guest_id = c.guest_id
         AND l.purpose = 'marketing' AND (l.at > c.at OR (l.at = c.at AND l.id > c.id)){after})";

/// What a hotspot's export needs beside the rows: its time zone (days of the filter, the
/// consent dates) and which questions ask the nationality.
pub struct Context {
    zone: TimeZone,
    nationality: Vec<String>,
    today: NaiveDate,
}

impl Context {
    /// The context of `hotspot` (not found: 404) on day `now`.
    pub fn of(c: &mut dyn Conn, hotspot: i64, now: i64) -> Result<Context, Error> {
        let zone = c
            .query_opt(
                "SELECT time_zone FROM hotspots WHERE id = $1",
                &[hotspot.into()],
            )?
            .ok_or(Error::NotFound)?
            .text(0)?;
        let nationality = settings_doc::current(c, hotspot)?
            .questionnaire
            .questions
            .into_iter()
            .filter(|q| matches!(q.kind, Kind::Nationality {}))
            .map(|q| q.id)
            .collect();
        let zone = days::zone(&zone);
        let local = now + days::offset(&zone, now);
        let today = chrono::DateTime::from_timestamp(local, 0)
            .unwrap_or_default()
            .date_naive();
        Ok(Context {
            zone,
            nationality,
            today,
        })
    }
}

/// The selection's SQL (`FROM … WHERE …`) and parameters for `f` at `hotspot`, of guests
/// after guest id `after` (`$3`) if given. PostgreSQL merges the three reads by guest id: the
/// page's start on each of them (not only on the consents) makes each read start there
/// rather than at the first guest (at 1,000,000 guests, 0.3 s a page instead of 3 ms).
fn selection(ctx: &Context, hotspot: i64, f: &Checked, after: Option<i64>) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = vec![hotspot.into(), true.into()];
    let mut sql = match after {
        Some(a) => {
            params.push(a.into());
            CONSENTED.replace("{after}", " AND l.guest_id > $3")
                + " AND c.guest_id > $3 AND g.id > $3"
        }
        None => CONSENTED.replace("{after}", ""),
    };
    let mut bind = |sql: &mut String, clause: &str, v: Value| {
        params.push(v);
        *sql += &clause.replace('?', &format!("${}", params.len()));
    };
    if let Some(d) = f.from {
        let start = days::start_of(&ctx.zone, d);
        bind(&mut sql, " AND c.at >= ?", start.into());
    }
    if let Some(d) = f.to.and_then(|d| d.succ_opt()) {
        let end = days::start_of(&ctx.zone, d);
        bind(&mut sql, " AND c.at < ?", end.into());
    }
    if let Some(m) = f.method {
        bind(&mut sql, " AND g.method = ?", m.as_str().into());
    }
    (sql, params)
}

/// How many guests of `hotspot` the export by `f` holds.
pub fn count(c: &mut dyn Conn, ctx: &Context, hotspot: i64, f: &Checked) -> Result<i64, DbError> {
    let (sql, params) = selection(ctx, hotspot, f, None);
    c.query_opt(&format!("SELECT COUNT(*) {sql}"), &params)?
        .map_or(Ok(0), |r| r.int(0))
}

/// Up to `limit` rows of the export, guests with an id above `after`, by id.
pub fn page(
    c: &mut dyn Conn,
    ctx: &Context,
    (hotspot, f): (i64, &Checked),
    after: i64,
    limit: i64,
) -> Result<Vec<Row>, DbError> {
    let (mut sql, params) = selection(ctx, hotspot, f, Some(after));
    // The answers only when a question asks the nationality (one index probe per guest).
    let answers = if ctx.nationality.is_empty() {
        "CAST(NULL AS TEXT)"
    } else {
        "(SELECT a.answers FROM guest_answers a WHERE a.guest_id = g.id
          ORDER BY a.at DESC, a.id DESC LIMIT 1)"
    };
    // The limit is written out (a constant of the caller, never input), so the plan knows
    // it reads one page.
    sql += &format!(" ORDER BY c.guest_id LIMIT {limit}");
    c.query(
        &format!(
            "SELECT g.id, g.username, g.method, g.display_name, g.email, g.gender, g.birth_date,
             c.at, c.how, c.language, {answers} {sql}"
        ),
        &params,
    )
}

/// A cell a spreadsheet would run as a formula (OWASP "CSV injection"), made text by a
/// leading `'`.
pub fn neutralise(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n') => format!("'{cell}"),
        _ => cell,
    }
}

/// A phone number: an E.164 number (`+` and 6–15 digits, what SMS logins store) stays as it
/// is, so MailChimp's phone field takes it (a spreadsheet reads it as a number, running
/// nothing); anything else is neutralised like every cell.
fn phone(cell: String) -> String {
    let e164 = cell
        .strip_prefix('+')
        .is_some_and(|d| (6..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()));
    if e164 { cell } else { neutralise(cell) }
}

/// Whole years from `birth` (`YYYY-MM-DD`; a year alone gives no age) to `today`.
fn age(birth: &str, today: NaiveDate) -> String {
    NaiveDate::parse_from_str(birth, "%Y-%m-%d")
        .ok()
        .and_then(|b| {
            let years = today.year() - b.year();
            let before_birthday = (today.month(), today.day()) < (b.month(), b.day());
            u32::try_from(years - i32::from(before_birthday)).ok()
        })
        .map_or(String::new(), |a| a.to_string())
}

/// The nationality answered to the first nationality question in `answers` (the JSON a
/// unit reports: question id → `{choices, text}`), as an ISO 3166 code (`other` as is).
fn nationality(ctx: &Context, answers: Option<&str>) -> String {
    let Some(v) = answers.and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok()) else {
        return String::new();
    };
    ctx.nationality
        .iter()
        .find_map(|q| v[q]["choices"][0].as_str())
        .map_or(String::new(), |c| {
            if c == "other" {
                c.to_string()
            } else {
                c.to_ascii_uppercase()
            }
        })
}

/// A row of [`page`] as its guest id and CSV record.
pub fn record(ctx: &Context, r: &Row) -> Result<(i64, [String; 13]), DbError> {
    let (username, method) = (r.text(1)?, r.text(2)?);
    let text = |i| r.opt_text(i).map(Option::unwrap_or_default);
    let email = if method == "email" {
        username.clone()
    } else {
        text(4)?
    };
    let phone_number = if method == "sms" {
        username.clone()
    } else {
        String::new()
    };
    // Providers give one display name: its first word and the rest.
    let name = text(3)?;
    let (first, last) = name.trim().split_once(' ').unwrap_or((name.trim(), ""));
    let birth = text(6)?;
    let at = r.int(7)?;
    let consented = chrono::DateTime::from_timestamp(at, 0)
        .zip(chrono::FixedOffset::east_opt(
            i32::try_from(days::offset(&ctx.zone, at)).unwrap_or(0),
        ))
        .map(|(t, o)| {
            t.with_timezone(&o)
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        })
        .unwrap_or_default();
    let mut cells = [
        email,
        String::new(),
        first.to_string(),
        last.trim().to_string(),
        username,
        method,
        text(5)?,
        birth.clone(),
        age(&birth, ctx.today),
        nationality(ctx, r.opt_text(10)?.as_deref()),
        r.text(9)?,
        consented,
        r.text(8)?,
    ]
    .map(neutralise);
    cells[1] = phone(phone_number);
    Ok((r.int(0)?, cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_become_text_and_e164_phones_stay_usable() {
        for hostile in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(hostile.into()), format!("'{hostile}"));
        }
        assert_eq!(neutralise("ann@example.com".into()), "ann@example.com");
        assert_eq!(phone("+393331234567".into()), "+393331234567");
        assert_eq!(phone("+1 555 0100".into()), "'+1 555 0100");
        assert_eq!(
            phone("+1+cmd|' /C calc'!A0".into()),
            "'+1+cmd|' /C calc'!A0"
        );
        assert_eq!(phone(String::new()), "");
    }

    #[test]
    fn age_needs_a_whole_birth_date() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        assert_eq!(age("1990-06-15", today), "36");
        assert_eq!(age("1990-06-16", today), "35");
        assert_eq!(age("1990", today), "");
        assert_eq!(age("2030-01-01", today), "");
    }

    #[test]
    fn filters_are_checked_field_by_field() {
        let bad = |f: Filter, field: &str| match f.check() {
            Err(Error::Invalid { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{other:?}"),
        };
        let f = |from: &str, to: &str, method: &str| Filter {
            from: from.into(),
            to: to.into(),
            method: method.into(),
        };
        bad(f("2026-13-01", "", ""), "from");
        bad(f("", "yesterday", ""), "to");
        bad(f("2026-02-02", "2026-02-01", ""), "to");
        bad(f("", "", "carrier-pigeon"), "method");
        let ok = f("2026-02-01", "2026-02-01", "sms").check().unwrap();
        assert_eq!(
            ok.to_string(),
            "consent from 2026-02-01 to 2026-02-01, login method sms"
        );
    }
}
