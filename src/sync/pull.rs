//! Settings down: one long-poll of the change feed, its answer turned into what the store
//! applies in one transaction, then the running gateway told (new settings in force,
//! revoked vouchers' devices logged off). Online guests stay online.

use reqwest::Method;
use tracing::{info, warn};

use super::{Round, Running, SyncError, Unit, assets, entities};
use crate::gateway::vouchers::ad_hoc_profile;
use crate::model::profile::Starts;
use crate::model::settings::HotspotSettings;
use crate::model::voucher::{AdHocProfile, AdHocTerms};
use crate::proto::MAX_WAIT_SECS;
use crate::proto::changes::{Change, ChangesResponse, Usage, VoucherTerms};
use crate::store::{SyncedChanges, SyncedUsage, SyncedVoucher, UnitCounters};

/// The store's form of an answer, the profiles its quick-terms vouchers stand for, and how
/// many changes this build leaves to others (vouchers with neither profile nor terms).
pub(super) fn to_store(
    answer: ChangesResponse,
) -> Result<(SyncedChanges, Vec<AdHocProfile>, usize), SyncError> {
    let mut out = SyncedChanges {
        cursor: answer.cursor,
        reset: answer.reset,
        ..Default::default()
    };
    let (mut ad_hoc, mut left) = (Vec::<AdHocProfile>::new(), 0);
    for change in answer.changes {
        match change {
            // A document this build cannot read (a newer manager's field) is skipped and
            // noted, not retried forever: the rest of the feed goes on, and the next revision
            // the manager saves is read afresh.
            Change::Settings { revision, document } => {
                match serde_json::from_value::<HotspotSettings>(document) {
                    Ok(doc) => {
                        out.settings = Some((revision, doc));
                        out.settings_skipped = None;
                    }
                    Err(e) => {
                        out.settings = None;
                        out.settings_skipped = Some(format!("revision {revision}: {e}"));
                    }
                }
            }
            Change::Profile { name, spec } => out.profiles.push(entities::profile(&name, spec)?),
            Change::Limitation { name, spec } => {
                out.limitations.push(entities::limitation(&name, spec)?)
            }
            Change::Usage(u) => out.usage.push(usage(u)),
            Change::ProfileRemoved { name } => out.profiles_removed.push(name),
            Change::LimitationRemoved { name } => out.limitations_removed.push(name),
            Change::Voucher(v) => {
                let max_logins = v.terms.as_ref().and_then(|t| t.max_logins);
                let profile = match (v.profile, v.terms) {
                    (Some(name), _) => name,
                    (None, Some(terms)) => {
                        let spec = ad_hoc_terms(&terms)?.profile();
                        let name = spec.profile.name.clone();
                        if !ad_hoc.contains(&spec) {
                            ad_hoc.push(spec);
                        }
                        name
                    }
                    (None, None) => {
                        left += 1;
                        continue;
                    }
                };
                out.vouchers.push(SyncedVoucher {
                    code_hash: code_hash(&v.code_hash)?,
                    profile,
                    max_logins: max_logins.and_then(|n| u32::try_from(n).ok()),
                    revoked: v.revoked,
                });
            }
            Change::GuestErased { guest_uid } => out.guests_erased.push(guest_uid),
            Change::VoucherRemoved { code_hash: hash } => out.vouchers.push(SyncedVoucher {
                code_hash: code_hash(&hash)?,
                profile: String::new(),
                max_logins: None,
                revoked: true,
            }),
            _ => left += 1,
        }
    }
    Ok((out, ad_hoc, left))
}

/// A manager batch's quick terms as the unit's (the same flags as `voucher create`).
fn ad_hoc_terms(t: &VoucherTerms) -> Result<AdHocTerms, SyncError> {
    let count = |v: Option<i64>| v.and_then(|n| u64::try_from(n).ok());
    let terms = AdHocTerms {
        validity_secs: count(t.validity_secs),
        starts: match t.starts.as_str() {
            "creation" | "now" => Starts::Now,
            _ => Starts::FirstLogon,
        },
        shared_users: u32::try_from(t.shared_users).unwrap_or(0),
        rate_down_bps: count(t.rate_down_bps),
        rate_up_bps: count(t.rate_up_bps),
        quota_bytes: count(t.quota_bytes),
    };
    terms
        .validate()
        .map_err(|e| SyncError::Decode(format!("voucher terms: {e}")))?;
    Ok(terms)
}

/// A usage merge as the store takes it (counters never below zero).
fn usage(u: Usage) -> SyncedUsage {
    SyncedUsage {
        user: u.user,
        profile: u.profile,
        first_start: u.first_start,
        per_unit: u
            .per_unit
            .iter()
            .map(|c| UnitCounters {
                unit_id: c.unit_id,
                bytes_down: c.bytes_down.max(0),
                bytes_up: c.bytes_up.max(0),
                uptime_secs: c.uptime_secs.max(0),
                logins: c.logins.max(0),
                online: c.online.max(0),
            })
            .collect(),
    }
}

