//! Pure domain logic: no I/O, the clock is always passed in.

pub mod access;
pub mod asset;
pub mod calendar;
pub mod entities;
pub mod form_token;
pub mod limitation;
pub mod login;
pub mod names;
pub mod profile;
pub mod session;
pub mod settings;
pub mod throttle;
pub mod units;
pub mod voucher;
pub mod voucher_code;
