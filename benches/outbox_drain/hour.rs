//! An hour of a gateway's records, written through the store's own functions in the order the
//! gateway calls them: per session the login (`start_session`), the guest with its consents
//! (`record_guest_visit`: guest, start, one record per consent), the enforcement loop's
//! progress every [`TICK`] seconds (`record_progress`: an interim every 60 s, the newer
//! replacing the waiting one), and the end (`end_session`: the stop with the cumulative
//! counters replaces the interim, then the user's usage report).

use hotspotd::model::consent::{ConsentChoice, How, Purpose};
use hotspotd::model::entities::NewProfile;
use hotspotd::model::guest::Method;
use hotspotd::model::limitation::OutsideWindows;
use hotspotd::model::profile::{ProfileClock, Starts, activate_at_logon};
use hotspotd::model::session::TerminateCause;
use hotspotd::model::settings::Lang;
use hotspotd::store::{GuestVisit, NewSession, SessionProgress, Store, StoreError};
use sha2::{Digest, Sha256};

pub const HOUR: i64 = 3600;

/// The enforcement loop's write period here (the daemon writes every 1–5 s; the interims,
/// what the outbox keeps, come every 60 s either way).
const TICK: i64 = 10;

/// Session `i` of `n`: logins spread over the first 45 minutes, 5 to 15 minutes long, so
/// every session ends within the hour.
fn span(i: i64, n: i64, from: i64) -> (i64, i64) {
    let start = from + i * (HOUR * 3 / 4) / n;
    (start, start + 300 + (i * 7919) % 600)
}

/// Bytes of session `i` after `secs` online (20–70 kB/s down, a tenth of that up).
fn progress(id: i64, i: i64, secs: i64, at: i64) -> SessionProgress {
    let down = (secs * (20_000 + (i % 50) * 1_000)) as u64;
    SessionProgress {
        id,
        bytes_up: down / 10,
        bytes_down: down,
        last_activity_at: at,
    }
}

fn consents(i: i64) -> Vec<ConsentChoice> {
    let choice = |purpose, granted| ConsentChoice {
        purpose,
        granted,
        text_version: hex::encode(Sha256::digest(format!("{purpose:?} text v3"))),
        lang: Lang::En,
        how: How::SplashCheckbox,
    };
    vec![
        choice(Purpose::Terms, true),
        choice(Purpose::Privacy, true),
        choice(Purpose::Marketing, i % 3 == 0),
    ]
}

const CAUSES: [TerminateCause; 3] = [
    TerminateCause::UserRequest,
    TerminateCause::IdleTimeout,
    TerminateCause::SessionTimeout,
];

/// Writes `n` sessions of one voucher each (unit `unit`'s own codes) over the hour ending at
/// `until`.
pub fn fill(store: &mut Store, n: i64, unit: usize, until: i64) -> Result<(), StoreError> {
    let from = until - HOUR;
    let clock = ProfileClock {
        validity_secs: Some(86_400),
        starts: Starts::FirstLogon,
    };
    let day = NewProfile {
        name: "day".into(),
        name_for_users: "One day".into(),
        owner: "admin".into(),
        clock,
        price_cents: None,
        shared_users: 1,
        outside_windows: OutsideWindows::Deny,
    };
    let profile = store.insert_profile(&day, from - 86_400)?;
    let hashes: Vec<Vec<u8>> = (0..n)
        .map(|i| Sha256::digest(format!("unit {unit} voucher {i}")).to_vec())
        .collect();
    let users = store.insert_vouchers(&hashes, (profile, clock), Some(1), "drain", from)?;
    let mut ids = vec![None; n as usize];
    let mut t = from;
    while t <= until {
        let mut running = Vec::new();
        for i in 0..n {
            let (start, end) = span(i, n, from);
            if start > t - TICK && start <= t {
                let mac = format!(
                    "02:42:{unit:02x}:{:02x}:{:02x}:{:02x}",
                    i >> 16,
                    i >> 8 & 255,
                    i & 255
                );
                let mut queue = store.assignments(users[i as usize], start)?;
                activate_at_logon(&mut queue, start);
                let new = NewSession {
                    user_id: users[i as usize],
                    profile_id: profile,
                    mac: mac.clone(),
                    ip: format!("10.1.{}.{}", i / 250, 2 + i % 250),
                    started_at: start,
                    session_timeout: 86_400,
                    idle_timeout: 600,
                };
                ids[i as usize] = Some(store.start_session(&new, &queue, true)?.id);
                store.record_guest_visit(&GuestVisit {
                    method: Method::Voucher,
                    identifier: format!("voucher {}", users[i as usize]),
                    verified: true,
                    lang: Lang::En,
                    mac,
                    consents: consents(i),
                    at: start,
                })?;
            }
            let Some(id) = ids[i as usize] else { continue };
            if end > t - TICK && end <= t {
                let cause = CAUSES[i as usize % CAUSES.len()];
                store.end_session(&progress(id, i, end - start, end), cause, end)?;
            } else if start <= t && end > t {
                running.push(progress(id, i, t - start, t));
            }
        }
        store.record_progress(&running, t)?;
        t += TICK;
    }
    Ok(())
}
