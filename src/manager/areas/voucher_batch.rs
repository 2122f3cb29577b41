//! A new voucher batch: the request in the words of `hotspotd voucher create`, checked by the
//! model's rules, and its codes stored with their keyed hashes in one transaction.

use serde::{Deserialize, Serialize};

use super::vouchers::{Batch, batch_of, hotspot_of, key};
use super::{audit, text};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{Conn, Mode, Value};
use crate::manager::error::Error;
use crate::model::profile::Starts;
use crate::model::units::{parse_duration, parse_rate, parse_size};
use crate::model::voucher::{AdHocTerms, MAX_BATCH, parse_uses};
use crate::model::voucher_code::VoucherCode;

/// A batch request (form and JSON alike), in the words of `hotspotd voucher create`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BatchRequest {
    /// How many vouchers (1–10000).
    pub count: u32,
    /// Validity once started: `1h`, `3d`, `1w` or `unlimited`.
    #[serde(default = "one_day")]
    pub validity: String,
    /// `first-logon` or `now`.
    #[serde(default = "first_logon")]
    pub starts: String,
    /// Logins allowed: `single`, `unlimited` or a number.
    #[serde(default = "single")]
    pub uses: String,
    /// Devices at once per voucher.
    #[serde(default = "one")]
    pub shared_users: u32,
    /// Download rate, e.g. `10M`; empty for none.
    #[serde(default)]
    pub down: String,
    /// Upload rate, e.g. `2M`; empty for none.
    #[serde(default)]
    pub up: String,
    /// Data allowance, e.g. `500MB`; empty for none.
    #[serde(default)]
    pub quota: String,
    /// Free text kept with the batch.
    #[serde(default)]
    pub note: String,
}

fn one_day() -> String {
    "1d".into()
}
fn first_logon() -> String {
    "first-logon".into()
}
fn single() -> String {
    "single".into()
}
fn one() -> u32 {
    1
}

/// A request checked: the terms, the logins allowed, the note.
struct Checked {
    count: u32,
    terms: AdHocTerms,
    max_logins: Option<u32>,
    note: String,
}

fn optional(
    field: &'static str,
    v: &str,
    parse: fn(&str) -> Result<u64, crate::model::units::UnitError>,
) -> Result<Option<u64>, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    parse(v)
        .map(Some)
        .map_err(|e| Error::invalid(field, format!("is wrong: {e}; or leave it empty")))
}

impl BatchRequest {
    fn checked(&self) -> Result<Checked, Error> {
        if self.count == 0 || self.count > MAX_BATCH {
            return Err(Error::invalid(
                "count",
                format!("must be 1 to {MAX_BATCH}; make several batches for more"),
            ));
        }
        let validity_secs = match self.validity.trim() {
            "unlimited" => None,
            v => Some(parse_duration(v).map_err(|e| {
                Error::invalid("validity", format!("is wrong: {e}; or write unlimited"))
            })?),
        };
        let starts = Starts::from_name(self.starts.trim())
            .ok_or_else(|| Error::invalid("starts", "must be first-logon or now"))?;
        let max_logins = parse_uses(self.uses.trim()).map_err(|_| {
            Error::invalid(
                "uses",
                "must be single, unlimited or a number of logins ≥ 1",
            )
        })?;
        let terms = AdHocTerms {
            validity_secs,
            starts,
            shared_users: self.shared_users,
            rate_down_bps: optional("down", &self.down, parse_rate)?,
            rate_up_bps: optional("up", &self.up, parse_rate)?,
            quota_bytes: optional("quota", &self.quota, parse_size)?,
        };
        terms
            .validate()
            .map_err(|_| Error::invalid("shared_users", "must be at least 1"))?;
        Ok(Checked {
            count: self.count,
            terms,
            max_logins,
            note: text("note", &self.note, 200, false)?,
        })
    }
}

/// A number the database keeps as BIGINT.
fn big(field: &'static str, v: Option<u64>) -> Result<Value, Error> {
    v.map(|n| i64::try_from(n).map_err(|_| Error::invalid(field, "is too large")))
        .transpose()
        .map(Value::from)
}

/// What a new batch gives back: the batch and its codes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = BatchCreated)]
pub struct Created {
    /// The batch.
    pub batch: Batch,
    /// Its codes, `ABCDE-FGHJK`.
    pub codes: Vec<String>,
}

/// Rows per INSERT when storing a batch.
const CHUNK: usize = 250;

/// Makes a batch at `hotspot` for `p` (recorded as its creator and in the audit log).
pub async fn create(
    state: &ManagerState,
    p: &Principal,
    hotspot: i64,
    req: BatchRequest,
) -> Result<Created, Error> {
    let ch = req.checked()?;
    let codes = crate::model::voucher::unique_codes(ch.count).map_err(|e| {
        tracing::error!(error = %e, "voucher codes");
        Error::Internal
    })?;
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            let (tenant, _) = hotspot_of(c, hotspot)?;
            let (key, _) = key(c, hotspot, now)?;
            let t = &ch.terms;
            let id = c
                .query(
                    "INSERT INTO voucher_batches (hotspot_id, count, terms, validity_secs, starts,
                     shared_users, rate_down_bps, rate_up_bps, quota_bytes, max_logins, note,
                     created_by_id, created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                     RETURNING id",
                    &[
                        hotspot.into(),
                        i64::from(ch.count).into(),
                        t.describe().into(),
                        big("validity", t.validity_secs)?,
                        t.starts.as_str().into(),
                        i64::from(t.shared_users).into(),
                        big("down", t.rate_down_bps)?,
                        big("up", t.rate_up_bps)?,
                        big("quota", t.quota_bytes)?,
                        ch.max_logins.map(i64::from).into(),
                        (&ch.note).into(),
                        p.account_id.into(),
                        (&p.username).into(),
                        now.into(),
                    ],
                )?
                .first()
                .ok_or(Error::Internal)?
                .int(0)?;
            // Validity that starts now ends at a known time; from first logon, units report it.
            let expires = match (t.starts, t.validity_secs) {
                (Starts::Now, Some(v)) => {
                    Some(now.saturating_add(i64::try_from(v).unwrap_or(i64::MAX)))
                }
                _ => None,
            };
            insert_codes(c, id, hotspot, &codes, &key, expires)?;
            let what = format!("{} vouchers (batch {id})", ch.count);
            audit::record(c, p.actor(), now, "create vouchers", &what, Some(tenant))?;
            Ok(Created {
                batch: batch_of(c, hotspot, id)?,
                codes: codes.iter().map(VoucherCode::display).collect(),
            })
        })
        .await
}

fn insert_codes(
    c: &mut dyn Conn,
    batch: i64,
    hotspot: i64,
    codes: &[VoucherCode],
    key: &[u8],
    expires: Option<i64>,
) -> Result<(), Error> {
    for chunk in codes.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO vouchers (batch_id, hotspot_id, code, code_hash, expires_at) VALUES ",
        );
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 5);
        for (i, code) in chunk.iter().enumerate() {
            let n = i * 5;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, CAST(${} AS BIGINT))",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            ));
            params.extend([
                batch.into(),
                hotspot.into(),
                code.display().into(),
                hex::encode(code.keyed_hash(key)).into(),
                expires.into(),
            ]);
        }
        // A code equal to one already at this hotspot (p ≈ 1e-15 per pair) fails the whole
        // batch on the unique index rather than printing a voucher twice.
        c.execute(&sql, &params)?;
    }
    Ok(())
}
