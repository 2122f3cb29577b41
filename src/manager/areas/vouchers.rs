//! Vouchers of a hotspot: batches made from quick terms (the same as `hotspotd voucher
//! create`), listed with their state, filtered, revoked and deleted. Every query takes the
//! hotspot of the path (checked by the guard) and the voucher or batch id together, so another
//! hotspot's id is simply not found. Pages and API are in `voucher_pages`, print sheets and
//! CSV in `voucher_print`; all of them read through the functions here.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{audit, text};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Tenant};
use crate::manager::db::{Conn, DbError, Mode, Row, Value};
use crate::manager::error::Error;
use crate::model::profile::Starts;
use crate::model::units::{parse_duration, parse_rate, parse_size};
use crate::model::voucher::{AdHocTerms, MAX_BATCH, VoucherState, describe_uses, parse_uses};
use crate::model::voucher_code::VoucherCode;

/// A batch request (form and JSON alike), in the words of `hotspotd voucher create`.
#[derive(Debug, Clone, Deserialize)]
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

/// A batch as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// Vouchers made.
    pub count: i64,
    /// The terms in words ("1d from first logon, 1 device(s), …").
    pub terms: String,
    /// Logins each voucher allows, in words.
    pub uses: String,
    /// Free text.
    pub note: String,
    /// Login name of the account that made it.
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A voucher as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Voucher {
    /// Id (also the cursor).
    pub id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// The printed code, `ABCDE-FGHJK`.
    pub code: String,
    /// Where it stands.
    pub state: VoucherState,
    /// Logins so far (reported by units once they sync).
    pub logins: i64,
    /// When it expires or expired, once known.
    pub expires_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// The batch's terms in words.
    pub terms: String,
    /// Logins allowed, in words.
    pub uses: String,
    /// Who made it.
    pub created_by: String,
    /// When, Unix seconds.
    pub created_at: i64,
}

impl Voucher {
    /// The state as staff read it.
    pub fn label(&self) -> &'static str {
        match self.state {
            VoucherState::Unused => "unused",
            VoucherState::InUse => "in use",
            VoucherState::Used => "used up",
            VoucherState::Expired => "expired",
            VoucherState::Revoked => "revoked",
            VoucherState::NoProfile => "no terms",
        }
    }
}

/// The states a filter may ask for, as in JSON.
pub const STATES: [&str; 5] = ["unused", "in-use", "used", "expired", "revoked"];

fn uses(max_logins: Option<i64>) -> String {
    describe_uses(max_logins.and_then(|m| u32::try_from(m).ok()))
}

const BATCH: &str = "SELECT id, count, terms, max_logins, note, created_by, created_at
    FROM voucher_batches";

fn batch(r: &Row) -> Result<Batch, DbError> {
    Ok(Batch {
        id: r.int(0)?,
        count: r.int(1)?,
        terms: r.text(2)?,
        uses: uses(r.opt_int(3)?),
        note: r.text(4)?,
        created_by: r.text(5)?,
        created_at: r.int(6)?,
    })
}

/// The state is computed in SQL (one definition, usable as a filter); `$1` is now.
const VOUCHERS: &str = "SELECT * FROM (SELECT v.id, v.batch_id, v.code, v.logins, v.expires_at,
    v.revoked_at, b.terms, b.max_logins, b.created_by, b.created_at,
    CASE WHEN v.revoked_at IS NOT NULL THEN 'revoked'
         WHEN v.expires_at IS NOT NULL AND v.expires_at <= $1 THEN 'expired'
         WHEN b.max_logins IS NOT NULL AND v.logins >= b.max_logins THEN 'used'
         WHEN v.logins > 0 THEN 'in-use'
         ELSE 'unused' END AS state
    FROM vouchers v JOIN voucher_batches b ON b.id = v.batch_id
    WHERE v.hotspot_id = $2 AND v.id < $3
      AND (CAST($4 AS BIGINT) IS NULL OR v.batch_id = $4)
      AND (CAST($5 AS TEXT) IS NULL OR b.created_by = $5)) s
    WHERE (CAST($6 AS TEXT) IS NULL OR s.state = $6) ORDER BY s.id DESC LIMIT $7";

