//! `hotspotd run` in the namespace lab, registered through `[sync]` with the manager's real
//! sync code (its router, served by this test on loopback inside the gateway's namespace):
//! vouchers made through the manager's API let a guest in (delay measured); a guest's real
//! traffic shows in the manager's sessions API with its bytes; the manager's server stopped
//! while guests log in and out, then back: every session arrives once, ended.

mod common;

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::lab::Lab;
use common::manager::{Who, World, world};
use common::sync_client::{SyncClient, now, registered, token};
use hotspotd::model::voucher_code::VoucherCode;
use hotspotd::proto::events::{Counters, Event, EventBatch, EventBody, SessionStart, SessionStop};
use hotspotd::store::{ManagerLink, Store, UnitIdentity};
use tokio::task::{JoinHandle, block_in_place};

/// A listener on 127.0.0.1:`port` (0: any) inside namespace `ns`.
fn listener_in(ns: &str, port: u16) -> std::net::TcpListener {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).unwrap();
        // SAFETY: setns on a namespace file we hold open; it changes only this thread.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        listener
    })
    .join()
    .unwrap()
}

fn serve(w: &World, listener: std::net::TcpListener) -> JoinHandle<()> {
    let app = w.app.clone();
    tokio::spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let _ = axum::serve(listener, app).await;
    })
}

