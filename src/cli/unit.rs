//! `hotspotd unit register | rotate | forget`: this unit's identity with the Hotspot Manager,
//! kept in the data directory's database (mode 0600, with the unit's private key). A running
//! daemon's sync task reads it afresh on each round, so no restart is needed.

use std::path::PathBuf;

use clap::Subcommand;

use super::error::{CliError, usage};
use crate::config::StatePaths;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::store::Trust;
use crate::sync::SyncError;
use crate::sync::client::{check_url, parse_pin};
use crate::sync::register::{Registration, host_name, register, rotate};

/// `hotspotd unit …`
#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Register with a Hotspot Manager using a one-time token from its Units view (again to
    /// move to another hotspot or manager: the new identity replaces the old).
    Register {
        /// The manager's address, e.g. https://manager.example.com (http:// only to loopback).
        #[arg(long)]
        manager: String,
        /// The one-time token.
        #[arg(long)]
        token: String,
        /// This unit's name as staff will see it (default: the host name).
        #[arg(long)]
        name: Option<String>,
        /// Trust only this CA (PEM file) for the manager's certificate.
        #[arg(long, conflicts_with = "pin")]
        ca: Option<PathBuf>,
        /// Trust only the certificate with this SHA-256 (64 hex digits, colons allowed).
        #[arg(long)]
        pin: Option<String>,
    },
    /// Replace this unit's key pair (the manager learns the new public key first).
    Rotate,
    /// Forget the registration and the records not yet sent (the manager keeps the unit
    /// until staff remove it there).
    Forget,
}

fn sync_error(e: SyncError) -> CliError {
    match e {
        SyncError::Url(problem) => usage("manager", problem),
        SyncError::Store(e) => e.into(),
        other => CliError::Refused(other.to_string()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Refused(format!("cannot start the async runtime: {e}")))
}

/// Runs a `unit` command; returns what to print.
pub fn unit(paths: &StatePaths, cmd: &UnitCommand) -> Result<String, CliError> {
    match cmd {
        UnitCommand::Register {
            manager,
            token,
            name,
            ca,
            pin,
        } => {
            // Everything checked before the one-time token is spent.
            check_url(manager).map_err(sync_error)?;
            let pin = pin
                .as_deref()
                .map(parse_pin)
                .transpose()
                .map_err(|e| usage("pin", e))?;
            let ca_pem = match ca {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .map_err(|e| usage("ca", format!("cannot read {}: {e}", path.display())))?,
                ),
                None => None,
            };
            let trust = Trust { ca_pem, pin };
            crate::sync::client::http_client(&trust).map_err(|e| usage("ca", e))?;
            let (mut store, _) = open_state(paths)?;
            let registration = Registration {
                manager: manager.clone(),
                token: token.clone(),
                name: name.clone().unwrap_or_else(host_name),
                trust,
            };
            let identity = runtime()?
                .block_on(register(&registration, now()))
                .map_err(sync_error)?;
            store.save_identity(&identity)?;
            Ok(format!(
                "Registered as unit {} of hotspot {} at {}\n",
                identity.unit_id, identity.hotspot_id, identity.manager_url
            ))
        }
        UnitCommand::Rotate => {
            let (mut store, _) = open_state(paths)?;
            let identity = store
                .identity()?
                .ok_or_else(|| sync_error(SyncError::NotRegistered))?;
            let key = runtime()?.block_on(rotate(&identity)).map_err(sync_error)?;
            store.set_unit_key(&key)?;
            Ok(format!("Unit {}: new key in use\n", identity.unit_id))
        }
        UnitCommand::Forget => {
            let (mut store, _) = open_state(paths)?;
            Ok(if store.forget_identity()? {
                "Registration forgotten; this unit no longer syncs\n".into()
            } else {
                "This unit was not registered\n".into()
            })
        }
    }
}
