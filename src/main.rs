//! Entry point: parse the command line and dispatch.

use std::io::IsTerminal;

use anyhow::Context;
use clap::Parser;
use hotspotd::cli::{self, Cli, Command, VoucherCommand};
use hotspotd::config::{Config, PathsOnly, SystemState};
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    hotspotd::memory::configure_allocator();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal, never in journald or log files.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // Commands other than `run` need only paths from the config, and must work while the
    // daemon holds the portal port.
    let paths = || Config::load(&cli.config, &PathsOnly);
    let output = match cli.command {
        Command::Run => {
            let config = Config::load(&cli.config, &SystemState)?;
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(hotspotd::daemon::run(config, cli.config.clone()))?;
            return Ok(());
        }
        Command::CheckConfig => {
            Config::load(&cli.config, &SystemState)?;
            format!("{}: ok\n", cli.config.display())
        }
        Command::Voucher(VoucherCommand::Create(args)) => cli::create(&paths()?, &args)?,
        Command::Voucher(VoucherCommand::List { json }) => cli::list(&paths()?, json)?,
        Command::Voucher(VoucherCommand::Revoke { ids }) => cli::revoke(&paths()?, &ids)?,
        Command::Clients { json } => cli::clients(&paths()?, json)?,
        Command::Kick { mac } => cli::kick(&paths()?, &mac)?,
        Command::Status { json } => cli::status(&paths()?, json)?,
        Command::Devices { json } => cli::devices(&paths()?, json)?,
        Command::Auth { device, profile } => cli::auth(&paths()?, &device, &profile)?,
        Command::Deauth { device } => cli::deauth(&paths()?, &device)?,
        Command::Profile(cmd) => cli::profile(&paths()?, &cmd)?,
        Command::Limitation(cmd) => cli::limitation(&paths()?, &cmd)?,
        Command::User(cmd) => cli::user(&paths()?, &cmd)?,
        Command::Sessions {
            active,
            limit,
            json,
        } => cli::sessions(&paths()?, active, limit, json)?,
        Command::Order(cmd) => cli::order(&paths()?, &cmd)?,
        Command::Mac(cmd) => cli::mac(&paths()?, &cmd)?,
        Command::Garden(cmd) => cli::garden(&paths()?, &cmd)?,
    };
    print!("{output}");
    Ok(())
}
