//! Payment providers for paid profiles.
//!
//! A provider turns a pending order into what the guest must do to pay, and settles the order
//! when the money is in; settling ([`settle`]) creates the guest's access (a generated voucher
//! user holding the profile) and the waiting device is logged in at its next poll of
//! `/order/<reference>`. An online provider (card, PayPal) would implement [`Provider`] with a
//! redirect and call [`settle`] from its confirmation webhook; the one shipped needs no
//! internet: the guest pays at the front desk, where staff run `hotspotd order confirm REF`.

use crate::model::voucher_code::{CodeError, VoucherCode};
use crate::store::{Order, Profile, Store, StoreError};

/// What the guest sees while an order waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStep {
    /// Instructions shown on the waiting page: a guest text's key (`portal-templates/locales`)
    /// and its arguments, shown in the guest's language.
    Show {
        /// The text's key.
        key: &'static str,
        /// Its arguments.
        args: Vec<(&'static str, String)>,
    },
    /// Send the guest to the provider's page (must be in the walled garden).
    Redirect(String),
}

/// A way to pay.
pub trait Provider: Send + Sync {
    /// Stored with each order.
    fn id(&self) -> &'static str;
    /// What the guest must do to pay this order.
    fn instructions(&self, order: &Order, profile: &Profile, price: &str) -> PaymentStep;
}

/// Pay at the front desk: staff take the money and confirm the order by its reference.
pub struct PayAtDesk;

impl Provider for PayAtDesk {
    fn id(&self) -> &'static str {
        "desk"
    }

    fn instructions(&self, order: &Order, profile: &Profile, price: &str) -> PaymentStep {
        PaymentStep::Show {
            key: "order-pay-at-desk",
            args: vec![
                ("price", price.to_owned()),
                ("profile", profile.name_for_users.clone()),
                ("reference", order.reference.clone()),
            ],
        }
    }
}

/// The settlement failed.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The code could not be generated.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// No pending order has this reference.
    #[error("no pending order {0}")]
    NotPending(String),
}

/// Marks a pending order paid and creates the access; returns the new user's id and its
/// voucher code (for a receipt: the guest can use it on another device or later).
pub fn settle(
    store: &mut Store,
    key: &[u8],
    reference: &str,
    now: i64,
) -> Result<(i64, VoucherCode), SettleError> {
    let order = store
        .order(reference)?
        .ok_or_else(|| SettleError::NotPending(reference.into()))?;
    let profile = store
        .profile(order.profile_id)?
        .ok_or_else(|| SettleError::NotPending(reference.into()))?;
    let code = VoucherCode::generate()?;
    let user = store
        .settle_order(reference, &code.keyed_hash(key), profile.clock, now)?
        .ok_or_else(|| SettleError::NotPending(reference.into()))?;
    Ok((user, code))
}
