//! The unit's sync task against the manager's real sync code (its router served on loopback,
//! SQLite): a voucher made through the manager's API reaches the unit's store within the
//! delay measured here; sessions the unit records appear in the manager's sessions API with
//! their bytes; the manager's server stopped while sessions come and go, then back: every
//! session arrives once, ended, with its final bytes.

mod common;

use std::time::{Duration, Instant};

use common::manager::{Who, World, world};
use common::sync_unit::{Unit, a_session, free_addr, serve, unit, until};
use hotspotd::model::voucher_code::VoucherCode;

async fn sessions(w: &World, h: i64) -> Vec<serde_json::Value> {
    let path = format!("/api/v1/hotspots/{h}/sessions?limit=500");
    let (_, _, text) = w.send(Who::ResellerA, "GET", &path, None).await;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    v["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn vouchers_come_down_fast_and_sessions_go_up_once_across_a_manager_outage() {
    let (_dir, w) = world().await;
    let addr = free_addr();
    let server = serve(w.app.clone(), addr).await;
    let h = w.hotspot[0];
    let Unit {
        _dir: _unit_dir,
        store,
        voucher_key,
        cancel,
        task,
    } = unit(&w, addr).await;

    // Vouchers made at the manager's desk, one at a time, timed until the unit holds them.
    let mut delays = Vec::new();
    let mut hashes = Vec::new();
    for _ in 0..20 {
        let path = format!("/api/v1/hotspots/{h}/vouchers");
        let started = Instant::now();
        let (status, _, text) = w
            .send(
                Who::ResellerA,
                "POST",
                &path,
                Some(r#"{"count":1,"uses":"unlimited"}"#),
            )
            .await;
        assert!(status.is_success(), "{status} {text}");
        let created: serde_json::Value = serde_json::from_str(&text).unwrap();
        let code = VoucherCode::parse(created["codes"][0].as_str().unwrap()).unwrap();
        let hash = code.keyed_hash(&voucher_key);
        let probe = hash.clone();
        until("the voucher at the unit", async || {
            let probe = probe.clone();
            store
                .run(move |s| s.user_by_code_hash(&probe))
                .await
                .unwrap()
        })
        .await;
        delays.push(started.elapsed());
        hashes.push(hash);
    }
    delays.sort();
    let p50 = delays[delays.len() / 2];
    let p99 = delays[delays.len() - 1];
    println!(
        "voucher manager -> unit store: p50 {p50:?}, p99 {p99:?} (n = {})",
        delays.len()
    );
    assert!(p99 < Duration::from_secs(2), "p99 {p99:?}");

    // A settings change (a MAC allowed) and a revoked voucher come down too.
    let base = format!("/api/v1/hotspots/{h}");
    let mac = r#"{"mac":"02:00:00:00:00:0a"}"#;
    let (status, _, text) = w
        .send(Who::ResellerA, "POST", &format!("{base}/macs"), Some(mac))
        .await;
    assert!(status.is_success(), "{status} {text}");
    let (_, _, list) = w
        .send(Who::ResellerA, "GET", &format!("{base}/vouchers"), None)
        .await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let last = list["items"][0]["id"].as_i64().unwrap();
    let path = format!("{base}/vouchers/{last}/revoked");
    let (status, _, text) = w.send(Who::ResellerA, "PUT", &path, Some("")).await;
    assert!(status.is_success(), "{status} {text}");
    until("the settings and the revocation at the unit", async || {
        store
            .run(|s| {
                let doc = serde_json::to_string(&s.hotspot_settings()?).unwrap_or_default();
                let revoked = s
                    .list_users(true)?
                    .iter()
                    .filter(|u| u.disabled_at.is_some())
                    .count();
                let applied = s.sync_state()?.unwrap().applied_revision;
                Ok(
                    (doc.contains("02:00:00:00:00:0a") && revoked == 1 && applied > 0)
                        .then_some(()),
                )
            })
            .await
            .unwrap()
    })
    .await;

    // Sessions while the manager answers.
    for (i, hash) in hashes.iter().take(5).enumerate() {
        a_session(
            &store,
            hash.clone(),
            format!("02:00:00:00:00:{i:02x}"),
            1000 * (i as u64 + 1),
        )
        .await;
    }
    let seen = until("5 sessions at the manager", async || {
        let s = sessions(&w, h).await;
        (s.len() == 5 && s.iter().all(|x| !x["ended_at"].is_null())).then_some(s)
    })
    .await;
    let mut bytes: Vec<i64> = seen
        .iter()
        .map(|s| s["bytes_down"].as_i64().unwrap())
        .collect();
    bytes.sort();
    assert_eq!(bytes, [1000, 2000, 3000, 4000, 5000]);

    // The manager's server goes away; sessions go on; it comes back on the same address.
    server.abort();
    let _ = server.await;
    for (i, hash) in hashes.iter().enumerate().skip(5) {
        a_session(&store, hash.clone(), format!("02:00:00:00:01:{i:02x}"), 7).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (depth, failing) = store
        .run(|s| {
            Ok((
                s.outbox_stats(0)?.depth,
                s.sync_state()?.unwrap().last_error,
            ))
        })
        .await
        .unwrap();
    assert!(depth >= 15 * 3, "kept while the manager is away: {depth}");
    assert!(failing.is_some(), "the failure shows in the status");
    let server = serve(w.app.clone(), addr).await;
    let all = until("every session once", async || {
        let s = sessions(&w, h).await;
        let depth = store.run(|s| s.outbox_stats(0)).await.unwrap().depth;
        (depth == 0 && s.len() >= 20).then_some(s)
    })
    .await;
    assert_eq!(all.len(), 20, "each session once");
    assert!(
        all.iter().all(|s| !s["ended_at"].is_null()),
        "every one ended"
    );
    let small = all.iter().filter(|s| s["bytes_down"] == 7).count();
    assert_eq!(small, 15, "with their final bytes");
    cancel.cancel();
    task.await.unwrap();
    server.abort();
}
