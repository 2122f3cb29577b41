//! The unit's side of sync with the Hotspot Manager (protocol in `proto`): registration and
//! key rotation, and the task that pushes the outbox and pulls the change feed. Only this
//! module speaks both the gateway's language and the wire's.

mod assets;
pub mod client;
mod entities;
mod pull;
mod push;
pub mod register;
pub mod status;

use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio_util::sync::CancellationToken;
use tracing::{error, warn};

use crate::gateway::Gateway;
use crate::proto::auth::{AuthError, UnitKey};
use crate::store::{SharedStore, StoreError, SyncState, UnitIdentity};
use client::Client;

/// Health goes up at least this often, also with nothing in the outbox.
const HEALTH_EVERY: Duration = Duration::from_secs(30);

/// How often the outbox is looked at (records go up this soon after they are made).
const PUSH_TICK: Duration = Duration::from_secs(1);

/// How often an unregistered or removed unit looks whether it was registered meanwhile.
const IDLE: Duration = Duration::from_secs(1);

/// The first wait after a failure, doubled on each one after it up to [`BACKOFF_CAP`].
const BACKOFF_FIRST: Duration = Duration::from_secs(1);

/// The longest wait between attempts while the manager is unreachable.
const BACKOFF_CAP: Duration = Duration::from_secs(60);

/// Talking to the manager failed.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The manager's URL cannot be used.
    #[error("manager URL {0}")]
    Url(String),
    /// The trust anchor (CA or pin) cannot be used.
    #[error("manager certificate: {0}")]
    Trust(String),
    /// The manager could not be reached, or the connection broke (certificate refused,
    /// timeout, refused connection).
    #[error("cannot reach the manager: {0}")]
    Transport(String),
    /// The manager answered with an error.
    #[error("the manager refused ({code}, HTTP {status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable code, e.g. `unit_removed`, `token_used`.
        code: String,
        /// The manager's explanation.
        message: String,
    },
    /// The manager's answer does not parse.
    #[error("the manager's answer is unreadable: {0}")]
    Decode(String),
    /// The unit's key is unusable.
    #[error(transparent)]
    Key(#[from] AuthError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The manager's changes could not be applied (nothing of them was).
    #[error("the manager's changes could not be applied: {0}")]
    Apply(String),
    /// Sync needs a registration first.
    #[error("this unit is not registered; run `hotspotd unit register --manager URL --token T`")]
    NotRegistered,
}

impl SyncError {
    /// The manager removed this unit: sync stops until it registers again.
    pub fn is_removal(&self) -> bool {
        matches!(self, SyncError::Refused { code, .. } if code == "unit_removed")
    }
}

/// What sync needs of the running gateway: its guests online (for health), and to be told
/// of settings the manager changed and of users it revoked.
pub trait Running: Send + Sync + 'static {
    /// Devices online now.
    fn online(&self) -> impl Future<Output = usize> + Send;
    /// Put in force the settings now in the store.
    fn settings_saved(&self) -> impl Future<Output = Result<(), String>> + Send;
    /// Log off a revoked user's devices.
    fn log_off(&self, user: i64) -> impl Future<Output = Result<(), String>> + Send;
    /// Count other units' new usage of a user who may be online here.
    fn usage_merged(&self, user: i64) -> impl Future<Output = Result<(), String>> + Send;
}

impl Running for Gateway {
    async fn online(&self) -> usize {
        self.online_count().await
    }

    async fn settings_saved(&self) -> Result<(), String> {
        Gateway::settings_saved(self)
            .await
            .map_err(|e| e.to_string())
    }

    async fn log_off(&self, user: i64) -> Result<(), String> {
        self.end_user_sessions(user)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    async fn usage_merged(&self, user: i64) -> Result<(), String> {
        self.reload_user(user)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// What the sync task works with.
pub struct Ctx<G> {
    /// The running gateway (told of new settings and revoked vouchers).
    pub gateway: Arc<G>,
    /// The gateway's store (identity, outbox, cursor).
    pub store: SharedStore,
}

impl<G: Running> Ctx<G> {
    async fn succeeded(&self) {
        let now = crate::gateway::now();
        if let Err(e) = self.store.run(move |s| s.sync_succeeded(now)).await {
            warn!(error = %e, "cannot note the sync's success");
        }
    }

    async fn failed(&self, e: &SyncError) {
        let now = crate::gateway::now();
        let text = e.to_string();
        let removal = e.is_removal();
        if removal {
            error!(reason = %text, "the manager removed this unit: sync stopped; register again to resume");
        } else {
            warn!(error = %text, "sync with the manager failed; retrying");
        }
        let noted = self
            .store
            .run(move |s| match removal {
                true => s.sync_removed(&text),
                false => s.sync_failed(&text, now),
            })
            .await;
        if let Err(e) = noted {
            warn!(error = %e, "cannot note the sync's failure");
        }
    }
}

/// One round's view of the registered unit.
struct Unit<'a, G> {
    ctx: &'a Ctx<G>,
    client: &'a Client,
    unit_id: i64,
    key: UnitKey,
    state: SyncState,
}

impl<G> Unit<'_, G> {
    fn signer(&self) -> (i64, &UnitKey) {
        (self.unit_id, &self.key)
    }
}

/// How a round went.
enum Round {
    /// Done; wait for the next.
    Done,
    /// More is waiting: go again at once.
    More,
    /// Not registered, or removed.
    Idle,
}

#[derive(Clone, Copy)]
enum Direction {
    Pull,
    Push,
}

/// Capped exponential backoff with jitter (half the wait fixed, half random), so units that
/// lost the manager together do not all come back in the same second.
struct Backoff(Duration);

impl Backoff {
    fn next(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (wait * 2).min(BACKOFF_CAP);
        let half = wait.as_millis() as u64 / 2;
        Duration::from_millis(half + rand::random_range(0..=half))
    }
}

/// Runs sync until `cancel`: registers first if `register` is given and the unit is not
/// registered (`[sync]` in the config), then pulls the change feed and pushes the outbox,
/// each with its own backoff; never exits on its own, and never holds anything the gateway
/// waits for.
pub async fn run<G: Running>(
    ctx: Ctx<G>,
    register: Option<register::Registration>,
    cancel: CancellationToken,
) {
    let started = Instant::now();
    if let Some(registration) = register {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = register_at_start(&ctx, &registration) => {}
        }
    }
    tokio::join!(
        cycle(&ctx, &cancel, Direction::Pull, started),
        cycle(&ctx, &cancel, Direction::Push, started),
    );
}

