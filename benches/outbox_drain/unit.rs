//! A unit of the drain bench: registered with a one-time token through the unit's own
//! registration code, its store on a file in a temp dir, an hour offline written into it
//! (`hour.rs`), and what then waits in its outbox.

use hotspotd::proto::events::EventBody;
use hotspotd::store::{SharedStore, Store, Trust};
use hotspotd::sync::Running;
use hotspotd::sync::register::{Registration, register};

use super::hour;

/// The gateway as sync sees it: nobody online, every change accepted.
pub struct Idle;

impl Running for Idle {
    async fn online(&self) -> usize {
        0
    }
    async fn settings_saved(&self) -> Result<(), String> {
        Ok(())
    }
    async fn log_off(&self, _user: i64) -> Result<(), String> {
        Ok(())
    }
    async fn usage_merged(&self, _user: i64) -> Result<(), String> {
        Ok(())
    }
}

/// A registered unit with an hour in its outbox.
pub struct Unit {
    pub id: i64,
    pub store: SharedStore,
    pub dir: tempfile::TempDir,
    pub last_seq: i64,
    pub records: usize,
}

/// What waits in a unit's outbox.
#[derive(Default)]
pub struct Outbox {
    pub records: usize,
    pub json_bytes: usize,
    /// Records per kind, in `KINDS` order.
    pub kinds: [usize; 5],
}

pub const KINDS: [&str; 5] = ["guest", "consent", "start", "stop", "usage"];

fn kind(body: &EventBody) -> Option<usize> {
    match body {
        EventBody::Guest(_) => Some(0),
        EventBody::Consent(_) => Some(1),
        EventBody::SessionStart(_) => Some(2),
        EventBody::SessionStop(_) => Some(3),
        EventBody::Usage(_) => Some(4),
        _ => None,
    }
}

/// Bytes of the store's database and its write-ahead log.
pub fn file_bytes(dir: &std::path::Path) -> u64 {
    ["hotspotd.db", "hotspotd.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

/// Registers unit `k` with `token` and writes its hour offline.
pub async fn offline_unit(base: &str, token: String, k: usize, sessions: i64) -> (Unit, Outbox) {
    let registration = Registration {
        manager: base.to_string(),
        token,
        name: format!("unit-{k}"),
        trust: Trust::default(),
    };
    let identity = register(&registration, hotspotd::gateway::now())
        .await
        .expect("register");
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("hotspotd.db")).unwrap();
    store.save_identity(&identity).unwrap();
    let store = SharedStore::new(store);
    let now = hotspotd::gateway::now();
    let events = store
        .run(move |s| {
            hour::fill(s, sessions, k, now)?;
            s.outbox_batch(u32::MAX)
        })
        .await
        .expect("an hour of records");
    let mut outbox = Outbox::default();
    for e in &events {
        outbox.records += 1;
        outbox.json_bytes += serde_json::to_vec(e).map_or(0, |v| v.len());
        if let Some(i) = kind(&e.body) {
            outbox.kinds[i] += 1;
        }
    }
    assert_eq!(outbox.kinds.iter().sum::<usize>(), outbox.records);
    let unit = Unit {
        id: identity.unit_id,
        store,
        dir,
        last_seq: events.last().map_or(0, |e| e.seq),
        records: events.len(),
    };
    (unit, outbox)
}
