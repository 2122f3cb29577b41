//! The unit's sync task against a manager on loopback that checks every signature: the
//! outbox goes up oldest first and only what was acknowledged is deleted (a manager that is
//! down loses nothing and the task retries), a voucher from the change feed is stored with
//! the cursor, and a removal stops the task with its reason in the status.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::Query;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::sync_unit::Idle;
use hotspotd::model::entities::NewProfile;
use hotspotd::model::limitation::OutsideWindows;
use hotspotd::model::profile::{ProfileClock, Starts};
use hotspotd::model::voucher::unique_codes;
use hotspotd::proto::auth::{self, Signed, UnitKey};
use hotspotd::proto::changes::{Change, ChangesResponse, Voucher, VoucherTerms};
use hotspotd::proto::events::{EventAck, EventBatch};
use hotspotd::proto::{ErrorBody, WireError};
use hotspotd::store::{SharedStore, Store, Trust, UnitIdentity};
use hotspotd::sync::{Ctx, run};
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Manager {
    public_key: Mutex<String>,
    /// Sequence numbers received, in order, duplicates included.
    received: Mutex<Vec<i64>>,
    down: AtomicBool,
    removed: AtomicBool,
    bad_signatures: AtomicUsize,
    /// Code hashes of a voucher made from the profile "1h" and of one made from quick terms.
    voucher_hashes: Mutex<[String; 2]>,
}

fn refuse(status: StatusCode, code: &str) -> Response {
    let error = WireError {
        code: code.into(),
        message: format!("refused: {code}"),
    };
    (status, Json(ErrorBody { error })).into_response()
}

impl Manager {
    /// Checks the request's signature; the refusal to send otherwise.
    fn check(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<Response> {
        if self.down.load(Ordering::SeqCst) {
            return Some(refuse(StatusCode::SERVICE_UNAVAILABLE, "down"));
        }
        if self.removed.load(Ordering::SeqCst) {
            return Some(refuse(StatusCode::FORBIDDEN, "unit_removed"));
        }
        let header = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let signed = Signed {
            unit: header(auth::HEADER_UNIT).parse().unwrap_or(0),
            time: header(auth::HEADER_TIME).parse().unwrap_or(0),
            nonce: header(auth::HEADER_NONCE),
            signature: header(auth::HEADER_SIGNATURE),
        };
        let key = self.public_key.lock().unwrap().clone();
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
        if auth::verify_request(&key, method.as_str(), path, &signed, body).is_err() {
            self.bad_signatures.fetch_add(1, Ordering::SeqCst);
            return Some(refuse(StatusCode::UNAUTHORIZED, "bad_signature"));
        }
        None
    }
}

fn serve(m: Arc<Manager>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (m1, m2) = (m.clone(), m);
    let app = axum::Router::new()
        .route(
            "/sync/v1/events",
            post(move |method: Method, uri: Uri, headers: HeaderMap, body: axum::body::Bytes| async move {
                if let Some(refusal) = m1.check(&method, &uri, &headers, &body) {
                    return refusal;
                }
                let batch: EventBatch = serde_json::from_slice(&body).unwrap();
                assert!(batch.health.is_some(), "every push carries health");
                let mut received = m1.received.lock().unwrap();
                received.extend(batch.events.iter().map(|e| e.seq));
                let acked_through = received.iter().copied().max().unwrap_or(0);
                Json(EventAck { acked_through }).into_response()
            }),
        )
        .route(
            "/sync/v1/changes",
            get(move |method: Method, uri: Uri, headers: HeaderMap, Query(q): Query<std::collections::HashMap<String, i64>>| async move {
                if let Some(refusal) = m2.check(&method, &uri, &headers, b"") {
                    return refusal;
                }
                let cursor = q.get("cursor").copied().unwrap_or(-1);
                if cursor >= 7 {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    return Json(ChangesResponse { cursor, ..Default::default() }).into_response();
                }
                let [named, quick] = m2.voucher_hashes.lock().unwrap().clone();
                let named = Voucher {
                    code_hash: named,
                    profile: Some("1h".into()),
                    terms: None,
                    revoked: false,
                };
                let terms = VoucherTerms {
                    validity_secs: Some(7200),
                    starts: "first-logon".into(),
                    shared_users: 2,
                    max_logins: Some(3),
                    ..Default::default()
                };
                let quick = Voucher {
                    code_hash: quick,
                    profile: None,
                    terms: Some(terms),
                    revoked: false,
                };
                let changes = vec![Change::Voucher(named), Change::Unknown, Change::Voucher(quick)];
                Json(ChangesResponse { cursor: 7, reset: true, changes }).into_response()
            }),
        );
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    url
}

/// Waits up to 20 s for `done`.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_goes_up_exactly_the_feed_comes_down_and_removal_stops() {
    let manager = Arc::new(Manager::default());
    manager.down.store(true, Ordering::SeqCst);
    let url = serve(manager.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("hotspotd.db")).unwrap();
    let clock = ProfileClock {
        validity_secs: Some(3600),
        starts: Starts::FirstLogon,
    };
    store
        .insert_profile(
            &NewProfile {
                name: "1h".into(),
                name_for_users: "One hour".into(),
                owner: "admin".into(),
                clock,
                price_cents: None,
                shared_users: 1,
                outside_windows: OutsideWindows::Deny,
            },
            100,
        )
        .unwrap();
    let private_key = UnitKey::generate().unwrap();
    *manager.public_key.lock().unwrap() = UnitKey::from_pkcs8(&private_key).unwrap().public_hex();
    let voucher_key = vec![0x5a; 32];
    let codes = unique_codes(2).unwrap();
    *manager.voucher_hashes.lock().unwrap() = [
        hex::encode(codes[0].keyed_hash(&voucher_key)),
        hex::encode(codes[1].keyed_hash(&voucher_key)),
    ];
    store
        .save_identity(&UnitIdentity {
            unit_id: 3,
            hotspot_id: 1,
            manager_url: url,
            manager_key: "ab".repeat(32),
            voucher_key: hex::encode(&voucher_key),
            trust: Trust::default(),
            private_key,
            registered_at: 100,
        })
        .unwrap();
    for at in 0..450 {
        store.record_unit_started(&[], 1000 + at).unwrap();
    }
    let shared = SharedStore::new(store);
    let read = |shared: &SharedStore| {
        let shared = shared.clone();
        async move {
            shared
                .run(|s| Ok((s.outbox_stats(0)?.depth, s.sync_state()?.unwrap())))
                .await
                .unwrap()
        }
    };
    let cancel = CancellationToken::new();
    let ctx = Ctx {
        gateway: Arc::new(Idle),
        store: shared.clone(),
    };
    let task = tokio::spawn(run(ctx, None, cancel.clone()));

