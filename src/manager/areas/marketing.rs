//! Marketing (reseller, customer): the CSV of a hotspot's guests whose latest marketing
//! consent is granted (`marketing_rows`), for mass-mailing tools such as MailChimp; the page
//! explaining it with the filters, the count of consenting guests and the download.
//!
//! The download is streamed: each page of rows is read in its own short transaction only
//! when the client has taken the previous one, so memory stays the same whatever the size,
//! and a client that stops reading stops the reads. The audit log gets an entry (who, the
//! hotspot, the filters) before the first byte, and a second one with the number of guests
//! once the last row is sent: an interrupted download has only the first.

use std::sync::Arc;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::Response;
use serde::Serialize;

use super::marketing_rows::{COLUMNS, Checked, Context, Filter, count, page, record};
use super::vouchers::hotspot_of;
use super::{Query, audit};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Tenant};
use crate::manager::db::{Db, Mode};
use crate::manager::error::Error;
use crate::manager::pages::{Nav, render};
use crate::model::guest::Method;

/// Guests per page read (and per chunk of the response).
const PAGE: i64 = 1000;

/// `records` as CSV (RFC 4180: CRLF line ends, quotes where needed).
fn encode<I, R>(records: I) -> Result<Vec<u8>, Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let failed = |e: csv::Error| {
        tracing::error!(error = %e, "marketing CSV");
        Error::Internal
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in records {
        w.write_record(r).map_err(failed)?;
    }
    w.into_inner().map_err(|e| failed(e.into_error().into()))
}

/// An export in progress: where it is and whom to record it for.
struct Export {
    db: Db,
    hotspot: i64,
    f: Checked,
    ctx: Arc<Context>,
    /// The last guest id sent.
    after: i64,
    rows: i64,
    header_sent: bool,
    last_page: bool,
    who: Principal,
    tenant: Tenant,
    name: String,
}

impl Export {
    /// The next chunk of the body; `None` once everything is sent (and recorded).
    async fn next(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if !self.header_sent {
            self.header_sent = true;
            return encode([COLUMNS]).map(Some);
        }
        if self.last_page {
            self.finish().await;
            return Ok(None);
        }
        let (ctx, f, hotspot, after) = (self.ctx.clone(), self.f.clone(), self.hotspot, self.after);
        let (n, last, bytes) = self
            .db
            .tx(Mode::Read, move |c| {
                let rows = page(c, &ctx, (hotspot, &f), after, PAGE)?;
                let mut last = None;
                let mut records = Vec::with_capacity(rows.len());
                for r in &rows {
                    let (id, cells) = record(&ctx, r)?;
                    last = Some(id);
                    records.push(cells);
                }
                Ok::<_, Error>((rows.len() as i64, last, encode(records)?))
            })
            .await?;
        self.rows += n;
        self.after = last.unwrap_or(self.after);
        self.last_page = n < PAGE;
        if n == 0 {
            self.finish().await;
            return Ok(None);
        }
        Ok(Some(bytes))
    }

    /// Records that the export ended with every row sent.
    async fn finish(&self) {
        let (who, tenant, now) = (
            self.who.clone(),
            self.tenant,
            chrono::Utc::now().timestamp(),
        );
        let object = format!("{}: {} guests", self.name, self.rows);
        let done = self
            .db
            .tx(Mode::Write, move |c| {
                audit::record(
                    c,
                    who.actor(),
                    now,
                    "marketing CSV export complete",
                    &object,
                    Some(tenant),
                )
            })
            .await;
        if let Err(e) = done {
            tracing::error!(error = %e, "audit of a finished marketing export");
        }
    }
}

/// `GET /hotspots/{hotspot}/marketing/csv` and `GET /api/v1/hotspots/{hotspot}/marketing/csv`:
/// the export by the filter, streamed. A refused filter is a 422 and records nothing.
pub async fn csv(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    let checked = f.check()?;
    let now = s.now();
    let (who, asked) = (p.clone(), checked.clone());
    let (ctx, tenant, name) =
        s.db.tx(Mode::Write, move |c| {
            let ctx = Context::of(c, hotspot, now)?;
            let (tenant, name) = hotspot_of(c, hotspot)?;
            let object = format!("{name}: {asked}");
            audit::record(
                c,
                who.actor(),
                now,
                "export marketing CSV",
                &object,
                Some(tenant),
            )?;
            Ok::<_, Error>((ctx, tenant, name))
        })
        .await?;
    let export = Export {
        db: s.db.clone(),
        hotspot,
        f: checked,
        ctx: Arc::new(ctx),
        after: 0,
        rows: 0,
        header_sent: false,
        last_page: false,
        who: p,
        tenant,
        name,
    };
    let chunks = futures_util::stream::unfold(Some(export), |export| async move {
        let mut export = export?;
        match export.next().await {
            Ok(Some(chunk)) => Some((Ok(Bytes::from(chunk)), Some(export))),
            Ok(None) => None,
            // The connection is cut: the client sees an incomplete download, not a short
            // list taken for the whole.
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    });
    let day = chrono::Utc::now().format("%Y-%m-%d");
    Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"marketing-{hotspot}-{day}.csv\""),
        )
        .body(Body::from_stream(chunks))
        .map_err(|e| {
            tracing::error!(error = %e, "marketing CSV response");
            Error::Internal
        })
}

/// What the export holds now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = MarketingSummary)]
pub struct Summary {
    /// The hotspot.
    pub hotspot_id: i64,
    /// Its name.
    pub name: String,
    /// Guests whose latest marketing consent is granted.
    pub consented: i64,
    /// Of those, the ones the filter selects (the rows of the CSV).
    pub matching: i64,
    /// The CSV's columns, in order.
    pub columns: Vec<&'static str>,
    /// The CSV download by this filter.
    pub csv: String,
}

async fn summary(s: &ManagerState, hotspot: i64, f: &Filter) -> Result<Summary, Error> {
    let checked = f.check()?;
    let now = s.now();
    let (name, consented, matching) =
        s.db.tx(Mode::Read, move |c| {
            let ctx = Context::of(c, hotspot, now)?;
            let (_, name) = hotspot_of(c, hotspot)?;
            let all = count(c, &ctx, hotspot, &Checked::default())?;
            Ok::<_, Error>((name, all, count(c, &ctx, hotspot, &checked)?))
        })
        .await?;
    Ok(Summary {
        hotspot_id: hotspot,
        name,
        consented,
        matching,
        columns: COLUMNS.to_vec(),
        csv: format!("/api/v1/hotspots/{hotspot}/marketing/csv?{}", f.query()),
    })
}

#[derive(Template)]
#[template(path = "manager/marketing.html")]
struct MarketingPage {
    nav: Nav,
    v: Summary,
    f: Filter,
    methods: Vec<&'static str>,
}

/// `GET /hotspots/{hotspot}/marketing`
pub async fn page_view(
    State(s): State<ManagerState>,
    p: Principal,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<Response, Error> {
    render(&MarketingPage {
        nav: Nav::of(&p),
        v: summary(&s, hotspot, &f).await?,
        f,
        methods: Method::ALL.iter().map(|m| m.as_str()).collect(),
    })
}

/// `GET /api/v1/hotspots/{hotspot}/marketing`
pub async fn api(
    State(s): State<ManagerState>,
    Path(hotspot): Path<i64>,
    Query(f): Query<Filter>,
) -> Result<axum::Json<Summary>, Error> {
    Ok(axum::Json(summary(&s, hotspot, &f).await?))
}
