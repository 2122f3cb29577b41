//! The manager's side of the sync protocol (`crate::proto`, under `/sync/v1`).

pub mod keys;
