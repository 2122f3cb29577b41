//! `hotspotd voucher create | list | revoke`: straight on the database (the daemon need not
//! run); a revocation also tells a running daemon to log the voucher's devices off.

use std::collections::HashSet;

use serde_json::json;
use thiserror::Error;

use super::CreateArgs;
use super::table;
use crate::config::Config;
use crate::control::{self, ControlError, Request};
use crate::daemon::{DaemonError, open_state};
use crate::gateway::now;
use crate::model::units::{
    format_duration, format_rate, format_size, parse_duration, parse_rate, parse_size,
};
use crate::model::voucher::{Starts, VoucherTerms};
use crate::model::voucher_code::{CodeError, VoucherCode};
use crate::store::{StoreError, VoucherRow};

/// Most vouchers in one batch.
const MAX_BATCH: u32 = 10_000;

/// A CLI command failed.
#[derive(Debug, Error)]
pub enum CliError {
    /// An option has a value that cannot work.
    #[error("--{option}: {problem}")]
    Usage {
        /// The option.
        option: &'static str,
        /// What is wrong and how to write it.
        problem: String,
    },
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
}

fn usage(option: &'static str, problem: impl ToString) -> CliError {
    CliError::Usage {
        option,
        problem: problem.to_string(),
    }
}

/// Reads the batch terms from the options.
pub fn terms_from(args: &CreateArgs) -> Result<VoucherTerms, CliError> {
    let validity_secs = match args.validity.as_str() {
        "unlimited" => None,
        text => Some(parse_duration(text).map_err(|e| usage("validity", e))?),
    };
    let starts = Starts::from_name(&args.starts).ok_or_else(|| {
        usage(
            "starts",
            format!("{:?} is not first-logon or now", args.starts),
        )
    })?;
    let max_uses = match args.uses.as_str() {
        "single" => Some(1),
        "unlimited" => None,
        n => match n.parse::<u32>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                return Err(usage(
                    "uses",
                    format!("{n:?} is not single, unlimited or a number ≥ 1"),
                ));
            }
        },
    };
    if args.shared_users == 0 {
        return Err(usage("shared-users", "must be at least 1"));
    }
    let rate = |option, v: &Option<String>| {
        v.as_deref()
            .map(parse_rate)
            .transpose()
            .map_err(|e| usage(option, e))
    };
    Ok(VoucherTerms {
        validity_secs,
        starts,
        max_uses,
        shared_users: args.shared_users,
        rate_down_bps: rate("down", &args.down)?,
        rate_up_bps: rate("up", &args.up)?,
        quota_bytes: args
            .quota
            .as_deref()
            .map(parse_size)
            .transpose()
            .map_err(|e| usage("quota", e))?,
    })
}

/// Human summary of terms: "1d from first logon, single use, 1 device, 10M/2M, 500.0 MB".
pub fn describe(t: &VoucherTerms) -> String {
    let validity = t.validity_secs.map_or("unlimited time".to_string(), |s| {
        format!(
            "{} from {}",
            format_duration(s),
            if t.starts == Starts::Now {
                "creation"
            } else {
                "first logon"
            }
        )
    });
    let uses = t.max_uses.map_or("unlimited logins".into(), |n| {
        if n == 1 {
            "single use".into()
        } else {
            format!("{n} logins")
        }
    });
    let rate = |r: Option<u64>| r.map_or("-".into(), format_rate);
    let quota = t.quota_bytes.map_or("no data cap".into(), format_size);
    format!(
        "{validity}, {uses}, {} device(s), down/up {}/{}, {quota}",
        t.shared_users,
        rate(t.rate_down_bps),
        rate(t.rate_up_bps)
    )
}

