//! Telling a running daemon about changes made straight in the database.

use crate::config::StatePaths;
use crate::control::{self, ControlError, Request};

use super::error::CliError;

/// Sends `req` if the daemon runs; `Ok(None)` when it does not (it reads the database when it
/// starts, so nothing is lost).
pub fn tell_daemon(
    paths: &StatePaths,
    req: &Request,
) -> Result<Option<serde_json::Value>, CliError> {
    match control::request(&paths.control_socket, req) {
        Ok(data) => Ok(Some(data)),
        Err(ControlError::Connect { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
