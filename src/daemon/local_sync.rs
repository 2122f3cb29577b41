//! The embedded default's sync (README, "Sync"): a gateway that serves the manager
//! (`[manager]`) is a unit of it, synced over loopback by the same task, client and protocol as
//! a unit of a remote manager. A gateway registered with a remote manager (`[sync]`, or
//! `hotspotd unit register` to an address that is not loopback) keeps syncing with that one.

use std::sync::Arc;

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::gateway::Gateway;
use crate::manager::areas::local_unit::Seed;
use crate::manager::run::LocalSync;
use crate::model::settings::{Format, HotspotSettings};
use crate::store::{SharedStore, StoreError, Trust};
use crate::sync::{self, client::is_loopback_url, register};

/// What the gateway brings to its embedded manager, or `None` when it syncs with another one.
pub(super) async fn seed(
    store: &SharedStore,
    hotspot: &HotspotSettings,
) -> Result<Option<Seed>, StoreError> {
    let identity = store.run(|s| s.identity()).await?;
    if identity
        .as_ref()
        .is_some_and(|id| !is_loopback_url(&id.manager_url))
    {
        return Ok(None);
    }
    // The manager's revisions count from 1; the document's own number is this gateway's.
    let mut first = hotspot.clone();
    first.revision = 1;
    let document = match first.to_text(Format::Json) {
        Ok(text) => text,
        Err(e) => {
            warn!(error = %e, "cannot seed the embedded manager with this gateway's settings");
            return Ok(None);
        }
    };
    Ok(Some(Seed {
        name: hotspot.name.clone(),
        document,
        unit: identity.map(|id| id.unit_id),
    }))
}

/// Waits for the embedded manager to serve, then syncs with it until `cancel`: registering
/// with the token it made when this gateway is not (or no longer) its unit, else following its
/// loopback address, which changes with each start.
pub(super) async fn run(
    ctx: sync::Ctx<Gateway>,
    ready: oneshot::Receiver<LocalSync>,
    cancel: CancellationToken,
) {
    let local = tokio::select! {
        () = cancel.cancelled() => return,
        local = ready => match local {
            Ok(local) => local,
            // The manager could not prepare its hotspot; it logged why.
            Err(_) => return,
        },
    };
    let store: &SharedStore = &ctx.store;
    let registration = match local.token {
        Some(token) => {
            // A unit the manager no longer knows (its database made anew): start over.
            if let Err(e) = store.run(|s| s.forget_identity()).await {
                warn!(error = %e, "cannot clear the old registration");
                return;
            }
            Some(register::Registration {
                manager: local.url,
                token,
                name: register::host_name(),
                trust: Trust::default(),
            })
        }
        None => {
            let url = local.url;
            if let Err(e) = store.run(move |s| s.set_manager_url(&url)).await {
                warn!(error = %e, "cannot point sync at the embedded manager");
                return;
            }
            None
        }
    };
    sync::run(ctx, registration, cancel).await;
}

/// The sync context of the running gateway.
pub(super) fn context(gateway: &Arc<Gateway>, store: &SharedStore) -> sync::Ctx<Gateway> {
    sync::Ctx {
        gateway: gateway.clone(),
        store: store.clone(),
    }
}