    // Down: nothing leaves the outbox, the failure is noted, and the task keeps trying.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (depth, state) = read(&shared).await;
    assert_eq!(depth, 450);
    assert!(
        state.last_error.as_deref().unwrap_or("").contains("down"),
        "{state:?}"
    );

    manager.down.store(false, Ordering::SeqCst);
    let m = manager.clone();
    until("every record", move || {
        m.received.lock().unwrap().len() >= 450
    })
    .await;
    let (_, state) = read(&shared).await;
    let received = manager.received.lock().unwrap().clone();
    assert_eq!(received.len(), 450, "each record once");
    assert!(received.windows(2).all(|w| w[0] < w[1]), "oldest first");
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| c.keyed_hash(&voucher_key)).collect();
    let mut vouchers = (None, None);
    for _ in 0..200 {
        let hashes = hashes.clone();
        vouchers = shared
            .run(move |s| {
                let user = |h: &[u8]| s.user_by_code_hash(h);
                Ok((user(&hashes[0])?, user(&hashes[1])?))
            })
            .await
            .unwrap();
        if vouchers.0.is_some() && vouchers.1.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        vouchers.0.is_some(),
        "the voucher of a named profile is stored"
    );
    let quick = vouchers.1.expect("the quick-terms voucher is stored");
    assert_eq!(quick.max_logins, Some(3));
    let (profile, queue) = shared
        .run(move |s| {
            let queue = s.assignments(quick.id, 0)?;
            Ok((s.profile(queue[0].profile_id)?.unwrap(), queue))
        })
        .await
        .unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(
        (profile.clock.validity_secs, profile.shared_users),
        (Some(7200), 2)
    );
    let (depth, state_after) = read(&shared).await;
    assert_eq!(depth, 0, "acknowledged records are deleted");
    assert_eq!(state_after.cursor, 7);
    assert!(state.last_success.is_some() && state_after.last_error.is_none());
    assert_eq!(manager.bad_signatures.load(Ordering::SeqCst), 0);

    manager.removed.store(true, Ordering::SeqCst);
    let mut stopped = None;
    for _ in 0..100 {
        let (_, s) = read(&shared).await;
        if s.removed.is_some() {
            stopped = s.removed;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stopped.unwrap_or_default().contains("unit_removed"));
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
}