fn voucher(r: &Row) -> Result<Voucher, DbError> {
    let state = match r.text(10)?.as_str() {
        "revoked" => VoucherState::Revoked,
        "expired" => VoucherState::Expired,
        "used" => VoucherState::Used,
        "in-use" => VoucherState::InUse,
        "unused" => VoucherState::Unused,
        _ => return Err(DbError::Type(10)),
    };
    Ok(Voucher {
        id: r.int(0)?,
        batch_id: r.int(1)?,
        code: r.text(2)?,
        logins: r.int(3)?,
        expires_at: r.opt_int(4)?,
        revoked_at: r.opt_int(5)?,
        terms: r.text(6)?,
        uses: uses(r.opt_int(7)?),
        created_by: r.text(8)?,
        created_at: r.int(9)?,
        state,
    })
}

/// Which vouchers a list shows.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only this state (one of [`STATES`]).
    pub state: Option<String>,
    /// Only this batch.
    pub batch: Option<i64>,
    /// Only batches made by this login name.
    pub creator: Option<String>,
    /// Vouchers older than this id (the previous page's last).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// Vouchers of `hotspot` chosen by `sel`, newest first.
pub fn select(
    c: &mut dyn Conn,
    now: i64,
    hotspot: i64,
    sel: &Selection,
) -> Result<Vec<Voucher>, Error> {
    if let Some(s) = &sel.state
        && !STATES.contains(&s.as_str())
    {
        return Err(Error::invalid(
            "state",
            format!("must be one of {}", STATES.join(", ")),
        ));
    }
    let rows = c.query(
        VOUCHERS,
        &[
            now.into(),
            hotspot.into(),
            sel.before.unwrap_or(i64::MAX).into(),
            sel.batch.into(),
            sel.creator.clone().into(),
            sel.state.clone().into(),
            sel.limit.into(),
        ],
    )?;
    Ok(rows.iter().map(voucher).collect::<Result<_, _>>()?)
}

/// The batches of `hotspot`, newest first (at most `limit`).
pub fn batches(c: &mut dyn Conn, hotspot: i64, limit: i64) -> Result<Vec<Batch>, Error> {
    let rows = c.query(
        &format!("{BATCH} WHERE hotspot_id = $1 ORDER BY id DESC LIMIT $2"),
        &[hotspot.into(), limit.into()],
    )?;
    Ok(rows.iter().map(batch).collect::<Result<_, _>>()?)
}

/// One batch of `hotspot`; another hotspot's batch is not found.
pub fn batch_of(c: &mut dyn Conn, hotspot: i64, id: i64) -> Result<Batch, Error> {
    let row = c.query_opt(
        &format!("{BATCH} WHERE hotspot_id = $1 AND id = $2"),
        &[hotspot.into(), id.into()],
    )?;
    row.as_ref().map(batch).transpose()?.ok_or(Error::NotFound)
}

/// The login names that made batches at `hotspot` (the creator filter's choices).
pub fn creators(c: &mut dyn Conn, hotspot: i64) -> Result<Vec<String>, Error> {
    let rows = c.query(
        "SELECT DISTINCT created_by FROM voucher_batches WHERE hotspot_id = $1
         ORDER BY created_by",
        &[hotspot.into()],
    )?;
    Ok(rows.iter().map(|r| r.text(0)).collect::<Result<_, _>>()?)
}

/// The hotspot's tenant and name.
pub fn hotspot_of(c: &mut dyn Conn, id: i64) -> Result<(Tenant, String), Error> {
    let row = c
        .query_opt(
            "SELECT reseller_id, name FROM hotspots WHERE id = $1",
            &[id.into()],
        )?
        .ok_or(Error::NotFound)?;
    let tenant = Tenant {
        reseller_id: row.int(0)?,
        hotspot_id: Some(id),
    };
    Ok((tenant, row.text(1)?))
}

