//! The one error type of the CLI commands.

use thiserror::Error;

use crate::config::ConfigError;
use crate::control::ControlError;
use crate::daemon::DaemonError;
use crate::model::voucher_code::CodeError;
use crate::store::StoreError;

/// A CLI command failed.
#[derive(Debug, Error)]
pub enum CliError {
    /// An option or argument has a value that cannot work.
    #[error("--{option}: {problem}")]
    Usage {
        /// The option.
        option: &'static str,
        /// What is wrong and how to write it.
        problem: String,
    },
    /// A positional argument has a value that cannot work.
    #[error("{name}: {problem}")]
    Argument {
        /// The argument as `--help` shows it, e.g. `<DESTINATION>`.
        name: &'static str,
        /// What is wrong and how to write it.
        problem: String,
    },
    /// A named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request breaks a rule (e.g. removing a user's last, active profile).
    #[error("{0}")]
    Refused(String),
    /// The config file does not validate.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// State could not be opened.
    #[error(transparent)]
    State(#[from] DaemonError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Code generation failed.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// The daemon could not be asked.
    #[error(transparent)]
    Control(#[from] ControlError),
    /// Password hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// A positional argument with a bad value.
pub fn bad_argument(name: &'static str, problem: impl ToString) -> CliError {
    CliError::Argument {
        name,
        problem: problem.to_string(),
    }
}

/// An option with a bad value.
pub fn usage(option: &'static str, problem: impl ToString) -> CliError {
    CliError::Usage {
        option,
        problem: problem.to_string(),
    }
}
