//! Voucher login: the typed code, hashed with the gateway's key, names a user.

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
        let hash = VoucherCode::parse(typed)?.keyed_hash(&self.key);
        let user = self
            .store
            .run(move |s| s.user_by_code_hash(&hash))
            .await
            .map_err(GatewayError::from)?;
        Ok(user.ok_or(LoginError::WrongCode))
    }
}