/// The hotspot's voucher key (made on first use) and the portal address its QR codes open.
pub fn key(c: &mut dyn Conn, hotspot: i64, now: i64) -> Result<(Vec<u8>, String), Error> {
    let mut fresh = [0u8; 32];
    rand::rng().fill(&mut fresh);
    c.execute(
        "INSERT INTO voucher_keys (hotspot_id, key_hex, portal_url, created_at)
         VALUES ($1, $2, '', $3) ON CONFLICT (hotspot_id) DO NOTHING",
        &[hotspot.into(), hex::encode(fresh).into(), now.into()],
    )?;
    let row = c
        .query_opt(
            "SELECT key_hex, portal_url FROM voucher_keys WHERE hotspot_id = $1",
            &[hotspot.into()],
        )?
        .ok_or(Error::Internal)?;
    let key = hex::decode(row.text(0)?).map_err(|_| DbError::Type(0))?;
    Ok((key, row.text(1)?))
}

/// The portal address QR codes of `hotspot` open (empty until a reseller sets it).
pub fn portal(c: &mut dyn Conn, hotspot: i64) -> Result<String, Error> {
    let row = c.query_opt(
        "SELECT portal_url FROM voucher_keys WHERE hotspot_id = $1",
        &[hotspot.into()],
    )?;
    Ok(row.map(|r| r.text(0)).transpose()?.unwrap_or_default())
}

/// What a new batch gives back: the batch and its codes.
#[derive(Debug, Serialize)]
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

/// Revokes voucher `id` of `hotspot` (already revoked: unchanged).
pub async fn revoke(
    state: &ManagerState,
    p: &Principal,
    hotspot: i64,
    id: i64,
) -> Result<(), Error> {
    change(state, p, hotspot, id, "revoke voucher").await
}

/// Deletes voucher `id` of `hotspot`.
pub async fn delete(
    state: &ManagerState,
    p: &Principal,
    hotspot: i64,
    id: i64,
) -> Result<(), Error> {
    change(state, p, hotspot, id, "delete voucher").await
}

async fn change(
    state: &ManagerState,
    p: &Principal,
    hotspot: i64,
    id: i64,
    action: &'static str,
) -> Result<(), Error> {
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            let code = c
                .query_opt(
                    "SELECT code FROM vouchers WHERE hotspot_id = $1 AND id = $2",
                    &[hotspot.into(), id.into()],
                )?
                .ok_or(Error::NotFound)?
                .text(0)?;
            if action == "delete voucher" {
                c.execute("DELETE FROM vouchers WHERE id = $1", &[id.into()])?;
            } else {
                c.execute(
                    "UPDATE vouchers SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    &[now.into(), id.into()],
                )?;
            }
            let (tenant, _) = hotspot_of(c, hotspot)?;
            audit::record(c, p.actor(), now, action, &code, Some(tenant))?;
            Ok(())
        })
        .await
}

/// Sets the portal address QR codes open (`http://…`, or empty for codes without a link).
pub async fn set_portal(
    state: &ManagerState,
    p: &Principal,
    hotspot: i64,
    url: &str,
) -> Result<(), Error> {
    let url = portal_url(url)?;
    let (p, now) = (p.clone(), state.now());
    state
        .db
        .tx(Mode::Write, move |c| {
            key(c, hotspot, now)?;
            c.execute(
                "UPDATE voucher_keys SET portal_url = $1 WHERE hotspot_id = $2",
                &[(&url).into(), hotspot.into()],
            )?;
            let (tenant, _) = hotspot_of(c, hotspot)?;
            audit::record(
                c,
                p.actor(),
                now,
                "set voucher portal address",
                &url,
                Some(tenant),
            )?;
            Ok(())
        })
        .await
}

fn portal_url(v: &str) -> Result<String, Error> {
    let v = text("portal_url", v, 200, false)?;
    let ok = v.is_empty()
        || ((v.starts_with("http://") || v.starts_with("https://"))
            && !v.contains(['?', '#', ' ', '"', '<', '>']));
    if ok {
        Ok(v.trim_end_matches('/').to_string())
    } else {
        Err(Error::invalid(
            "portal_url",
            "must be the portal's address, e.g. http://10.77.0.1:2050, without ? or #; or empty",
        ))
    }
}

/// What a voucher's QR code holds: the portal with the code filled in, or the bare code when
/// no portal address is set.
pub fn qr_target(portal_url: &str, code: &str) -> String {
    if portal_url.is_empty() {
        code.to_string()
    } else {
        format!("{portal_url}/?code={code}")
    }
}
