//! Option values of the profile and limitation commands.

use crate::model::profile::Starts;
use crate::model::profile::spec::{self, SpecError};
use crate::model::units::parse_rate;

use super::error::{CliError, bad_argument, usage};

/// `--validity`: a duration, or `unlimited` (the model's reading).
pub fn validity(text: &str) -> Result<Option<u64>, CliError> {
    spec::validity(text).map_err(from_spec)
}

/// `--starts`: `first-logon` or `now`.
pub fn starts(text: &str) -> Result<Starts, CliError> {
    spec::starts(text).map_err(from_spec)
}

/// A rule of `model::profile::spec` broken, named by its option.
pub fn from_spec(e: SpecError) -> CliError {
    let option = match e.field {
        "name" => return bad_argument("<NAME>", e.problem),
        "name_for_users" => "name-for-users",
        "shared_users" => "shared-users",
        "outside_windows" => "outside-windows",
        other => other,
    };
    usage(option, e.problem)
}

/// An optional rate option.
pub fn opt_rate(option: &'static str, v: &Option<String>) -> Result<Option<u64>, CliError> {
    v.as_deref()
        .map(parse_rate)
        .transpose()
        .map_err(|e| usage(option, e))
}
