//! A new voucher batch: from a named profile of the hotspot, or from quick terms in the words
//! of `hotspotd voucher create` (as `gateway::vouchers::create_batch` takes them), checked by
//! the model's rules, and its codes stored with their keyed hashes in one transaction. A
//! profile batch records the profile by name, as the hotspot's units resolve it.

use serde::{Deserialize, Serialize};

use super::profiles::{self, big, refused};
use super::vouchers::{Batch, batch_of, hotspot_of, key};
use super::{audit, text};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{Conn, Mode, Value};
use crate::manager::error::Error;
use crate::manager::sync::feed::{self, Subject};
use crate::model::profile::Starts;
use crate::model::profile::spec::{self, optional};
use crate::model::profile::words::describe_terms;
use crate::model::units::{parse_rate, parse_size};
use crate::model::voucher::{AdHocTerms, MAX_BATCH, parse_uses};
use crate::model::voucher_code::VoucherCode;

/// A batch request (form and JSON alike), in the words of `hotspotd voucher create`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BatchRequest {
    /// How many vouchers (1–10000).
    pub count: u32,
    /// A profile of the hotspot (by name) whose terms the vouchers give; empty: the quick
    /// terms below.
    #[serde(default)]
    pub profile: String,
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

/// What a batch's vouchers give (as `gateway::vouchers::BatchTerms`).
enum Terms {
    /// A profile of the hotspot, by name.
    Profile(String),
    /// Quick terms.
    AdHoc(AdHocTerms),
}

/// The terms as stored with the batch.
struct Resolved {
    validity_secs: Option<u64>,
    starts: Starts,
    shared_users: u32,
    rate_down_bps: Option<u64>,
    rate_up_bps: Option<u64>,
    quota_bytes: Option<u64>,
    words: String,
    /// The profile's name and name for users.
    profile: Option<(String, String)>,
}

impl Terms {
    fn resolve(&self, c: &mut dyn Conn, hotspot: i64) -> Result<Resolved, Error> {
        match self {
            Terms::Profile(name) => {
                profiles::lock(c, hotspot)?;
                let p = profiles::by_name(c, hotspot, name)?.ok_or_else(|| {
                    Error::invalid(
                        "profile",
                        format!("there is no profile named {name:?} at this hotspot; pick one from the list"),
                    )
                })?;
                Ok(Resolved {
                    validity_secs: p.clock.validity_secs,
                    starts: p.clock.starts,
                    shared_users: p.shared_users,
                    rate_down_bps: None,
                    rate_up_bps: None,
                    quota_bytes: None,
                    words: describe_terms(p.clock, p.shared_users, p.price_cents, &p.limitations),
                    profile: Some((p.name, p.name_for_users)),
                })
            }
            Terms::AdHoc(t) => Ok(Resolved {
                validity_secs: t.validity_secs,
                starts: t.starts,
                shared_users: t.shared_users,
                rate_down_bps: t.rate_down_bps,
                rate_up_bps: t.rate_up_bps,
                quota_bytes: t.quota_bytes,
                words: t.describe(),
                profile: None,
            }),
        }
    }
}

/// A request checked: the terms, the logins allowed, the note.
struct Checked {
    count: u32,
    terms: Terms,
    max_logins: Option<u32>,
    note: String,
}

impl BatchRequest {
    fn checked(&self) -> Result<Checked, Error> {
        if self.count == 0 || self.count > MAX_BATCH {
            return Err(Error::invalid(
                "count",
                format!("must be 1 to {MAX_BATCH}; make several batches for more"),
            ));
        }
        let max_logins = parse_uses(self.uses.trim()).map_err(|_| {
            Error::invalid(
                "uses",
                "must be single, unlimited or a number of logins ≥ 1",
            )
        })?;
        let note = text("note", &self.note, 200, false)?;
        let terms = match self.profile.trim() {
            "" => Terms::AdHoc(self.quick_terms()?),
            name => Terms::Profile(name.to_string()),
        };
        Ok(Checked {
            count: self.count,
            terms,
            max_logins,
            note,
        })
    }

    fn quick_terms(&self) -> Result<AdHocTerms, Error> {
        // The same readings as a profile's (`model::profile::spec`).
        let terms = AdHocTerms {
            validity_secs: spec::validity(&self.validity).map_err(refused)?,
            starts: spec::starts(&self.starts).map_err(refused)?,
            shared_users: self.shared_users,
            rate_down_bps: optional("down", &self.down, parse_rate).map_err(refused)?,
            rate_up_bps: optional("up", &self.up, parse_rate).map_err(refused)?,
            quota_bytes: optional("quota", &self.quota, parse_size).map_err(refused)?,
        };
        terms
            .validate()
            .map_err(|_| Error::invalid("shared_users", "must be at least 1"))?;
        Ok(terms)
    }
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
            let t = ch.terms.resolve(c, hotspot)?;
            let (profile, for_users) = t.profile.clone().unzip();
            let id = c
                .query(
                    "INSERT INTO voucher_batches (hotspot_id, count, terms, validity_secs, starts,
                     shared_users, rate_down_bps, rate_up_bps, quota_bytes, max_logins, note,
                     created_by_id, created_by, created_at, profile, profile_for_users)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                     $16) RETURNING id",
                    &[
                        hotspot.into(),
                        i64::from(ch.count).into(),
                        (&t.words).into(),
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
                        profile.into(),
                        for_users.into(),
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
            let what = match &t.profile {
                Some((name, _)) => format!("{} vouchers (batch {id}, profile {name})", ch.count),
                None => format!("{} vouchers (batch {id})", ch.count),
            };
            audit::record(c, p.actor(), now, "create vouchers", &what, Some(tenant))?;
            feed::append(c, hotspot, Subject::Batch(id), now)?;
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
