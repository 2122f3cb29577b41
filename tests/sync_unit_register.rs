//! The unit's commands against the manager's real sync routes (its router served on
//! loopback): a reseller's one-time token registers the unit once; rotation is accepted with
//! the current key and the next rotation proves the manager took the new one; a unit the
//! reseller removed is refused with `unit_removed`, and `sync status` says why.

mod common;

use common::cli::CliSetup;
use common::manager::{Who, world};
use common::sync_client::token;
use hotspotd::store::Store;

/// Runs the CLI off the runtime (it starts its own).
async fn run(s: &std::sync::Arc<CliSetup>, args: &[&str]) -> (bool, String, String) {
    let (s, args): (_, Vec<String>) = (s.clone(), args.iter().map(|a| a.to_string()).collect());
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = s.run(&args);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_registers_once_rotation_and_removal_reach_the_unit() {
    let (_dir, w) = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = w.app.clone();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let h = w.hotspot[0];
    let (_, secret) = token(&w, Who::ResellerA, h).await;
    let s = std::sync::Arc::new(CliSetup::new());
    let register = ["unit", "register", "--manager", &url, "--token", &secret];

    let (ok, out, err) = run(&s, &register).await;
    assert!(ok, "{err}");
    let db = s.dir.path().join("data/hotspotd.db");
    let first = Store::open(&db).unwrap().identity().unwrap().unwrap();
    assert!(out.contains(&format!("hotspot {h}")), "{out}");
    let (_, _, units) = w
        .send(
            Who::ResellerA,
            "GET",
            &format!("/api/v1/hotspots/{h}/units"),
            None,
        )
        .await;
    let units: serde_json::Value = serde_json::from_str(&units).unwrap();
    assert_eq!(units["units"][0]["id"], first.unit_id, "{units}");

    // The token is spent: a second registration is refused and changes nothing.
    let (ok, _, err) = run(&s, &register).await;
    assert!(!ok && err.contains("token_used"), "{err}");
    assert_eq!(
        Store::open(&db).unwrap().identity().unwrap(),
        Some(first.clone())
    );

    for _ in 0..2 {
        let (ok, _, err) = run(&s, &["unit", "rotate"]).await;
        assert!(ok, "{err}");
    }
    let rotated = Store::open(&db).unwrap().identity().unwrap().unwrap();
    assert_ne!(rotated.private_key, first.private_key);

    let path = format!("/api/v1/hotspots/{h}/units/{}/removed", first.unit_id);
    let body = r#"{"reason": "stolen from the lobby"}"#;
    let (status, _, text) = w.send(Who::ResellerA, "PUT", &path, Some(body)).await;
    assert!(status.is_success(), "{status} {text}");
    let (ok, _, err) = run(&s, &["unit", "rotate"]).await;
    assert!(!ok && err.contains("unit_removed"), "{err}");
    assert!(err.contains("stolen from the lobby"), "{err}");
    assert_eq!(
        Store::open(&db).unwrap().identity().unwrap(),
        Some(rotated),
        "a refused rotation keeps the key"
    );
}
