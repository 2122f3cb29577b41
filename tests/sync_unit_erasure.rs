//! An erasure at the manager reaches the unit: the unit's real sync task and store against the
//! manager's router on loopback (SQLite). Two guests log in on the unit and reach the manager;
//! the reseller erases one through the API; the unit's store then holds nothing of that guest
//! (every table of its database searched for the email and MAC). Then a guest erased on the
//! unit is erased at the manager.

mod common;

use common::manager::{Who, World, world};
use common::sync_unit::{Unit, a_guest_session, free_addr, serve, unit, until};
use hotspotd::model::guest::Method;
use hotspotd::model::voucher_code::VoucherCode;
use hotspotd::store::EraseOutcome;

/// Every row of every table of the unit's database, as text.
fn dump(path: &std::path::Path) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| match r.get_ref(i) {
                        Ok(rusqlite::types::ValueRef::Text(b)) => {
                            String::from_utf8_lossy(b).into_owned()
                        }
                        Ok(v) => format!("{v:?}"),
                        Err(e) => e.to_string(),
                    })
                    .collect();
                Ok(format!("{t}: {}", cells.join(" | ")))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

async fn guest_at_manager(w: &World, h: i64, q: &str) -> Option<i64> {
    let path = format!("/api/v1/hotspots/{h}/guests?q={q}");
    let (_, _, text) = w.send(Who::ResellerA, "GET", &path, None).await;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["items"][0]["id"].as_i64()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_erasure_at_the_manager_reaches_the_units_store() {
    let (_dir, w) = world().await;
    let addr = free_addr();
    let server = serve(w.app.clone(), addr).await;
    let h = w.hotspot[0];
    let Unit {
        _dir: unit_dir,
        store,
        voucher_key,
        cancel,
        task,
    } = unit(&w, addr).await;

    let path = format!("/api/v1/hotspots/{h}/vouchers");
    let body = r#"{"count":2,"uses":"unlimited"}"#;
    let (status, _, text) = w.send(Who::ResellerA, "POST", &path, Some(body)).await;
    assert!(status.is_success(), "{status} {text}");
    let created: serde_json::Value = serde_json::from_str(&text).unwrap();
    let hashes: Vec<Vec<u8>> = (0..2)
        .map(|i| {
            let code = VoucherCode::parse(created["codes"][i].as_str().unwrap()).unwrap();
            code.keyed_hash(&voucher_key)
        })
        .collect();
    for hash in &hashes {
        let probe = hash.clone();
        until("the voucher at the unit", async || {
            let probe = probe.clone();
            store
                .run(move |s| s.user_by_code_hash(&probe))
                .await
                .unwrap()
        })
        .await;
    }
    let guests = [
        ("ann@example.com", "02:00:00:00:00:0a"),
        ("bob@example.com", "02:00:00:00:00:0b"),
    ];
    for ((email, mac), hash) in guests.iter().zip(hashes) {
        let identity = Some((Method::Email, email.to_string()));
        a_guest_session(&store, hash, mac.to_string(), 1_000, identity).await;
    }
    let ann = until("Ann at the manager", async || {
        guest_at_manager(&w, h, "ann").await
    })
    .await;
    until("Bob at the manager", async || {
        guest_at_manager(&w, h, "bob").await
    })
    .await;

    let erase = format!("/api/v1/hotspots/{h}/guests/{ann}/erase");
    let (status, _, text) = w.send(Who::ResellerA, "POST", &erase, Some("")).await;
    assert!(status.is_success(), "{status} {text}");
    until("Ann erased at the unit", async || {
        store
            .run(|s| s.guest_by_identity(Method::Email, "ann@example.com"))
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;

    // The other way: Bob erased on the unit (`hotspotd guests erase`) is erased at the
    // manager too, through the outbox.
    let bob = until("Bob at the manager", async || {
        guest_at_manager(&w, h, "bob").await
    })
    .await;
    let erased = store
        .run(|s| {
            let g = s
                .guest_by_identity(Method::Email, "bob@example.com")?
                .unwrap();
            s.erase_guest(g.id, hotspotd::gateway::now())
        })
        .await
        .unwrap();
    assert_eq!(erased, EraseOutcome::Erased);
    let data = format!("/api/v1/hotspots/{h}/guests/{bob}/data");
    until("Bob erased at the manager", async || {
        let (_, _, text) = w.send(Who::ResellerA, "GET", &data, None).await;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["guest"]["erased_at"].as_i64()
    })
    .await;
    let at_manager = w.dump().await;
    for needle in ["bob@example.com", "02:00:00:00:00:0b", "ann@example.com"] {
        assert!(
            !at_manager.iter().any(|r| r.contains(needle)),
            "{needle} at the manager"
        );
    }
    cancel.cancel();
    task.await.unwrap();
    server.abort();

    let rows = dump(&unit_dir.path().join("hotspotd.db"));
    for (needle, expected) in [
        ("ann@example.com", 0),
        ("02:00:00:00:00:0a", 0),
        ("bob@example.com", 0),
        ("02:00:00:00:00:0b", 0),
        ("10.0.0.9", 0),
    ] {
        let hits: Vec<&String> = rows.iter().filter(|r| r.contains(needle)).collect();
        assert_eq!(
            hits.is_empty(),
            expected == 0,
            "{needle} in the unit's database: {hits:#?}"
        );
    }
    // Both sessions stay, anonymised (the unit's own reports still count them).
    let erased = rows
        .iter()
        .filter(|r| r.starts_with("sessions: ") && r.contains("| erased |"))
        .count();
    assert_eq!(erased, 2, "{rows:#?}");
}
