//! A batch on paper and in a spreadsheet: print sheets (A4 grid or 80 mm thermal roll, chosen
//! by print CSS) with each voucher's code, terms, hotspot name and published logo, and a QR
//! code opening the portal with the code filled in; and the batch as CSV.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use super::vouchers::{self, Batch, Selection, Voucher};
use super::{Query, design_pages, settings_doc};
use crate::manager::ManagerState;
use crate::manager::db::Mode;
use crate::manager::error::Error;
use crate::manager::pages::render;
use crate::model::voucher::MAX_BATCH;

/// A batch with its vouchers and what the sheets print around them.
struct Sheet {
    hotspot: String,
    /// The published splash logo (the link to it in the manager's image store).
    logo: Option<String>,
    portal_url: String,
    batch: Batch,
    vouchers: Vec<Voucher>,
}

async fn sheet(s: &ManagerState, hotspot: i64, batch: i64) -> Result<Sheet, Error> {
    let now = s.now();
    s.db.tx(Mode::Read, move |c| {
        let batch = vouchers::batch_of(c, hotspot, batch)?;
        let sel = Selection {
            batch: Some(batch.id),
            limit: i64::from(MAX_BATCH),
            ..Selection::default()
        };
        let mut list = vouchers::select(c, now, hotspot, &sel)?;
        list.reverse();
        let logo = settings_doc::current(c, hotspot)?.design.logo;
        Ok(Sheet {
            hotspot: vouchers::hotspot_of(c, hotspot)?.1,
            logo: logo.map(|id| design_pages::asset_url(hotspot, &id)),
            portal_url: vouchers::portal(c, hotspot)?,
            batch,
            vouchers: list,
        })
    })
    .await
}

/// The QR code of `target` as an inline SVG element.
fn qr_svg(target: &str) -> Result<String, Error> {
    let code = QrCode::new(target.as_bytes()).map_err(|e| {
        tracing::error!(error = %e, "QR code");
        Error::Internal
    })?;
    let doc = code.render::<svg::Color>().min_dimensions(132, 132).build();
    // The renderer writes a whole document; inside HTML only the <svg> element belongs.
    Ok(doc
        .find("<svg")
        .map_or(doc.clone(), |i| doc[i..].to_string()))
}

/// One printed voucher.
struct Card {
    code: String,
    qr: String,
    terms: String,
    uses: String,
}

#[derive(Template)]
#[template(path = "manager/voucher_print.html")]
struct PrintPage {
    hotspot_id: i64,
    hotspot: String,
    logo: Option<String>,
    batch: Batch,
    thermal: bool,
    linked: bool,
    cards: Vec<Card>,
}

/// `?layout=a4|thermal`
#[derive(Debug, Deserialize)]
pub struct Layout {
    /// `a4` (default) or `thermal`.
    #[serde(default)]
    pub layout: String,
}

/// `GET /hotspots/{hotspot}/vouchers/batches/{batch}/print`
pub async fn print_page(
    State(s): State<ManagerState>,
    Path((hotspot, batch)): Path<(i64, i64)>,
    Query(l): Query<Layout>,
) -> Result<Response, Error> {
    let thermal = match l.layout.as_str() {
        "" | "a4" => false,
        "thermal" => true,
        _ => return Err(Error::invalid("layout", "must be a4 or thermal")),
    };
    let sh = sheet(&s, hotspot, batch).await?;
    let cards = sh
        .vouchers
        .iter()
        .map(|v| {
            Ok(Card {
                qr: qr_svg(&vouchers::qr_target(&sh.portal_url, &v.code))?,
                code: v.code.clone(),
                terms: v.terms.clone(),
                uses: v.uses.clone(),
            })
        })
        .collect::<Result<_, Error>>()?;
    render(&PrintPage {
        hotspot_id: hotspot,
        hotspot: sh.hotspot,
        logo: sh.logo,
        batch: sh.batch,
        thermal,
        linked: !sh.portal_url.is_empty(),
        cards,
    })
}

/// `GET /hotspots/{hotspot}/vouchers/batches/{batch}/csv`
pub async fn csv(
    State(s): State<ManagerState>,
    Path((hotspot, batch)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    let sh = sheet(&s, hotspot, batch).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| {
        tracing::error!(error = %e, "voucher CSV");
        Error::Internal
    };
    w.write_record([
        "code",
        "state",
        "terms",
        "uses",
        "batch",
        "note",
        "hotspot",
        "created_by",
        "created_at",
        "qr_link",
    ])
    .map_err(internal)?;
    for v in &sh.vouchers {
        let created = chrono::DateTime::from_timestamp(v.created_at, 0)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        w.write_record([
            v.code.as_str(),
            v.state.as_str(),
            &v.terms,
            &v.uses,
            &v.batch_id.to_string(),
            &sh.batch.note,
            &sh.hotspot,
            &v.created_by,
            &created,
            &vouchers::qr_target(&sh.portal_url, &v.code),
        ])
        .map_err(internal)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| internal(e.into_error().into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"vouchers-{batch}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
