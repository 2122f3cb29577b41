//! Command-line interface: argument types and the commands that are not the daemon itself.

mod access;
mod args;
mod assets;
mod clients;
mod config_check;
mod error;
mod guests;
mod manager;
mod notify;
mod orders;
mod parse;
mod profiles;
mod sessions;
mod settings;
mod table;
mod unit;
mod users;
mod voucher;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use args::{
    CreateArgs, GardenCommand, GuestsCommand, LimitationArgs, LimitationCommand, MacCommand,
    OrderCommand, ProfileArgs, ProfileCommand, UserCommand, VoucherCommand,
};

pub use access::{garden, mac};
pub use assets::{AssetCommand, asset};
pub use clients::{auth, clients, deauth, devices, kick, status};
pub use config_check::{check_config, state_paths};
pub use error::CliError;
pub use guests::{export_marketing, guest_erase, guest_show, guests};
pub use manager::{ManagerArgs, ManagerCommand, manager};
pub use orders::order;
pub use profiles::{limitation, profile};
pub use sessions::sessions;
pub use settings::{SettingsCommand, settings};
pub use unit::{UnitCommand, unit};
pub use users::user;
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
    /// Run the central Hotspot Manager (web UI and API), or reset its admin's password.
    Manager(ManagerArgs),
    /// Validate the config file and exit; works beside a running daemon (the ports it
    /// holds count as free), so an edit can be checked before SIGHUP.
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
    /// The running daemon's state and counters.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Devices on the guest network and whether they are online.
    Devices {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Let a device in without credentials, under a profile.
    Auth {
        /// MAC or IPv4 address of the device.
        device: String,
        /// Profile to give it.
        #[arg(long)]
        profile: String,
    },
    /// End a device's session, by MAC or IPv4 address.
    Deauth {
        /// MAC or IPv4 address.
        device: String,
    },
    /// End a device's session at once.
    Kick {
        /// Device MAC address (aa:bb:cc:dd:ee:ff).
        mac: String,
    },
    /// Profiles: validity, price, shared users and attached limitations.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Limitations: uptime, transfer and rate limits with a reset interval.
    #[command(subcommand)]
    Limitation(LimitationCommand),
    /// Guest accounts (username + password) and their profiles.
    #[command(subcommand)]
    User(UserCommand),
    /// Session history (newest first) and active sessions.
    Sessions {
        /// Only sessions still running.
        #[arg(long)]
        active: bool,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Paid-profile orders waiting for payment at the desk.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Devices that bypass the portal (printers, TVs, staff) or are blocked.
    #[command(subcommand)]
    Mac(MacCommand),
    /// The walled garden: destinations guests reach before login.
    #[command(subcommand)]
    Garden(GardenCommand),
    /// Guests of this hotspot (every login makes or updates one), their consents, erasure and
    /// the marketing export.
    Guests {
        /// What to do; without one, list the guests.
        #[command(subcommand)]
        command: Option<GuestsCommand>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Images for the splash page (logo, background, banners).
    #[command(subcommand)]
    Asset(AssetCommand),
    /// The hotspot settings (name, terms, timeouts, rates, access lists, …): show, change,
    /// export, import; every change is validated and applied at once.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// This unit's registration with a Hotspot Manager.
    #[command(subcommand)]
    Unit(UnitCommand),
}
