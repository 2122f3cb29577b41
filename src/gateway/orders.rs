//! The guest side of paid profiles: ordering from the signup page and being logged in once
//! the order is paid.

use std::net::Ipv4Addr;

use thiserror::Error;
use tracing::warn;

use super::{ClientView, Gateway, GatewayError, LoginError, now};
use crate::model::guest::Method;
use crate::model::voucher_code::VoucherCode;
use crate::payment::{PayAtDesk, PaymentStep, Provider};
use crate::store::{ORDER_LIMITS, OrderRefusal, OrderState, Profile};

/// Why an order cannot be made or followed; shown to the guest.
#[derive(Debug, Error)]
pub enum OrderError {
    /// The request did not come from a device on the guest network.
    #[error("your device could not be identified on the guest network")]
    UnknownDevice,
    /// The device uses an address leased to another device.
    #[error(
        "your device is using an address that belongs to another device; reconnect to the Wi-Fi"
    )]
    AddressConflict,
    /// No such priced profile.
    #[error("this offer is not available")]
    NoSuchOffer,
    /// No such order, or another device's, or one that expired unpaid.
    #[error("no such order for this device (unpaid orders lapse after an hour)")]
    NotFound,
    /// The device has too many orders waiting for payment.
    #[error("this device already has {} orders waiting for payment; pay or wait for them to lapse", ORDER_LIMITS.per_device)]
    TooManyOrders,
    /// The gateway has too many orders waiting.
    #[error("the hotspot cannot take more orders just now; please ask staff")]
    Busy,
    /// Our fault.
    #[error("the hotspot could not handle the order; please ask staff")]
    Internal(#[from] GatewayError),
}

/// Where a guest's order stands.
#[derive(Debug)]
pub enum OrderProgress {
    /// Waiting for payment: what to do.
    Pending(PaymentStep),
    /// Cancelled by staff.
    Cancelled,
    /// Paid and the device is online.
    Online(Box<ClientView>),
    /// Paid, but the login was refused (e.g. too many devices).
    Refused(LoginError),
}

impl Gateway {
    fn device(&self, ip: Ipv4Addr) -> Result<String, OrderError> {
        self.device_at(ip).map_err(|e| match e {
            LoginError::AddressConflict => OrderError::AddressConflict,
            _ => OrderError::UnknownDevice,
        })
    }

    /// Profiles with a price, for the signup page.
    pub async fn offers(&self) -> Result<Vec<Profile>, GatewayError> {
        let all = self.store.run(|s| s.list_profiles()).await?;
        Ok(all
            .into_iter()
            .filter(|p| p.price_cents.is_some())
            .collect())
    }

    /// Orders a priced profile for the device at `ip`; returns the order reference.
    pub async fn create_order(
        &self,
        ip: Ipv4Addr,
        profile_name: String,
    ) -> Result<String, OrderError> {
        let mac = self.device(ip)?;
        let reference = VoucherCode::generate()
            .map_err(|e| GatewayError::Inconsistent(e.to_string()))?
            .display();
        let provider = PayAtDesk.id();
        let r = reference.clone();
        let created = self
            .store
            .run(move |s| {
                let Some(profile) = s
                    .profile_by_name(&profile_name)?
                    .filter(|p| p.price_cents.is_some())
                else {
                    return Ok(None);
                };
                s.insert_order(&r, profile.id, provider, (&mac, &ip.to_string()), now())
                    .map(Some)
            })
            .await
            .map_err(GatewayError::from)?;
        match created {
            None => Err(OrderError::NoSuchOffer),
            Some(Ok(order)) => Ok(order.reference),
            Some(Err(OrderRefusal::DeviceFull)) => Err(OrderError::TooManyOrders),
            Some(Err(OrderRefusal::GatewayFull)) => {
                warn!(%ip, "order refused: the gateway-wide cap of pending orders is reached");
                Err(OrderError::Busy)
            }
        }
    }

    /// Follows an order from its device: once paid, the device is logged in with the access
    /// the payment created.
    pub async fn order_progress(
        &self,
        ip: Ipv4Addr,
        reference: String,
    ) -> Result<OrderProgress, OrderError> {
        let mac = self.device(ip)?;
        let found = self
            .store
            .run(move |s| {
                s.expire_orders(now())?;
                let Some(order) = s.order(&reference.to_ascii_uppercase())? else {
                    return Ok(None);
                };
                let profile = s.profile(order.profile_id)?;
                Ok(profile.map(|p| (order, p)))
            })
            .await
            .map_err(GatewayError::from)?;
        let Some((order, profile)) = found.filter(|(o, _)| o.mac == mac) else {
            return Err(OrderError::NotFound);
        };
        match (order.state, order.user_id) {
            (OrderState::Pending, _) => {
                let price = crate::model::units::format_price(profile.price_cents.unwrap_or(0));
                Ok(OrderProgress::Pending(
                    PayAtDesk.instructions(&order, &profile, &price),
                ))
            }
            (OrderState::Cancelled, _) | (OrderState::Paid, None) => Ok(OrderProgress::Cancelled),
            (OrderState::Paid, Some(user)) => match self.admit_user_id(mac.clone(), ip, user).await
            {
                Ok(view) => {
                    // The paid access is a voucher.
                    self.note_credential_guest((Method::Voucher, user.to_string()), mac)
                        .await;
                    Ok(OrderProgress::Online(Box::new(view)))
                }
                Err(e) => Ok(OrderProgress::Refused(e)),
            },
        }
    }
}