fn code_hash(text: &str) -> Result<Vec<u8>, SyncError> {
    match hex::decode(text) {
        Ok(bytes) if bytes.len() == 32 => Ok(bytes),
        _ => Err(SyncError::Decode(format!(
            "voucher hash {text:?} is not 32 bytes of hex"
        ))),
    }
}

/// Asks for what changed after the stored cursor (held up to the longest wait) and applies it.
pub(super) async fn pull<G: Running>(unit: &Unit<'_, G>) -> Result<Round, SyncError> {
    let route = format!("/changes?cursor={}&wait={MAX_WAIT_SECS}", unit.state.cursor);
    let answer: ChangesResponse = unit
        .client
        .signed(unit.signer(), Method::GET, &route, Vec::new())
        .await?;
    let unchanged = answer.changes.is_empty() && answer.cursor == unit.state.cursor;
    if unchanged {
        unit.ctx.succeeded().await;
        return Ok(Round::Done);
    }
    let (mut changes, ad_hoc, left) = to_store(answer)?;
    if let Some((revision, doc)) = &changes.settings
        && let Some(why) = assets::fetch_missing(unit, *revision, doc).await?
    {
        changes.settings = None;
        changes.settings_skipped = Some(why);
    }
    if let Some(why) = &changes.settings_skipped {
        warn!(%why, "a settings revision not put in force; the previous settings stay");
    }
    let now = crate::gateway::now();
    // Quick-terms profiles first (made once, found by name after): one left over by an
    // answer that then fails to apply is what the next answer uses.
    unit.ctx
        .store
        .run(move |s| {
            Ok(ad_hoc
                .iter()
                .try_for_each(|spec| ad_hoc_profile(s, spec, now).map(drop))
                .map_err(|e| SyncError::Apply(e.to_string())))
        })
        .await??;
    let applied = unit
        .ctx
        .store
        .run(move |s| {
            Ok(s.apply_synced(&changes, now)
                .map_err(|e| SyncError::Apply(e.to_string())))
        })
        .await??;
    for why in &applied.skipped {
        warn!("{why}; skipped");
    }
    if !applied.kept.is_empty() {
        warn!(kept = ?applied.kept, "the manager removed these, but users here hold them: kept, retried with each change");
    }
    if left > 0 {
        info!(
            changes = left,
            "changes of kinds this unit does not apply yet; skipped"
        );
    }
    let gateway = &unit.ctx.gateway;
    if applied.settings_changed
        && let Err(e) = gateway.settings_saved().await
    {
        warn!(error = %e, "the manager's settings are stored but could not all be installed");
    }
    for user in applied.revoked_users {
        if let Err(e) = gateway.log_off(user).await {
            warn!(error = %e, user, "could not log off a revoked voucher's devices");
        }
    }
    // Other units' usage counts now for users online here, not only at their next login.
    for user in applied.usage_users {
        if let Err(e) = gateway.usage_merged(user).await {
            warn!(error = %e, user, "could not count other units' usage for an online user");
        }
    }
    log_off_erased(unit, applied.erased_online).await;
    unit.ctx.succeeded().await;
    Ok(Round::Done)
}

/// Logs off the devices of guests the manager erased while they were online, then erases
/// what their sessions kept (a failure leaves it for the next answer's apply, which scrubs
/// every ended session of an erased guest).
async fn log_off_erased<G: Running>(unit: &Unit<'_, G>, users: Vec<i64>) {
    if users.is_empty() {
        return;
    }
    for user in users {
        if let Err(e) = unit.ctx.gateway.log_off(user).await {
            warn!(error = %e, user, "could not log off an erased guest's devices");
        }
    }
    match unit.ctx.store.run(|s| s.scrub_erased_sessions()).await {
        Ok(n) => info!(
            sessions = n,
            "erased guests logged off and their sessions scrubbed"
        ),
        Err(e) => warn!(error = %e, "erased guests' sessions not scrubbed yet"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_settings_document_with_a_field_this_build_does_not_know_is_skipped_not_blocking() {
        let mut document = serde_json::to_value(HotspotSettings::default()).unwrap();
        document["design"]["hologram"] = json!("blue");
        let answer = ChangesResponse {
            cursor: 8,
            reset: false,
            changes: vec![
                Change::Settings {
                    revision: 4,
                    document,
                },
                Change::VoucherRemoved {
                    code_hash: "ab".repeat(32),
                },
            ],
        };
        let (changes, _, left) = to_store(answer).unwrap();
        assert!(changes.settings.is_none());
        let why = changes.settings_skipped.unwrap();
        assert!(
            why.starts_with("revision 4: ") && why.contains("hologram"),
            "{why}"
        );
        assert_eq!((changes.cursor, changes.vouchers.len(), left), (8, 1, 0));
    }
}
