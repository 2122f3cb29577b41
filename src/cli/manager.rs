//! `hotspotd manager …`: the central Hotspot Manager's command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::manager::run::{ManagerConfig, reset_admin_password, rotate_master_key, run};

/// Where the manager listens and keeps its data.
#[derive(Debug, Args)]
pub struct ManagerArgs {
    /// What to do; without one, run the manager.
    #[command(subcommand)]
    pub command: Option<ManagerCommand>,
    /// Address and port to listen on.
    #[arg(
        long,
        default_value = "127.0.0.1:8443",
        env = "HOTSPOTD_MANAGER_LISTEN"
    )]
    pub listen: SocketAddr,
    /// TLS certificate chain (PEM). Without --tls-cert/--tls-key the manager speaks plain
    /// HTTP, for a reverse proxy in front of it that terminates TLS.
    #[arg(long, requires = "tls_key", env = "HOTSPOTD_MANAGER_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert", env = "HOTSPOTD_MANAGER_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Database: sqlite://PATH or postgres://USER@HOST/NAME.
    #[arg(
        long,
        global = true,
        default_value = "sqlite:///var/lib/hotspotd/manager.db",
        env = "HOTSPOTD_MANAGER_DATABASE"
    )]
    pub database: String,
    /// The URL users open, e.g. https://manager.example.com (default: from --listen).
    #[arg(long, env = "HOTSPOTD_MANAGER_URL")]
    pub public_url: Option<String>,
}

/// `hotspotd manager <command>`
#[derive(Debug, Subcommand)]
pub enum ManagerCommand {
    /// Give the admin account a new one-time password (printed) and end its sessions.
    ResetAdmin,
    /// The single-sign-on master key.
    #[command(subcommand)]
    MasterKey(MasterKeyCommand),
}

/// `hotspotd manager master-key <command>`
#[derive(Debug, Subcommand)]
pub enum MasterKeyCommand {
    /// Make a new master key (printed once); the old one stops working at once.
    Rotate,
}

/// Runs the manager, or one of its commands; returns what to print.
pub fn manager(args: ManagerArgs) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    match args.command {
        Some(ManagerCommand::ResetAdmin) => {
            let password = runtime.block_on(reset_admin_password(&args.database))?;
            Ok(format!(
                "New one-time password for {}: {password}\n",
                crate::manager::ADMIN
            ))
        }
        Some(ManagerCommand::MasterKey(MasterKeyCommand::Rotate)) => {
            let key = runtime.block_on(rotate_master_key(&args.database))?;
            Ok(format!(
                "New master key (shown only now; the previous one no longer works): {key}\n"
            ))
        }
        None => {
            let config = ManagerConfig {
                listen: args.listen,
                tls: args.tls_cert.zip(args.tls_key),
                database: args.database,
                public_url: args.public_url,
            };
            runtime.block_on(run(config))?;
            Ok(String::new())
        }
    }
}
