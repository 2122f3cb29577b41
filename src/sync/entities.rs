//! Profiles and limitations from the change feed, read from the JSON the manager's profiles
//! and limitations API shows and checked by `model::profile::spec`, the rules the CLI and the
//! manager's forms share: what the manager accepted, the unit accepts the same way, and a
//! value no rule allows refuses the answer (nothing of it applies) naming the field.

use serde_json::Value;

use super::SyncError;
use crate::model::entities::Profile;
use crate::model::limitation::{Attached, Limitation, Window};
use crate::model::profile::spec::{LimitationSpec, ProfileSpec};
use crate::store::SyncedProfile;

fn refused(what: &str, name: &str, e: impl std::fmt::Display) -> SyncError {
    SyncError::Decode(format!("{what} {name:?}: {e}"))
}

/// A limitation checked by the shared rules (written back as the form shows it, read again).
fn checked(name: &str, l: &Limitation) -> Result<Limitation, SyncError> {
    LimitationSpec::of(l)
        .checked()
        .map_err(|e| refused("limitation", name, e))
}

/// A window inside one day (24:00 at most), not empty, on some of the seven days.
fn window(name: &str, w: Window) -> Result<Window, SyncError> {
    let day = 86_400;
    if w.from > day || w.till > day || w.from == w.till || w.weekdays == 0 || w.weekdays > 127 {
        return Err(refused(
            "profile",
            name,
            format!("window {w:?} is not a window"),
        ));
    }
    Ok(w)
}

/// A limitation change's spec.
pub(super) fn limitation(name: &str, spec: Value) -> Result<Limitation, SyncError> {
    let read: Limitation =
        serde_json::from_value(spec).map_err(|e| refused("limitation", name, e))?;
    if read.name != name {
        return Err(refused(
            "limitation",
            name,
            format!("spec names {:?}", read.name),
        ));
    }
    checked(name, &read)
}

/// A profile change's spec, with its limitations.
pub(super) fn profile(name: &str, spec: Value) -> Result<SyncedProfile, SyncError> {
    let read: Profile = serde_json::from_value(spec).map_err(|e| refused("profile", name, e))?;
    if read.name != name {
        return Err(refused(
            "profile",
            name,
            format!("spec names {:?}", read.name),
        ));
    }
    let profile = ProfileSpec::of(&read)
        .checked(&read.owner)
        .map_err(|e| refused("profile", name, e))?;
    let limitations = read
        .limitations
        .iter()
        .map(|a| {
            Ok(Attached {
                limitation: checked(&a.limitation.name, &a.limitation)?,
                window: window(name, a.window)?,
            })
        })
        .collect::<Result<_, SyncError>>()?;
    Ok(SyncedProfile {
        profile,
        limitations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day_profile() -> Value {
        json!({"id": 7, "name": "day", "name_for_users": "One day", "owner": "admin",
            "clock": {"validity_secs": 86400, "starts": "first-logon"}, "price_cents": 250,
            "shared_users": 2, "outside_windows": "deny",
            "limitations": [{"limitation": {"id": 3, "name": "1GB", "uptime_limit": null,
                "download_limit": null, "upload_limit": null, "transfer_limit": 1000000000,
                "rate_down_bps": 10000000, "rate_up_bps": null, "reset": "daily"},
                "window": {"from": 0, "till": 86400, "weekdays": 127}}]})
    }

    #[test]
    fn the_managers_profile_reads_as_the_cli_would_make_it() {
        let p = profile("day", day_profile()).unwrap();
        assert_eq!(p.profile.name_for_users, "One day");
        assert_eq!(p.profile.clock.validity_secs, Some(86_400));
        assert_eq!(
            (p.profile.price_cents, p.profile.shared_users),
            (Some(250), 2)
        );
        assert_eq!(
            p.limitations[0].limitation.transfer_limit,
            Some(1_000_000_000)
        );
    }

    #[test]
    fn a_profile_against_the_rules_is_refused_naming_the_field() {
        let mut bad = day_profile();
        bad["shared_users"] = json!(0);
        let e = profile("day", bad).unwrap_err().to_string();
        assert!(e.contains("shared_users"), "{e}");
        let mut empty = day_profile();
        empty["limitations"][0]["window"]["till"] = json!(0);
        empty["limitations"][0]["window"]["from"] = json!(0);
        assert!(profile("day", empty).is_err());
        assert!(profile("week", day_profile()).is_err(), "name mismatch");
        let e = limitation(" x", json!({"id": 1, "name": " x", "reset": "never"})).unwrap_err();
        assert!(e.to_string().contains("spaces"), "{e}");
    }
}
