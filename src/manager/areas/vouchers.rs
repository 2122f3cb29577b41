//! Vouchers of a hotspot: batches (made in `voucher_batch`) listed with their state, filtered,
//! revoked and deleted. Every query takes the hotspot of the path (checked by the guard) and the voucher or batch id together, so another
//! hotspot's id is simply not found. Pages and API are in `voucher_pages`, print sheets and
//! CSV in `voucher_print`; all of them read through the functions here.

use rand::Rng;
use serde::Serialize;

use super::{audit, text};
use crate::manager::ManagerState;
use crate::manager::auth::{Principal, Tenant};
use crate::manager::db::{Conn, DbError, Mode, Row};
use crate::manager::error::Error;
use crate::manager::sync::feed::{self, Subject};
use crate::model::voucher::{VoucherState, describe_uses};

/// A batch as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// Vouchers made.
    pub count: i64,
    /// The terms in words ("1d from first logon, 1 device(s), …").
    pub terms: String,
    /// The profile it was made from, by name (none: quick terms).
    pub profile: Option<String>,
    /// That profile's name for guests.
    pub profile_for_users: Option<String>,
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Voucher {
    /// Id (also the cursor).
    pub id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// The printed code, `ABCDE-FGHJK`.
    pub code: String,
    /// Where it stands.
    #[schema(value_type = String)]
    pub state: VoucherState,
    /// Logins so far (reported by units once they sync).
    pub logins: i64,
    /// When it expires or expired, once known.
    pub expires_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// The batch's terms in words.
    pub terms: String,
    /// The batch's profile, by name (none: quick terms).
    pub profile: Option<String>,
    /// That profile's name for guests.
    pub profile_for_users: Option<String>,
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

const BATCH: &str = "SELECT id, count, terms, max_logins, note, created_by, created_at,
    profile, profile_for_users FROM voucher_batches";

fn batch(r: &Row) -> Result<Batch, DbError> {
    Ok(Batch {
        id: r.int(0)?,
        count: r.int(1)?,
        terms: r.text(2)?,
        uses: uses(r.opt_int(3)?),
        note: r.text(4)?,
        created_by: r.text(5)?,
        created_at: r.int(6)?,
        profile: r.opt_text(7)?,
        profile_for_users: r.opt_text(8)?,
    })
}

/// The state is computed in SQL (one definition, usable as a filter); `$1` is now.
const VOUCHERS: &str = "SELECT * FROM (SELECT v.id, v.batch_id, v.code, v.logins, v.expires_at,
    v.revoked_at, b.terms, b.max_logins, b.created_by, b.created_at,
    CASE WHEN v.revoked_at IS NOT NULL THEN 'revoked'
         WHEN v.expires_at IS NOT NULL AND v.expires_at <= $1 THEN 'expired'
         WHEN b.max_logins IS NOT NULL AND v.logins >= b.max_logins THEN 'used'
         WHEN v.logins > 0 THEN 'in-use'
         ELSE 'unused' END AS state, b.profile, b.profile_for_users
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
        profile: r.opt_text(11)?,
        profile_for_users: r.opt_text(12)?,
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
            let row = c
                .query_opt(
                    "SELECT code, code_hash FROM vouchers WHERE hotspot_id = $1 AND id = $2",
                    &[hotspot.into(), id.into()],
                )?
                .ok_or(Error::NotFound)?;
            let (code, code_hash) = (row.text(0)?, row.text(1)?);
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
            feed::append(c, hotspot, Subject::Voucher(&code_hash), now)?;
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
