//! The config file as the commands beside the daemon see it: `check-config` while the daemon
//! runs, and the data directory and socket while the file on disk is broken.

use std::net::SocketAddr;
use std::path::Path;

use super::error::CliError;
use crate::config::{Config, RunningProbe, StatePaths};
use crate::control::{self, ControlError, Request};

/// `check-config`: validates the file against this machine. The ports a running daemon of
/// this config already listens on (it says which over its control socket) count as free, so
/// an edit can be checked before SIGHUP; a port held by any other program is still refused.
pub fn check_config(path: &Path) -> Result<String, CliError> {
    let own = match Config::state_paths_of(path) {
        Ok((paths, _)) => daemon_listeners(&paths.control_socket)?,
        // The full validation below reports what is wrong with the file.
        Err(_) => Vec::new(),
    };
    let config = Config::load(path, &RunningProbe { own })?;
    crate::daemon::embedded_manager(&config)?;
    if let Some(legacy) = &config.legacy {
        eprintln!("warning: {}", legacy.notice(path));
    }
    Ok(format!("{}: ok\n", path.display()))
}

/// What the daemon at `socket` listens on; nothing when no daemon there can say.
fn daemon_listeners(socket: &Path) -> Result<Vec<SocketAddr>, CliError> {
    let data = match control::request(socket, &Request::Listeners) {
        Ok(data) => data,
        // No daemon, or one too old to say: every port is checked for real.
        Err(ControlError::Connect { .. } | ControlError::Refused(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    Ok(serde_json::from_value(data).map_err(ControlError::from)?)
}

/// The state for commands that use only the database and the daemon. While the file does
/// not validate, a running daemon stays on its previous configuration: say so on stderr and
/// go on with the data directory and socket the file still names.
pub fn state_paths(path: &Path) -> Result<StatePaths, CliError> {
    let (paths, problem) = Config::state_paths_of(path)?;
    if let Some(problem) = problem {
        eprintln!(
            "warning: {problem}\nwarning: a running daemon keeps the configuration it loaded until the file is fixed and reloaded"
        );
    }
    Ok(paths)
}
