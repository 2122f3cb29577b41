//! Making a batch of vouchers: the one service the CLI calls (and the desk will), so codes,
//! profiles and terms are made the same way whoever asks.

use thiserror::Error;

use crate::model::entities::Profile;
use crate::model::limitation::Window;
use crate::model::voucher::{AdHocProfile, AdHocTerms, BatchError, describe_uses, unique_codes};
use crate::store::{Store, StoreError};

/// What a batch's vouchers give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchTerms {
    /// An existing profile, by name.
    Profile(String),
    /// Quick terms, standing for a profile made once.
    AdHoc(AdHocTerms),
}

/// A batch to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRequest {
    /// How many.
    pub count: u32,
    /// What they give.
    pub terms: BatchTerms,
    /// Logins each allows; `None` = unlimited.
    pub max_logins: Option<u32>,
    /// The operator's note (who, what for).
    pub note: String,
}

/// A batch made.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The profile every voucher holds.
    pub profile: Profile,
    /// Human summary of the terms and uses.
    pub summary: String,
    /// Logins each allows.
    pub max_logins: Option<u32>,
    /// Ids and printable codes (the codes exist only here: the store keeps keyed hashes).
    pub vouchers: Vec<(i64, String)>,
}

/// Why a batch was not made (nothing was stored).
#[derive(Debug, Error)]
pub enum VoucherError {
    /// The request itself cannot work.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The named profile does not exist.
    #[error("no profile named {0:?} (see `hotspotd profile list`)")]
    NoProfile(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes the batch: the profile (found, or made from quick terms), fresh distinct codes, and
/// their keyed hashes stored in one transaction.
pub fn create_batch(
    store: &mut Store,
    key: &[u8],
    request: &BatchRequest,
    now: i64,
) -> Result<Batch, VoucherError> {
    let codes = unique_codes(request.count)?;
    let (profile, terms) = match &request.terms {
        BatchTerms::Profile(name) => {
            let p = (store.profile_by_name(name)?)
                .ok_or_else(|| VoucherError::NoProfile(name.clone()))?;
            let terms = format!("profile {} ({})", p.name, p.name_for_users);
            (p, terms)
        }
        BatchTerms::AdHoc(t) => {
            t.validate()?;
            (ad_hoc_profile(store, &t.profile(), now)?, t.describe())
        }
    };
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| c.keyed_hash(key)).collect();
    let ids = store.insert_vouchers(
        &hashes,
        (profile.id, profile.clock),
        request.max_logins,
        &request.note,
        now,
    )?;
    Ok(Batch {
        summary: format!("{terms}, {}", describe_uses(request.max_logins)),
        profile,
        max_logins: request.max_logins,
        vouchers: ids
            .into_iter()
            .zip(codes.iter().map(|c| c.display()))
            .collect(),
    })
}

/// The profile quick terms stand for, made on first use and found afterwards (also for
/// vouchers made in the manager from quick terms).
pub fn ad_hoc_profile(
    store: &mut Store,
    spec: &AdHocProfile,
    now: i64,
) -> Result<Profile, VoucherError> {
    let name = &spec.profile.name;
    if let Some(p) = store.profile_by_name(name)? {
        return Ok(p);
    }
    let id = store.insert_profile(&spec.profile, now)?;
    if let Some(limitation) = &spec.limitation {
        let lid = match store.limitation_by_name(&limitation.name)? {
            Some(existing) => existing.id,
            None => store.insert_limitation(limitation)?,
        };
        store.attach_limitation(id, lid, Window::default())?;
    }
    (store.profile(id)?).ok_or_else(|| VoucherError::NoProfile(name.clone()))
}
