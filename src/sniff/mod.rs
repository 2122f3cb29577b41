//! Watching the guest network: DNS answers the gateway sends to guests, so walled-garden
//! domains open the addresses they resolve to, for their TTL.

pub mod capture;
pub mod devices;
pub mod dns;
#[cfg(test)]
mod fixtures;
pub mod names;
