//! kill -9 loses and doubles nothing: the real daemon in the namespace lab, registered through
//! `[sync]` with a real `hotspotd manager` process (SQLite, in the gateway's namespace). While
//! the manager is down guests log in and out until hundreds of records wait; then (a) the
//! manager is back and the unit is SIGKILLed while it uploads, and restarted; (b) the same
//! again with the manager SIGKILLed while it ingests, and restarted. In the end every session
//! of the unit is on the manager once, ended, with the unit's final bytes, and the manager's
//! `events_ingested` is exactly the records that waited (plus the restart's `unit_started`).

mod common;

use std::time::{Duration, Instant};

use common::lab::Lab;
use common::manager::{Backend, Who, World};
use common::manager_process::ManagerProcess;
use common::sync_client::token;
use tokio::task::block_in_place;

/// Sessions each outage makes (each leaves a start, a stop and a usage report waiting).
const LOGINS: usize = 150;

fn one(db: &std::path::Path, sql: &str) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("{}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every session as (uid, bytes down, bytes up, ended) in uid order.
fn sessions(db: &std::path::Path, sql: &str) -> Vec<(String, i64, i64, bool)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn wait(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn guests_come_and_go(lab: &Lab, code: &str) {
    for _ in 0..LOGINS {
        assert_eq!(lab.login(1, code, "").0, "303", "{}", lab.log());
        assert_eq!(lab.logout(1), "200");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_of_the_unit_mid_upload_and_of_the_manager_mid_ingest_lose_and_double_nothing() {
    common::netns::require_root();
    let dir = tempfile::tempdir().unwrap();
    let w = World::new(&Backend::Sqlite(dir.path().to_path_buf()), 1).await;
    let manager_db = dir.path().join("m1.db");
    let h = w.hotspot[0];
    let (_, secret) = token(&w, Who::ResellerA, h).await;
    let (status, _, text) = w
        .send(
            Who::ResellerA,
            "POST",
            &format!("/api/v1/hotspots/{h}/vouchers"),
            Some(r#"{"count":1,"uses":"unlimited"}"#),
        )
        .await;
    assert!(status.is_success(), "{status} {text}");
    let created: serde_json::Value = serde_json::from_str(&text).unwrap();
    let code = created["codes"][0].as_str().unwrap().to_string();

    block_in_place(|| {
        let mut lab = Lab::without_daemon(1, "");
        let listen = "127.0.0.1:47443";
        let url = format!("http://{listen}");
        let mut manager = ManagerProcess::start_on(Some(&lab.gw()), listen, &url, &w.url);
        let base = std::fs::read_to_string(&lab.config).unwrap();
        let sync = format!("\n[sync]\nmanager = \"{url}\"\ntoken = \"{secret}\"\n");
        std::fs::write(&lab.config, base + &sync).unwrap();
        lab.start_daemon();
        let unit_db = lab.config.parent().unwrap().join("data/hotspotd.db");
        let depth = || one(&unit_db, "SELECT COUNT(*) FROM outbox");
        let ingested = || one(&manager_db, "SELECT events_ingested FROM units");
        // The voucher comes down; a first session goes up.
        wait("the voucher at the unit", 30, || {
            lab.login(1, &code, "").0 == "303"
        });
        assert_eq!(lab.logout(1), "200");
        wait("the first records at the manager", 30, || {
            depth() == 0 && ingested() > 0
        });
        let before = ingested();

        // (a) Records wait; the manager is back; the unit is killed while it uploads.
        manager.kill9();
        guests_come_and_go(&lab, &code);
        let waiting_a = depth();
        manager.restart();
        wait("the upload under way", 60, || depth() < waiting_a);
        lab.stop_daemon("KILL");
        let left_a = depth();
        let at_kill_a = ingested();
        lab.start_daemon();
        wait("the outbox drained after the unit's restart", 60, || {
            depth() == 0
        });
        let after_a = ingested();
        println!(
            "(a) unit SIGKILLed mid-upload: {waiting_a} records waiting, {left_a} left at the \
             kill ({} ingested by then); after the restart {} ingested (+1 unit_started)",
            at_kill_a - before,
            after_a - before
        );
        assert_eq!(after_a - before, waiting_a + 1, "each record once");

        // (b) Records wait again; the manager is back and killed while it ingests.
        manager.kill9();
        guests_come_and_go(&lab, &code);
        let waiting_b = depth();
        manager.restart();
        wait("the ingest under way", 60, || ingested() > after_a);
        manager.kill9();
        let left_b = depth();
        let at_kill_b = ingested();
        manager.restart();
        wait("the outbox drained after the manager's restart", 60, || {
            depth() == 0
        });
        let after_b = ingested();
        println!(
            "(b) manager SIGKILLed mid-ingest: {waiting_b} records waiting, {left_b} left at the \
             kill ({} ingested by then); after the restart {} ingested",
            at_kill_b - after_a,
            after_b - after_a
        );
        assert_eq!(after_b - after_a, waiting_b, "each record once");

        // Every session once, ended, with its final bytes; the sequence agrees.
        let unit = sessions(
            &unit_db,
            "SELECT uid, bytes_down, bytes_up, ended_at IS NOT NULL FROM sessions ORDER BY uid",
        );
        let held = sessions(
            &manager_db,
            "SELECT uid, bytes_down, bytes_up, ended_at IS NOT NULL FROM guest_sessions ORDER BY uid",
        );
        assert_eq!(unit.len(), 2 * LOGINS + 1);
        assert!(unit.iter().all(|s| s.3), "every session ended on the unit");
        assert_eq!(
            held, unit,
            "the manager holds each of the unit's sessions once"
        );
        let last_seq = one(
            &unit_db,
            "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'",
        );
        let acked = one(&manager_db, "SELECT acked_seq FROM units");
        println!(
            "{} sessions on the unit and the manager, all ended with equal bytes; outbox last seq \
             {last_seq}, manager acked {acked}, events_ingested {after_b}",
            unit.len()
        );
        assert_eq!(acked, last_seq);
    });
}
