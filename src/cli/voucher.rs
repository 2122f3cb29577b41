//! `hotspotd voucher create | list | revoke`: straight on the database (the daemon need not
//! run); a revocation also tells a running daemon to log the voucher's devices off.

use serde_json::json;

use super::CreateArgs;
use super::error::{CliError, usage};
use super::notify::tell_daemon;
use super::table;
use crate::config::StatePaths;
use crate::control::Request;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::gateway::vouchers::{BatchRequest, BatchTerms, VoucherError, create_batch};
use crate::model::profile::State;
use crate::model::units::{format_duration, parse_rate, parse_size};
use crate::model::voucher::{AdHocTerms, BatchError, MAX_BATCH, VoucherState, parse_uses};

/// Reads the batch terms from the flags.
pub fn terms_from(args: &CreateArgs) -> Result<AdHocTerms, CliError> {
    let validity_secs = super::parse::validity(&args.validity)?;
    let starts = super::parse::starts(&args.starts)?;
    if args.shared_users == 0 {
        return Err(usage("shared-users", "must be at least 1"));
    }
    let rate = |option, v: &Option<String>| {
        v.as_deref()
            .map(parse_rate)
            .transpose()
            .map_err(|e| usage(option, e))
    };
    Ok(AdHocTerms {
        validity_secs,
        starts,
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

/// Reads `--uses`.
pub fn max_logins(uses: &str) -> Result<Option<u32>, CliError> {
    parse_uses(uses).map_err(|e| usage("uses", e))
}

/// `voucher create`
pub fn create(paths: &StatePaths, args: &CreateArgs) -> Result<String, CliError> {
    let terms = match &args.profile {
        Some(name) => BatchTerms::Profile(name.clone()),
        None => BatchTerms::AdHoc(terms_from(args)?),
    };
    let request = BatchRequest {
        count: args.count,
        terms,
        max_logins: max_logins(&args.uses)?,
        note: args.note.clone(),
    };
    let (mut store, key) = open_state(paths)?;
    let batch = create_batch(&mut store, &key, &request, now()).map_err(|e| match e {
        VoucherError::Batch(BatchError::Count) => {
            usage("count", format!("must be 1 to {MAX_BATCH}"))
        }
        VoucherError::Batch(e) => CliError::Refused(e.to_string()),
        VoucherError::NoProfile(_) => CliError::NotFound(e.to_string()),
        VoucherError::Store(e) => CliError::Store(e),
    })?;
    if args.json {
        let vouchers: Vec<_> = (batch.vouchers.iter())
            .map(|(id, code)| json!({"id": id, "code": code}))
            .collect();
        return Ok(json!({"profile": batch.profile, "max_logins": batch.max_logins, "note": args.note, "vouchers": vouchers}).to_string() + "\n");
    }
    let rows: Vec<Vec<String>> = (batch.vouchers.iter())
        .map(|(id, code)| vec![id.to_string(), code.clone()])
        .collect();
    Ok(format!(
        "{} voucher(s): {}\n{}",
        rows.len(),
        batch.summary,
        table::render(&["ID", "CODE"], &rows)
    ))
}

/// `voucher list`
pub fn list(paths: &StatePaths, json_out: bool) -> Result<String, CliError> {
    let (store, _) = open_state(paths)?;
    let now = now();
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for user in store.list_users(true)? {
        let queue = store.assignments(user.id, now)?;
        let state = VoucherState::of(&user, &queue, now).as_str();
        let profile = match queue.last() {
            Some(a) => store
                .profile(a.profile_id)?
                .map(|p| p.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let left = queue
            .iter()
            .find(|a| a.state == State::Active)
            .and_then(|a| a.ends_at)
            .map_or("-".to_string(), |e| {
                format_duration(u64::try_from(e - now).unwrap_or(0))
            });
        let logins = user.max_logins.map_or(format!("{}/-", user.logins), |m| {
            format!("{}/{m}", user.logins)
        });
        rows.push(vec![
            user.id.to_string(),
            state.to_string(),
            logins,
            left,
            profile.clone(),
            user.note.clone(),
        ]);
        items.push(json!({"id": user.id, "state": state, "note": user.note, "created_at": user.created_at, "max_logins": user.max_logins, "logins": user.logins, "profile": profile, "profiles": queue}));
    }
    if json_out {
        return Ok(json!(items).to_string() + "\n");
    }
    Ok(table::render(
        &["ID", "STATE", "USES", "LEFT", "PROFILE", "NOTE"],
        &rows,
    ))
}

/// `voucher revoke`
pub fn revoke(paths: &StatePaths, ids: &[i64]) -> Result<String, CliError> {
    let (store, _) = open_state(paths)?;
    let mut out = String::new();
    for &id in ids {
        let is_voucher = store.user(id)?.is_some_and(|u| u.username.is_none());
        if !is_voucher || !store.disable_user(id, now())? {
            out += &format!("voucher {id}: no such voucher, or already revoked\n");
            continue;
        }
        match tell_daemon(paths, &Request::EndUser { user_id: id })? {
            Some(data) => {
                out += &format!(
                    "voucher {id}: revoked, {} device(s) logged off\n",
                    data["ended"]
                )
            }
            None => {
                out += &format!(
                    "voucher {id}: revoked (daemon not running: its devices are logged off when it starts)\n"
                )
            }
        }
    }
    Ok(out)
}
