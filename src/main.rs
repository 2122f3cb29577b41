//! Entry point: parse the command line and dispatch.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use hotspotd::cli::{self, Cli, Command, GuestsCommand, VoucherCommand};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // Everything this process creates (database, WAL, key, control socket) is private to its
    // owner, whatever the mode of the directory it lands in and the caller's umask.
    // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
    unsafe { libc::umask(0o077) };
    hotspotd::memory::configure_allocator();
    let cli = Cli::parse();
    if matches!(cli.command, Command::Run) {
        // SIGHUP's default action kills; until the daemon installs its handler (its first
        // step) a SIGHUP is ignored instead: one that comes before the config is read needs
        // no reload.
        // SAFETY: setting a disposition to SIG_IGN runs no code in the signal context.
        unsafe { libc::signal(libc::SIGHUP, libc::SIG_IGN) };
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal, never in journald or log files.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line for the operator, never a backtrace (RUST_BACKTRACE is often set in
            // their shells): our messages already hold their causes; add only those that
            // are not in it yet (e.g. under an anyhow context).
            let mut message = e.to_string();
            for cause in e.chain().skip(1).map(|c| c.to_string()) {
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    // The commands use only the database and the daemon: they must work while the daemon
    // holds the portal port, and while the file on disk is broken (the daemon runs on).
    let paths = || cli::state_paths(&cli.config);
    let output = match cli.command {
        Command::Run => {
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(hotspotd::daemon::run(cli.config.clone()))?;
            return Ok(());
        }
        Command::Manager(args) => cli::manager(args)?,
        Command::CheckConfig => cli::check_config(&cli.config)?,
        Command::Voucher(VoucherCommand::Create(args)) => cli::create(&paths()?, &args)?,
        Command::Voucher(VoucherCommand::List { json }) => cli::list(&paths()?, json)?,
        Command::Voucher(VoucherCommand::Revoke { ids }) => cli::revoke(&paths()?, &ids)?,
        Command::Clients { json } => cli::clients(&paths()?.control_socket, json)?,
        Command::Kick { mac } => cli::kick(&paths()?.control_socket, &mac)?,
        Command::Status { json } => cli::status(&paths()?.control_socket, json)?,
        Command::Devices { json } => cli::devices(&paths()?.control_socket, json)?,
        Command::Auth { device, profile } => {
            cli::auth(&paths()?.control_socket, &device, &profile)?
        }
        Command::Deauth { device } => cli::deauth(&paths()?.control_socket, &device)?,
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
        Command::Guests { command, json } => match command {
            None => cli::guests(&paths()?, json)?,
            Some(GuestsCommand::Show { id, json: j }) => {
                cli::guest_show(&paths()?, &id, json || j)?
            }
            Some(GuestsCommand::Erase { id }) => cli::guest_erase(&paths()?, &id)?,
            Some(GuestsCommand::ExportMarketing { file }) => {
                cli::export_marketing(&paths()?, file.as_deref())?
            }
        },
        Command::Settings(cmd) => cli::settings(&paths()?, &cli.config, &cmd)?,
        Command::Asset(cmd) => cli::asset(&paths()?, &cmd)?,
        Command::Unit(cmd) => cli::unit(&paths()?, &cmd)?,
    };
    print!("{output}");
    Ok(())
}
