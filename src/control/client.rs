//! CLI side of the control socket.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use thiserror::Error;

use super::{Request, Response};

/// The daemon could not be asked, or said no.
#[derive(Debug, Error)]
pub enum ControlError {
    /// No daemon listening.
    #[error("cannot reach the hotspotd daemon at {path} (is `hotspotd run` running?): {source}")]
    Connect {
        /// Socket path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The exchange broke off.
    #[error("control socket I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The answer was not understood.
    #[error("unreadable answer from the daemon: {0}")]
    Protocol(#[from] serde_json::Error),
    /// The daemon refused.
    #[error("{0}")]
    Refused(String),
}

/// Sends one request and returns the daemon's data.
pub fn request(path: &Path, req: &Request) -> Result<Value, ControlError> {
    let mut stream = UnixStream::connect(path).map_err(|source| ControlError::Connect {
        path: path.to_path_buf(),
        source,
    })?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut line = serde_json::to_vec(req)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    let res: Response = serde_json::from_str(&answer)?;
    if res.ok {
        Ok(res.data)
    } else {
        Err(ControlError::Refused(res.error.unwrap_or_default()))
    }
}
