//! Start-up: rebuild the kernel table from the database, the source of truth. Sessions whose
//! time ran out while the daemon was down are closed; the rest are authorised again at once.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use tracing::info;

use super::registry::{self, Active, Registry, UserState, clock_of};
use super::users::{load_state, switches};
use super::{Gateway, GatewayError, local_now};
use crate::config::{Lan, guest_lan};
use crate::model::calendar::LocalTime;
use crate::model::profile::{Tick, activate_at_logon, on_tick};
use crate::model::session::TerminateCause;
use crate::store::{SessionProgress, SessionRow, Store, StoreError};

fn progress_of(row: &SessionRow) -> SessionProgress {
    SessionProgress {
        id: row.id,
        bytes_up: row.bytes_up,
        bytes_down: row.bytes_down,
        last_activity_at: row.last_activity_at,
    }
}

/// Loads active sessions with their users' state, closing the ones that must not resume. A
/// profile that ended while the daemon was down hands over to the next one, as it would have
/// online.
fn load(
    store: &mut Store,
    now: LocalTime,
    lans: &[Lan],
) -> Result<(Vec<SessionRow>, HashMap<i64, UserState>), StoreError> {
    let mut keep = Vec::new();
    let mut users: HashMap<i64, UserState> = HashMap::new();
    for row in store.active_sessions()? {
        let cause = match users.get(&row.user_id) {
            Some(_) => None,
            None => match store.user(row.user_id)? {
                None => Some(TerminateCause::AdminReset),
                Some(u) if u.disabled_at.is_some() => Some(TerminateCause::AdminReset),
                Some(u) => {
                    let mut queue = store.assignments(u.id, now.unix)?;
                    let alive = match on_tick(&mut queue, now.unix) {
                        Tick::LogOff => activate_at_logon(&mut queue, now.unix).is_some(),
                        _ => true,
                    };
                    store.save_assignments(&queue)?;
                    match (alive, load_state(store, u, queue, now)?) {
                        (true, Some(mut state)) => match state.evaluate(now) {
                            Ok(_) => {
                                users.insert(row.user_id, state);
                                None
                            }
                            Err(_) => Some(TerminateCause::QuotaExhausted),
                        },
                        _ => Some(TerminateCause::ValidityExpired),
                    }
                }
            },
        };
        let cause = cause.or_else(|| {
            // An address outside every guest network (the config changed while the daemon
            // was down) is never put back in the kernel.
            let on_a_lan =
                (row.ip.parse::<Ipv4Addr>().ok()).is_some_and(|ip| guest_lan(lans, ip).is_some());
            if !on_a_lan {
                return Some(TerminateCause::NasError);
            }
            let access_ends = users
                .get(&row.user_id)
                .and_then(|u| u.access_ends(now.unix));
            clock_of(&row, access_ends).verdict(now.unix, row.last_activity_at, None)
        });
        match cause {
            Some(cause) => {
                store.end_session(&progress_of(&row), cause, now.unix)?;
                info!(
                    session = row.id,
                    mac = row.mac,
                    cause = cause.as_str(),
                    "session ended while the daemon was down"
                );
            }
            None => keep.push(row),
        }
    }
    // A profile that took over while the daemon was down starts a new part of the sessions
    // from now.
    let switched: Vec<_> = keep
        .iter()
        .filter_map(|row| {
            let a = users.get(&row.user_id)?.assignment()?;
            Some(switches(
                a,
                &[(row.id, row.bytes_up, row.bytes_down)],
                now.unix,
            ))
        })
        .flatten()
        .collect();
    store.record_profile_switches(&switched)?;
    Ok((keep, users))
}

impl Gateway {
    /// Loads sessions from the database and installs the whole table with them in one
    /// transaction. Returns how many guests are online again.
    pub async fn restore(&self) -> Result<usize, GatewayError> {
        let local = local_now();
        let lans = self.config.lans.clone();
        let (rows, users) = self.store.run(move |s| load(s, local, &lans)).await?;
        let mut reg = self.online.lock().await;
        let online_users: std::collections::HashSet<i64> = rows.iter().map(|r| r.user_id).collect();
        for (uid, mut state) in users {
            if online_users.contains(&uid) {
                state.applied = self.next_applied(&state, local);
                reg.insert_user(uid, state);
            }
        }
        for row in rows {
            if let Ok(ip) = row.ip.parse::<Ipv4Addr>() {
                reg.insert_session(Active::new(row, ip, local.unix));
            }
        }
        self.rebuild_locked(&reg).await?;
        Ok(reg.sessions.len())
    }

    /// Replaces the kernel table with one holding exactly the registry's sessions.
    pub(super) async fn rebuild_locked(&self, reg: &Registry) -> Result<(), GatewayError> {
        let now = local_now().unix;
        let grants: Vec<_> = reg
            .sessions
            .values()
            .filter_map(|a| {
                reg.users
                    .get(&a.row.user_id)
                    .map(|u| registry::grant(a, u, now))
            })
            .collect();
        let lists = self.access_lists().await?;
        self.firewall
            .blocking(move |fw| fw.rebuild(&grants, &lists))
            .await?;
        crate::memory::release_free_memory();
        Ok(())
    }
}
