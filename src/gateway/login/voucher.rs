//! Voucher login: the typed code, hashed with the gateway's key, names a user; or, on a unit
//! registered with a manager, hashed with the hotspot's voucher key (vouchers made in the
//! manager arrive as such hashes). Local vouchers keep working after registration.

use super::LoginError;
use crate::gateway::{Gateway, GatewayError};
use crate::model::voucher_code::VoucherCode;
use crate::store::User;

impl Gateway {
    /// The voucher's user; the inner error is a wrong code (counted by the throttle), the outer
    /// one input that cannot be a code or a failure of ours.
    pub(super) async fn identify_voucher(
        &self,
        typed: &str,
    ) -> Result<Result<User, LoginError>, LoginError> {
        let code = VoucherCode::parse(typed)?;
        let hash = code.keyed_hash(&self.key);
        let user = self
            .store
            .run(move |s| match s.user_by_code_hash(&hash)? {
                Some(user) => Ok(Some(user)),
                None => match s.hotspot_voucher_key()? {
                    Some(key) => s.user_by_code_hash(&code.keyed_hash(&key)),
                    None => Ok(None),
                },
            })
            .await
            .map_err(GatewayError::from)?;
        Ok(user.ok_or(LoginError::WrongCode))
    }
}
