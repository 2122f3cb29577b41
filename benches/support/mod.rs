//! What the gateway benchmarks share: seeding a database with sessions, and reading a
//! daemon's resource use from /proc.

use crate::common::lab::Lab;
use hotspotd::model::limitation::{Limitation, OutsideWindows, ResetInterval, Window};
use hotspotd::model::profile::{ProfileClock, Starts, activate_at_logon};
use hotspotd::store::{NewProfile, NewSession, Store};

pub fn client_ip(i: u32) -> String {
    format!("10.77.{}.{}", 1 + i / 250, 2 + i % 250)
}

pub fn client_mac(i: u32) -> String {
    format!("02:99:00:00:{:02x}:{:02x}", i / 256, i % 256)
}

/// A lab without a daemon yet whose first guest network is a /16, room for the seeded
/// clients besides guest 1.
pub fn wide_lab() -> Lab {
    let lab = Lab::without_daemon(1, "");
    let text = std::fs::read_to_string(&lab.config)
        .unwrap()
        .replace("10.77.0.0/24", "10.77.0.0/16");
    std::fs::write(&lab.config, text).unwrap();
    lab
}

/// Puts `clients` active sessions into the lab's database, as if that many guests had
/// logged in.
pub fn seed_sessions(lab: &Lab, clients: u32) {
    let data = lab.dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut store = Store::open(&data.join("hotspotd.db")).unwrap();
    let now = hotspotd::gateway::now();
    let clock = ProfileClock {
        validity_secs: Some(86_400),
        starts: Starts::FirstLogon,
    };
    let profile = store
        .insert_profile(
            &NewProfile {
                name: "bench".into(),
                name_for_users: "Bench day pass".into(),
                owner: "admin".into(),
                clock,
                price_cents: None,
                shared_users: 1,
                outside_windows: OutsideWindows::Deny,
            },
            now,
        )
        .unwrap();
    let limitation = store
        .insert_limitation(&Limitation {
            id: 0,
            name: "bench".into(),
            uptime_limit: None,
            download_limit: None,
            upload_limit: None,
            transfer_limit: Some(1_000_000_000),
            rate_down_bps: Some(10_000_000),
            rate_up_bps: Some(2_000_000),
            reset: ResetInterval::Daily,
        })
        .unwrap();
    store
        .attach_limitation(profile, limitation, Window::default())
        .unwrap();
    let hashes: Vec<Vec<u8>> = (0..clients).map(|i| i.to_be_bytes().repeat(8)).collect();
    let ids = store
        .insert_vouchers(&hashes, (profile, clock), None, "bench", now)
        .unwrap();
    for (i, id) in ids.into_iter().enumerate() {
        let i = i as u32;
        let new = NewSession {
            user_id: id,
            profile_id: profile,
            mac: client_mac(i),
            ip: client_ip(i),
            started_at: now,
            session_timeout: 86_400,
            idle_timeout: 86_400,
        };
        let mut queue = store.assignments(id, now).unwrap();
        activate_at_logon(&mut queue, now);
        store.start_session(&new, &queue, true).unwrap();
    }
}

pub fn proc_field(pid: u32, file: &str, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .map(|l| l.to_string())
        .unwrap_or_default()
}

pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // utime and stime are fields 14 and 15 of stat; after the ')' they are the 12th and 13th
    // tokens, and the parse above drops the one non-numeric (state) token.
    f.get(10).copied().unwrap_or(0) + f.get(11).copied().unwrap_or(0)
}