async fn api(w: &World, method: &str, path: &str, body: Option<&str>) -> serde_json::Value {
    let (status, _, text) = w.send(Who::ResellerA, method, path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

async fn sessions(w: &World, h: i64) -> Vec<serde_json::Value> {
    let v = api(
        w,
        "GET",
        &format!("/api/v1/hotspots/{h}/sessions?limit=500"),
        None,
    )
    .await;
    v["items"].as_array().cloned().unwrap_or_default()
}

async fn until<T>(what: &str, secs: u64, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The lab's daemon as a unit of the manager `w` serves on loopback in its namespace,
/// registered through `[sync]` at start: the server, its port, the unit's database and
/// identity.
struct Unit {
    server: JoinHandle<()>,
    port: u16,
    db: PathBuf,
    identity: UnitIdentity,
}

async fn unit_of(w: &World, lab: &mut Lab) -> Unit {
    let listener = listener_in(&lab.gw(), 0);
    let port = listener.local_addr().unwrap().port();
    let server = serve(w, listener);
    let (_, secret) = token(w, Who::ResellerA, w.hotspot[0]).await;
    let base = std::fs::read_to_string(&lab.config).unwrap();
    let sync = format!(
        "\n[sync]\nmanager = \"http://127.0.0.1:{port}\"\ntoken = \"{secret}\"\ninterim_secs = 10\n"
    );
    std::fs::write(&lab.config, base + &sync).unwrap();
    block_in_place(|| lab.start_daemon());
    let db = lab.config.parent().unwrap().join("data/hotspotd.db");
    let identity = until("registration at start", 30, async || {
        Store::open(&db).ok()?.identity().ok()?
    })
    .await;
    Unit {
        server,
        port,
        db,
        identity,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registered_unit_admits_manager_vouchers_and_reports_sessions_across_an_outage() {
    common::netns::require_root();
    let (_dir, w) = world().await;
    let h = w.hotspot[0];
    let mut lab = block_in_place(|| Lab::without_daemon(1, ""));
    let Unit {
        mut server,
        port,
        db,
        identity,
    } = unit_of(&w, &mut lab).await;
    let voucher_key = hex::decode(&identity.voucher_key).unwrap();

    // Vouchers made at the manager: how long until the unit admits them.
    let mut delays = Vec::new();
    let mut codes = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let created = api(
            &w,
            "POST",
            &format!("/api/v1/hotspots/{h}/vouchers"),
            Some(r#"{"count":1}"#),
        )
        .await;
        let code = created["codes"][0].as_str().unwrap().to_string();
        let hash = VoucherCode::parse(&code).unwrap().keyed_hash(&voucher_key);
        until("the voucher at the unit", 10, async || {
            Store::open(&db).ok()?.user_by_code_hash(&hash).ok()?
        })
        .await;
        delays.push(started.elapsed());
        codes.push(code);
    }
    delays.sort();
    let (p50, p99) = (delays[delays.len() / 2], delays[delays.len() - 1]);
    println!(
        "manager voucher -> unit: p50 {p50:?}, p99 {p99:?} (n = {})",
        delays.len()
    );
    assert!(p99 < Duration::from_secs(2), "p99 {p99:?}");

    // A guest logs in with the first one, downloads, logs out: the manager sees the bytes.
    const MIB: u64 = 1 << 20;
    block_in_place(|| {
        assert_eq!(lab.login(1, &codes[0], "").0, "303", "{}", lab.log());
        assert_eq!(lab.downloaded(1, MIB, 4), MIB);
        assert_eq!(lab.logout(1), "200");
    });
    let first = until("the session at the manager", 15, async || {
        let s = sessions(&w, h).await;
        s.into_iter().find(|s| !s["ended_at"].is_null())
    })
    .await;
    assert!(
        first["bytes_down"].as_i64().unwrap() >= MIB as i64,
        "{first}"
    );

    // The manager's server goes away while guests come and go; then it is back.
    server.abort();
    let _ = server.await;
    block_in_place(|| {
        for code in &codes[1..5] {
            assert_eq!(lab.login(1, code, "").0, "303", "offline, the unit decides");
            assert_eq!(lab.logout(1), "200");
        }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let waiting = Store::open(&db).unwrap().outbox_stats(0).unwrap().depth;
    assert!(
        waiting >= 4 * 3,
        "kept while the manager is away: {waiting}"
    );
    server = serve(&w, listener_in(&lab.gw(), port));
    let all = until("every session once", 30, async || {
        let s = sessions(&w, h).await;
        let depth = Store::open(&db).ok()?.outbox_stats(0).ok()?.depth;
        (depth == 0 && s.len() >= 5).then_some(s)
    })
    .await;
    assert_eq!(all.len(), 5, "each session once: {all:?}");
    assert!(
        all.iter().all(|s| !s["ended_at"].is_null()),
        "every one ended"
    );
    let out = lab.cli(&["sync", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["registered"], true, "{status}");
    assert_eq!(status["outbox"]["depth"], 0, "{status}");
    assert!(
        status["last_success"].is_i64() && status["cursor"].as_i64() > Some(0),
        "{status}"
    );
    let text = String::from_utf8_lossy(&lab.cli(&["sync", "status"]).stdout).into_owned();
    assert!(
        text.contains(&format!("127.0.0.1:{port} (unit {})", identity.unit_id)),
        "{text}"
    );
    server.abort();
}

/// Devices of `user` online at the unit's other units, as its store holds them.
fn remote_online(db: &std::path::Path, user: i64) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT COALESCE(SUM(online), 0) FROM remote_usage WHERE user_id = ?1",
        [user],
        |r| r.get(0),
    )
    .unwrap()
}

async fn post(w: &World, unit: &SyncClient, seq: i64, body: EventBody) {
    let batch = EventBatch {
        protocol: 1,
        events: vec![Event {
            seq,
            at: now(),
            body,
        }],
        health: None,
    };
    let reply = unit
        .call(
            &w.app,
            "POST",
            "/sync/v1/events",
            &serde_json::to_vec(&batch).unwrap(),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
}

/// A voucher for one device at a time is online at unit B (a second unit played by this
/// test over the real protocol): the lab's unit A refuses it while the manager is
/// reachable, admits it once B's session stopped, and decides alone (admits) once the
/// manager is gone, however stale its count of B's devices.
#[tokio::test(flavor = "multi_thread")]
async fn shared_users_count_at_every_unit_while_the_manager_is_reachable() {
    common::netns::require_root();
    let (_dir, w) = world().await;
    let h = w.hotspot[0];
    let mut lab = block_in_place(|| Lab::without_daemon(1, ""));
    let a = unit_of(&w, &mut lab).await;
    let b = registered(&w, "bar").await;
    let created = api(
        &w,
        "POST",
        &format!("/api/v1/hotspots/{h}/vouchers"),
        Some(r#"{"count":1,"uses":"unlimited","shared_users":1}"#),
    )
    .await;
    let code = created["codes"][0].as_str().unwrap().to_string();
    let voucher_key = hex::decode(&a.identity.voucher_key).unwrap();
    let hash = VoucherCode::parse(&code).unwrap().keyed_hash(&voucher_key);
    let user = until("the voucher at unit A", 10, async || {
        Store::open(&a.db).ok()?.user_by_code_hash(&hash).ok()?
    })
    .await;
    let profile: String = rusqlite::Connection::open(&a.db)
        .unwrap()
        .query_row(
            "SELECT p.name FROM user_profiles up JOIN profiles p ON p.id = up.profile_id
             WHERE up.user_id = ?1",
            [user.id],
            |r| r.get(0),
        )
        .unwrap();
    let session = |uid: &str| {
        EventBody::SessionStart(SessionStart {
            uid: uid.into(),
            guest_uid: format!("guest-{uid}"),
            user: hex::encode(&hash),
            profile: profile.clone(),
            mac: "02:00:00:00:0b:01".into(),
            ip: "10.9.0.7".into(),
            started_at: now(),
        })
    };
    let stopped = |uid: &str| {
        EventBody::SessionStop(SessionStop {
            uid: uid.into(),
            ended_at: now(),
            counters: Counters::default(),
            cause: "user-request".into(),
        })
    };
    let refused = |lab: &Lab| {
        let (status, text, _) = lab.login(1, &code, "");
        assert_eq!(status, "403", "{text}");
        assert!(text.contains("another access point"), "{text}");
    };

    // B's guest comes and goes: how long until A counts it, and stops counting it.
    let (mut starts, mut stops) = (Vec::new(), Vec::new());
    let mut seq = 0;
    for i in 0..5 {
        seq += 1;
        let t = Instant::now();
        post(&w, &b, seq, session(&format!("b-{i}"))).await;
        until("A counts B's device", 10, async || {
            (remote_online(&a.db, user.id) == 1).then_some(())
        })
        .await;
        starts.push(t.elapsed());
        block_in_place(|| refused(&lab));
        seq += 1;
        let t = Instant::now();
        post(&w, &b, seq, stopped(&format!("b-{i}"))).await;
        until("A forgets B's device", 10, async || {
            (remote_online(&a.db, user.id) == 0).then_some(())
        })
        .await;
        stops.push(t.elapsed());
    }
    starts.sort();
    stops.sort();
    println!("B's start -> counted at A: {starts:?}; B's stop -> forgotten at A: {stops:?}");
    assert!(starts[4] < Duration::from_secs(2) && stops[4] < Duration::from_secs(2));
    block_in_place(|| {
        assert_eq!(
            lab.login(1, &code, "").0,
            "303",
            "B's guest left: {}",
            lab.log()
        );
        assert_eq!(lab.logout(1), "200");
    });

    // B's guest is back, then the manager goes away: A's count of B's devices is stale and
    // A decides alone.
    post(&w, &b, seq + 1, session("b-last")).await;
    until("A counts B's device", 10, async || {
        (remote_online(&a.db, user.id) == 1).then_some(())
    })
    .await;
    block_in_place(|| refused(&lab));
    a.server.abort();
    let _ = a.server.await;
    until("A sees the manager gone", 120, async || {
        let state = Store::open(&a.db).ok()?.sync_state().ok()??;
        (state.link(now()) == ManagerLink::Unreachable).then_some(())
    })
    .await;
    assert_eq!(remote_online(&a.db, user.id), 1, "the stale count is kept");
    block_in_place(|| {
        assert_eq!(
            lab.login(1, &code, "").0,
            "303",
            "partitioned, A decides: {}",
            lab.log()
        );
    });
}

/// A voucher used on two units at once: this unit reports its guest's usage while the
/// session goes on (at each interim), and counts another unit's usage as soon as the manager
/// merges it, not only at the guest's next login: the online guest is cut off when the two
/// together pass the quota.
#[tokio::test(flavor = "multi_thread")]
async fn an_online_guest_counts_another_units_usage_as_it_arrives() {
    common::netns::require_root();
    let (_dir, w) = world().await;
    let base = format!("/api/v1/hotspots/{}", w.hotspot[0]);
    let cap = api(
        &w,
        "POST",
        &format!("{base}/limitations"),
        Some(r#"{"name":"mb","transfer":"1MB"}"#),
    )
    .await;
    let profile = api(
        &w,
        "POST",
        &format!("{base}/profiles"),
        Some(r#"{"name":"quota","validity":"1d","shared_users":2}"#),
    )
    .await;
    let attach = format!(
        "{base}/profiles/{}/limitations/{}",
        profile["id"], cap["id"]
    );
    api(&w, "PUT", &attach, Some("{}")).await;
    let created = api(
        &w,
        "POST",
        &format!("{base}/vouchers"),
        Some(r#"{"count":1,"profile":"quota","uses":"unlimited"}"#),
    )
    .await;
    let code = created["codes"][0].as_str().unwrap().to_string();
    let mut lab = block_in_place(|| Lab::without_daemon(1, ""));
    let unit = unit_of(&w, &mut lab).await;
    let hash = VoucherCode::parse(&code)
        .unwrap()
        .keyed_hash(&hex::decode(&unit.identity.voucher_key).unwrap());
    until("the voucher at the unit", 10, async || {
        Store::open(&unit.db).ok()?.user_by_code_hash(&hash).ok()?
    })
    .await;

    // Online here with 300 kB used: the manager hears of it at the next interim.
    block_in_place(|| {
        assert_eq!(lab.login(1, &code, "").0, "303", "{}", lab.log());
        assert_eq!(lab.downloaded(1, 300_000, 5), 300_000);
    });
    let user = hex::encode(&hash);
    let here = until(
        "this unit's usage while the session goes on",
        30,
        async || {
            let user = user.clone();
            let down =
                w.db.tx(hotspotd::manager::db::Mode::Read, move |c| {
                    c.query(
                        "SELECT bytes_down FROM unit_usage WHERE username = $1",
                        &[user.into()],
                    )?
                    .first()
                    .map(|r| r.int(0))
                    .transpose()
                })
                .await
                .ok()??;
            (down >= 300_000).then_some(down)
        },
    )
    .await;
    assert!(
        block_in_place(|| lab.client(1)).is_some(),
        "reported while online"
    );
    println!("usage reported by the interim while online: {here} bytes down");

    // Another unit reports 800 kB of the same voucher: together past 1 MB, the guest here
    // is cut off without logging in again.
    let other = registered(&w, "bar").await;
    let usage = hotspotd::proto::events::UsageReport {
        user,
        profile: "quota".into(),
        first_start: now() - 60,
        bytes_down: 800_000,
        bytes_up: 0,
        uptime_secs: 60,
        logins: 1,
    };
    let started = Instant::now();
    post(&w, &other, 1, EventBody::Usage(usage)).await;
    until("the guest cut off here", 15, async || {
        block_in_place(|| lab.client(1)).is_none().then_some(())
    })
    .await;
    println!(
        "another unit's usage ended the online guest here after {:?}",
        started.elapsed()
    );
    let cause: String = rusqlite::Connection::open(&unit.db)
        .unwrap()
        .query_row("SELECT end_cause FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(cause, "quota-exhausted");
    block_in_place(|| {
        assert_eq!(lab.login(1, &code, "").0, "403", "used up across the units");
        lab.stop_daemon("TERM");
    });
    unit.server.abort();
}
