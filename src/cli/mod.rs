//! Command-line interface: argument types and the commands that are not the daemon itself.

mod clients;
mod error;
mod notify;
mod table;
mod voucher;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use clients::{clients, kick};
pub use error::CliError;
pub use voucher::{create, list, revoke};

/// Default config location.
pub const DEFAULT_CONFIG: &str = "/etc/hotspotd/hotspotd.toml";

/// hotspotd: captive-portal gateway for Wi-Fi hotspots.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Config file.
    #[arg(long, short, global = true, default_value = DEFAULT_CONFIG, env = "HOTSPOTD_CONFIG")]
    pub config: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway daemon.
    Run,
    /// Validate the config file and exit.
    CheckConfig,
    /// Create, list and revoke vouchers.
    #[command(subcommand)]
    Voucher(VoucherCommand),
    /// List connected clients.
    Clients {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// End a device's session at once.
    Kick {
        /// Device MAC address (aa:bb:cc:dd:ee:ff).
        mac: String,
    },
}

/// `hotspotd voucher …`
#[derive(Debug, Subcommand)]
pub enum VoucherCommand {
    /// Create a batch of vouchers and print their codes (shown only now: only hashes are kept).
    Create(CreateArgs),
    /// List vouchers (without codes).
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke vouchers; devices online with them are logged off.
    Revoke {
        /// Voucher ids (from `voucher list`).
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

/// Terms of a voucher batch: an existing `--profile`, or the flags (an ad-hoc profile).
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Give each voucher this profile (see `profile list`) instead of the terms below.
    #[arg(long)]
    pub profile: Option<String>,
    /// How many vouchers.
    #[arg(long, short = 'n', default_value_t = 1)]
    pub count: u32,
    /// Validity once started: e.g. 1h, 3d, 1w, or "unlimited".
    #[arg(long, default_value = "1d")]
    pub validity: String,
    /// When validity starts: first-logon or now.
    #[arg(long, default_value = "first-logon")]
    pub starts: String,
    /// Logins allowed: single, unlimited, or a number.
    #[arg(long, default_value = "single")]
    pub uses: String,
    /// Devices online at once with one voucher.
    #[arg(long, default_value_t = 1)]
    pub shared_users: u32,
    /// Download rate limit, bits/s (e.g. 10M).
    #[arg(long)]
    pub down: Option<String>,
    /// Upload rate limit, bits/s (e.g. 2M).
    #[arg(long)]
    pub up: Option<String>,
    /// Data allowance, download + upload (e.g. 500MB, 2GiB).
    #[arg(long)]
    pub quota: Option<String>,
    /// Free text kept with the batch (e.g. "reception, room 12").
    #[arg(long, default_value = "")]
    pub note: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}