/// `voucher create`
pub fn create(config: &Config, args: &CreateArgs) -> Result<String, CliError> {
    if args.count == 0 || args.count > MAX_BATCH {
        return Err(usage("count", format!("must be 1 to {MAX_BATCH}")));
    }
    let terms = terms_from(args)?;
    let (mut store, key) = open_state(config)?;
    let mut codes = Vec::with_capacity(args.count as usize);
    let mut seen = HashSet::new();
    while codes.len() < args.count as usize {
        let code = VoucherCode::generate()?;
        if seen.insert(code.display()) {
            codes.push(code);
        }
    }
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| c.keyed_hash(&key)).collect();
    let ids = store.insert_vouchers(&hashes, &terms, &args.note, now())?;
    if args.json {
        let vouchers: Vec<_> = ids
            .iter()
            .zip(&codes)
            .map(|(id, c)| json!({"id": id, "code": c.display()}))
            .collect();
        return Ok(
            json!({"terms": terms, "note": args.note, "vouchers": vouchers}).to_string() + "\n",
        );
    }
    let rows: Vec<Vec<String>> = ids
        .iter()
        .zip(&codes)
        .map(|(id, c)| vec![id.to_string(), c.display()])
        .collect();
    Ok(format!(
        "{} voucher(s): {}\n{}",
        ids.len(),
        describe(&terms),
        table::render(&["ID", "CODE"], &rows)
    ))
}

fn state_of(v: &VoucherRow, now: i64) -> &'static str {
    if v.usage.revoked_at.is_some() {
        "revoked"
    } else if v.usage.expires_at.is_some_and(|e| now >= e) {
        "expired"
    } else if v.terms.quota_bytes.is_some_and(|q| v.usage.bytes_used >= q) {
        "quota-used"
    } else if v.terms.max_uses.is_some_and(|m| v.usage.uses >= m) {
        "used"
    } else if v.usage.first_used_at.is_some() {
        "in-use"
    } else {
        "unused"
    }
}

/// `voucher list`
pub fn list(config: &Config, json_out: bool) -> Result<String, CliError> {
    let (store, _) = open_state(config)?;
    let vouchers = store.list_vouchers()?;
    let now = now();
    if json_out {
        let items: Vec<_> = vouchers
            .iter()
            .map(|v| json!({"id": v.id, "state": state_of(v, now), "note": v.note, "created_at": v.created_at, "terms": v.terms, "usage": v.usage}))
            .collect();
        return Ok(json!(items).to_string() + "\n");
    }
    let rows: Vec<Vec<String>> = vouchers
        .iter()
        .map(|v| {
            vec![
                v.id.to_string(),
                state_of(v, now).to_string(),
                v.terms.max_uses.map_or(format!("{}/-", v.usage.uses), |m| {
                    format!("{}/{m}", v.usage.uses)
                }),
                v.usage.expires_at.map_or("-".into(), |e| {
                    if e > now {
                        format_duration((e - now) as u64)
                    } else {
                        "0s".into()
                    }
                }),
                format_size(v.usage.bytes_used),
                describe(&v.terms),
                v.note.clone(),
            ]
        })
        .collect();
    Ok(table::render(
        &["ID", "STATE", "USES", "LEFT", "USED", "TERMS", "NOTE"],
        &rows,
    ))
}

/// `voucher revoke`
pub fn revoke(config: &Config, ids: &[i64]) -> Result<String, CliError> {
    let (store, _) = open_state(config)?;
    let mut out = String::new();
    for &id in ids {
        if !store.revoke_voucher(id, now())? {
            out += &format!("voucher {id}: no such voucher, or already revoked\n");
            continue;
        }
        match control::request(
            &config.control_socket,
            &Request::EndVoucher { voucher_id: id },
        ) {
            Ok(data) => {
                out += &format!(
                    "voucher {id}: revoked, {} device(s) logged off\n",
                    data["ended"]
                )
            }
            Err(ControlError::Connect { .. }) => {
                out += &format!(
                    "voucher {id}: revoked (daemon not running: its devices are logged off when it starts)\n"
                )
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}