/// Registers with the configured token unless registered; retries while the manager is
/// unreachable, gives up (with the reason in the log and status) when it refuses.
async fn register_at_start<G: Running>(ctx: &Ctx<G>, registration: &register::Registration) {
    let mut backoff = Backoff(BACKOFF_FIRST);
    loop {
        match ctx.store.run(|s| s.identity()).await {
            Ok(Some(_)) => return,
            Ok(None) => {}
            Err(e) => warn!(error = %e, "cannot read the unit's identity"),
        }
        let e = match register::register(registration, crate::gateway::now()).await {
            Ok(identity) => match ctx.store.run(move |s| s.save_identity(&identity)).await {
                Ok(()) => {
                    tracing::info!(manager = %registration.manager, "registered with the manager");
                    return;
                }
                Err(e) => SyncError::from(e),
            },
            Err(e) => e,
        };
        if matches!(
            e,
            SyncError::Refused { .. } | SyncError::Url(_) | SyncError::Trust(_)
        ) {
            error!(error = %e, "cannot register with the manager from [sync]; fix the config or run `hotspotd unit register`");
            return;
        }
        warn!(error = %e, "cannot register with the manager yet; retrying");
        tokio::time::sleep(backoff.next()).await;
    }
}

async fn cycle<G: Running>(
    ctx: &Ctx<G>,
    cancel: &CancellationToken,
    direction: Direction,
    started: Instant,
) {
    let mut backoff = Backoff(BACKOFF_FIRST);
    let mut client = None;
    let mut last_push: Option<Instant> = None;
    loop {
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return,
            r = round(ctx, direction, started, &mut client, &mut last_push) => r,
        };
        let pause = match (outcome, direction) {
            (Ok(Round::More), _) | (Ok(Round::Done), Direction::Pull) => {
                backoff = Backoff(BACKOFF_FIRST);
                continue;
            }
            (Ok(Round::Done), Direction::Push) => {
                backoff = Backoff(BACKOFF_FIRST);
                PUSH_TICK
            }
            (Ok(Round::Idle), _) => IDLE,
            (Err(e), _) => {
                ctx.failed(&e).await;
                backoff.next()
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

async fn round<G: Running>(
    ctx: &Ctx<G>,
    direction: Direction,
    started: Instant,
    cached: &mut Option<(UnitIdentity, Client)>,
    last_push: &mut Option<Instant>,
) -> Result<Round, SyncError> {
    let (identity, state) = ctx
        .store
        .run(|s| Ok((s.identity()?, s.sync_state()?)))
        .await?;
    let (Some(identity), Some(state)) = (identity, state) else {
        return Ok(Round::Idle);
    };
    if state.removed.is_some() {
        return Ok(Round::Idle);
    }
    // A new registration or key (the CLI beside the daemon) takes effect on the next round.
    if cached.as_ref().is_none_or(|(known, _)| *known != identity) {
        let client = Client::new(&identity.manager_url, &identity.trust)?;
        *cached = Some((identity.clone(), client));
    }
    let Some((_, client)) = cached.as_ref() else {
        return Ok(Round::Idle);
    };
    let unit = Unit {
        ctx,
        client,
        unit_id: identity.unit_id,
        key: UnitKey::from_pkcs8(&identity.private_key)?,
        state,
    };
    match direction {
        Direction::Pull => pull::pull(&unit).await,
        Direction::Push => {
            let health_due = last_push.is_none_or(|t| t.elapsed() >= HEALTH_EVERY);
            let round = push::push(&unit, started, health_due).await?;
            if !matches!(round, Round::Idle) {
                *last_push = Some(Instant::now());
            }
            Ok(round)
        }
    }
}
