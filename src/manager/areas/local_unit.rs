//! The embedded default (README, "Sync"): `hotspotd run` with `[manager]` is a unit of its own
//! manager, synced over loopback with the same client and protocol as any unit. At each start
//! the manager makes sure this gateway's hotspot exists — under the reseller `Local`, marked by
//! the external id [`EXTERNAL_ID`], its settings seeded with the gateway's own document so the
//! first sync changes nothing guests see — and, when the gateway is not (or no longer) a unit
//! of it, a one-time registration token for the daemon to register with.

use rand::Rng;

use super::hotspot_fields::blank;
use super::{audit, hotspots};
use crate::manager::ManagerState;
use crate::manager::auth::session;
use crate::manager::db::{Conn, Mode};
use crate::manager::error::Error;

/// The hotspot's mark (`hotspots.external_id`), so a restart finds it whatever it is renamed to.
pub const EXTERNAL_ID: &str = "hotspotd-embedded";

/// The reseller the embedded hotspot is made under.
const RESELLER: &str = "Local";

/// How long the start's registration token lives: the daemon uses it within seconds.
const TOKEN_SECS: i64 = 3600;

/// What the gateway brings to its manager.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The hotspot's name (the settings document's).
    pub name: String,
    /// The gateway's settings document, JSON: the hotspot's first revision.
    pub document: String,
    /// The unit the gateway is registered as, if it is registered over loopback.
    pub unit: Option<i64>,
}

/// Makes sure the embedded hotspot exists; returns a registration token when `seed.unit` is
/// not a live unit of it (never registered, or a manager database made anew).
pub async fn prepare(state: &ManagerState, seed: Seed) -> Result<Option<String>, Error> {
    let now = state.now();
    let secret = hex::encode(rand::rng().random::<[u8; 24]>());
    let hash = session::digest(&secret);
    state
        .db
        .tx(Mode::Write, move |c| {
            let hotspot = match find(c)? {
                Some(id) => id,
                None => create(c, &seed, now)?,
            };
            if let Some(unit) = seed.unit {
                let live = c.query_opt(
                    "SELECT id FROM units WHERE id = $1 AND hotspot_id = $2
                     AND removed_at IS NULL",
                    &[unit.into(), hotspot.into()],
                )?;
                if live.is_some() {
                    return Ok(None);
                }
            }
            c.execute(
                "INSERT INTO unit_tokens (hotspot_id, note, token_hash, created_by, created_at,
                 expires_at) VALUES ($1, 'this gateway', $2, 'system', $3, $4)",
                &[
                    hotspot.into(),
                    hash.into(),
                    now.into(),
                    (now + TOKEN_SECS).into(),
                ],
            )?;
            Ok(Some(secret))
        })
        .await
}

fn find(c: &mut dyn Conn) -> Result<Option<i64>, Error> {
    let row = c.query_opt(
        "SELECT id FROM hotspots WHERE external_id = $1",
        &[EXTERNAL_ID.into()],
    )?;
    Ok(row.map(|r| r.int(0)).transpose()?)
}

fn create(c: &mut dyn Conn, seed: &Seed, now: i64) -> Result<i64, Error> {
    let reseller = match c.query_opt(
        "SELECT id FROM resellers WHERE name = $1",
        &[RESELLER.into()],
    )? {
        Some(r) => r.int(0)?,
        None => c
            .query(
                "INSERT INTO resellers (name, disabled, created_at) VALUES ($1, $2, $3)
                 RETURNING id",
                &[RESELLER.into(), false.into(), now.into()],
            )?
            .first()
            .ok_or(Error::Internal)?
            .int(0)?,
    };
    let mut fields = blank();
    fields.name = seed.name.clone();
    let id = hotspots::insert(c, reseller, &fields, now)?;
    c.execute(
        "UPDATE hotspots SET external_id = $1 WHERE id = $2",
        &[EXTERNAL_ID.into(), id.into()],
    )?;
    c.execute(
        "INSERT INTO hotspot_settings (hotspot_id, revision, document, created_by, created_at)
         VALUES ($1, 1, $2, 'system', $3)",
        &[id.into(), (&seed.document).into(), now.into()],
    )?;
    audit::record_system(c, now, None, "create the embedded hotspot", &seed.name)?;
    Ok(id)
}
