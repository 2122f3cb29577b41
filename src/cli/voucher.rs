//! `hotspotd voucher create | list | revoke`: straight on the database (the daemon need not
//! run); a revocation also tells a running daemon to log the voucher's devices off.

use std::collections::HashSet;

use serde_json::json;

use super::CreateArgs;
use super::error::{CliError, usage};
use super::notify::tell_daemon;
use super::table;
use crate::config::StatePaths;
use crate::control::Request;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::limitation::{Limitation, OutsideWindows, ResetInterval, Window};
use crate::model::profile::{Assignment, ProfileClock, Starts, State};
use crate::model::units::{format_duration, format_rate, format_size, parse_rate, parse_size};
use crate::model::voucher_code::VoucherCode;
use crate::store::{NewProfile, Profile, Store, User};

/// Most vouchers in one batch.
const MAX_BATCH: u32 = 10_000;

/// Terms given as flags instead of `--profile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdHocTerms {
    /// Validity; `None` = unlimited.
    pub validity_secs: Option<u64>,
    /// When validity starts.
    pub starts: Starts,
    /// Devices at once.
    pub shared_users: u32,
    /// Download rate, bits/s.
    pub rate_down_bps: Option<u64>,
    /// Upload rate, bits/s.
    pub rate_up_bps: Option<u64>,
    /// Data allowance over the voucher's life, bytes.
    pub quota_bytes: Option<u64>,
}

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
    match uses {
        "single" => Ok(Some(1)),
        "unlimited" => Ok(None),
        n => match n.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(usage(
                "uses",
                format!("{n:?} is not single, unlimited or a number ≥ 1"),
            )),
        },
    }
}

/// Human summary: "1h from first logon, 1 device(s), down/up 10M/2M, 500.0 MB".
pub fn describe(t: &AdHocTerms) -> String {
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
    let rate = |r: Option<u64>| r.map_or("-".into(), format_rate);
    let quota = t.quota_bytes.map_or("no data cap".into(), format_size);
    format!(
        "{validity}, {} device(s), down/up {}/{}, {quota}",
        t.shared_users,
        rate(t.rate_down_bps),
        rate(t.rate_up_bps)
    )
}

/// The profile (and limitation) that ad-hoc terms stand for, reused when it exists already.
fn ad_hoc_profile(store: &mut Store, t: &AdHocTerms) -> Result<Profile, CliError> {
    let part = |v: Option<u64>, f: fn(u64) -> String| v.map_or("-".to_string(), f);
    let name = format!(
        "voucher:{}:{}:{}u:{}:{}:{}",
        part(t.validity_secs, format_duration),
        t.starts.as_str(),
        t.shared_users,
        part(t.rate_down_bps, format_rate),
        part(t.rate_up_bps, format_rate),
        part(t.quota_bytes, |b| b.to_string())
    );
    if let Some(p) = store.profile_by_name(&name)? {
        return Ok(p);
    }
    let clock = ProfileClock {
        validity_secs: t.validity_secs,
        starts: t.starts,
    };
    let name_for_users = match t.validity_secs {
        Some(v) => format!("{} access", format_duration(v)),
        None => "Unlimited access".to_string(),
    };
    let now = now();
    let id = store.insert_profile(
        &NewProfile {
            name: name.clone(),
            name_for_users,
            owner: "admin".into(),
            clock,
            price_cents: None,
            shared_users: t.shared_users,
            outside_windows: OutsideWindows::Deny,
        },
        now,
    )?;
    if t.rate_down_bps.is_some() || t.rate_up_bps.is_some() || t.quota_bytes.is_some() {
        let limitation = Limitation {
            id: 0,
            name: name.replacen("voucher:", "voucher-limits:", 1),
            uptime_limit: None,
            download_limit: None,
            upload_limit: None,
            transfer_limit: t.quota_bytes,
            rate_down_bps: t.rate_down_bps,
            rate_up_bps: t.rate_up_bps,
            reset: ResetInterval::Never,
        };
        let lid = match store.limitation_by_name(&limitation.name)? {
            Some(existing) => existing.id,
            None => store.insert_limitation(&limitation)?,
        };
        store.attach_limitation(id, lid, Window::default())?;
    }
    store
        .profile(id)?
        .ok_or_else(|| CliError::NotFound(format!("profile {name} vanished")))
}

/// `voucher create`
pub fn create(paths: &StatePaths, args: &CreateArgs) -> Result<String, CliError> {
    if args.count == 0 || args.count > MAX_BATCH {
        return Err(usage("count", format!("must be 1 to {MAX_BATCH}")));
    }
    let max_logins = max_logins(&args.uses)?;
    let (mut store, key) = open_state(paths)?;
    let (profile, summary) = match &args.profile {
        Some(name) => {
            let p = store.profile_by_name(name)?.ok_or_else(|| {
                CliError::NotFound(format!(
                    "no profile named {name:?} (see `hotspotd profile list`)"
                ))
            })?;
            let summary = format!("profile {} ({})", p.name, p.name_for_users);
            (p, summary)
        }
        None => {
            let terms = terms_from(args)?;
            (ad_hoc_profile(&mut store, &terms)?, describe(&terms))
        }
    };
    let mut codes = Vec::with_capacity(args.count as usize);
    let mut seen = HashSet::new();
    while codes.len() < args.count as usize {
        let code = VoucherCode::generate()?;
        if seen.insert(code.display()) {
            codes.push(code);
        }
    }
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| c.keyed_hash(&key)).collect();
    let ids = store.insert_vouchers(
        &hashes,
        (profile.id, profile.clock),
        max_logins,
        &args.note,
        now(),
    )?;
    let uses = max_logins.map_or("unlimited logins".to_string(), |n| {
        if n == 1 {
            "single use".into()
        } else {
            format!("{n} logins")
        }
    });
    if args.json {
        let vouchers: Vec<_> = ids
            .iter()
            .zip(&codes)
            .map(|(id, c)| json!({"id": id, "code": c.display()}))
            .collect();
        return Ok(json!({"profile": profile, "max_logins": max_logins, "note": args.note, "vouchers": vouchers}).to_string() + "\n");
    }
    let rows: Vec<Vec<String>> = ids
        .iter()
        .zip(&codes)
        .map(|(id, c)| vec![id.to_string(), c.display()])
        .collect();
    Ok(format!(
        "{} voucher(s): {summary}, {uses}\n{}",
        ids.len(),
        table::render(&["ID", "CODE"], &rows)
    ))
}

/// A voucher's or account's state for listings.
pub fn state_of(user: &User, queue: &[Assignment], now: i64) -> &'static str {
    let ended = |a: &Assignment| a.state == State::Used || a.ends_at.is_some_and(|e| now >= e);
    if user.disabled_at.is_some() {
        "revoked"
    } else if !queue.is_empty() && queue.iter().all(ended) {
        "expired"
    } else if user.max_logins.is_some_and(|m| user.logins >= m) {
        "used"
    } else if user.logins > 0 && queue.iter().any(|a| a.state == State::Active) {
        // A "now" profile is active from its assignment: its voucher is unused until a logon.
        "in-use"
    } else if queue.is_empty() {
        "no-profile"
    } else {
        "unused"
    }
}

/// `voucher list`
pub fn list(paths: &StatePaths, json_out: bool) -> Result<String, CliError> {
    let (store, _) = open_state(paths)?;
    let now = now();
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for user in store.list_users(true)? {
        let queue = store.assignments(user.id, now)?;
        let state = state_of(&user, &queue, now);
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
