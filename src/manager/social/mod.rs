//! Social login brokered by the manager (README, "Social login"): providers OAuth2 and
//! OpenID Connect need a public HTTPS callback, which a portal on a private address cannot
//! offer. The unit's splash sends the guest to `/social/{hotspot}/{provider}/start`; the
//! manager completes the provider's flow and sends the guest back to the unit's portal with
//! a short-lived [`crate::proto::assertion::GuestAssertion`] signed for that unit.

pub mod flow;
pub mod mapping;
pub mod origin;
pub mod providers;
pub mod states;
