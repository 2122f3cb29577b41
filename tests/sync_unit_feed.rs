//! The unit's sync task applies what the manager's real sync code sends down (router on
//! loopback, SQLite): profiles and limitations and their removals, design images fetched by
//! hash before the settings naming them are put in force.

mod common;

use common::manager::{Who, world};
use common::sync_unit::{free_addr, serve, unit, until};
use hotspotd::model::voucher_code::VoucherCode;
use hotspotd::store::SharedStore;

/// The unit's profile `name`: its limitations' names and download rates.
async fn unit_profile(store: &SharedStore, name: &'static str) -> Option<Vec<(String, u64)>> {
    store
        .run(move |s| {
            Ok(s.profile_by_name(name)?.map(|p| {
                p.limitations
                    .iter()
                    .map(|a| {
                        let l = &a.limitation;
                        (l.name.clone(), l.rate_down_bps.unwrap_or_default())
                    })
                    .collect()
            }))
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn profiles_and_limitations_made_in_the_manager_come_down_and_a_removal_in_use_is_kept() {
    let (_dir, w) = world().await;
    let addr = free_addr();
    let server = serve(w.app.clone(), addr).await;
    let base = format!("/api/v1/hotspots/{}", w.hotspot[0]);
    let api = async |method: &str, path: String, body: &str| {
        let (status, _, text) = w.send(Who::ResellerA, method, &path, Some(body)).await;
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default()
    };
    let day = api(
        "POST",
        format!("{base}/profiles"),
        r#"{"name":"day","validity":"1d"}"#,
    )
    .await;
    let spare = api("POST", format!("{base}/profiles"), r#"{"name":"spare"}"#).await;
    let slow = api(
        "POST",
        format!("{base}/limitations"),
        r#"{"name":"slow","down":"2M"}"#,
    )
    .await;
    let (pid, lid) = (&day["id"], &slow["id"]);
    api(
        "PUT",
        format!("{base}/profiles/{pid}/limitations/{lid}"),
        "{}",
    )
    .await;
    let batch = api(
        "POST",
        format!("{base}/vouchers"),
        r#"{"count":1,"profile":"day"}"#,
    )
    .await;
    let code = VoucherCode::parse(batch["codes"][0].as_str().unwrap()).unwrap();
    let u = unit(&w, addr).await;
    let hash = code.keyed_hash(&u.voucher_key);

    let store = &u.store;
    let limits = until("the profile at the unit", async || {
        unit_profile(store, "day").await
    })
    .await;
    assert_eq!(limits, [("slow".to_string(), 2_000_000)]);
    let probe = hash.clone();
    let user = store
        .run(move |s| s.user_by_code_hash(&probe))
        .await
        .unwrap()
        .expect("the voucher names the profile, which came first");
    assert!(unit_profile(store, "spare").await.is_some());

    // Edited in the manager: the unit follows, on the same row.
    api(
        "PUT",
        format!("{base}/limitations/{lid}"),
        r#"{"name":"slow","down":"1M"}"#,
    )
    .await;
    until("the edit at the unit", async || {
        let limits = unit_profile(store, "day").await?;
        (limits == [("slow".to_string(), 1_000_000)]).then_some(())
    })
    .await;

    // Unused "spare" goes; "day", which the unit's voucher holds, is kept and reported.
    api("DELETE", format!("{base}/profiles/{}", spare["id"]), "").await;
    let list = api("GET", format!("{base}/vouchers"), "").await;
    let vid = &list["items"][0]["id"];
    api("DELETE", format!("{base}/vouchers/{vid}"), "").await;
    api("DELETE", format!("{base}/profiles/{pid}"), "").await;
    let kept = until("the removals at the unit", async || {
        let gone = unit_profile(store, "spare").await.is_none();
        let kept = store.run(|s| s.sync_kept_removals()).await.unwrap();
        (gone && !kept.is_empty()).then_some(kept)
    })
    .await;
    assert_eq!(kept, ["profile day"]);
    let status = store
        .run(|s| hotspotd::sync::status::read(s, 0))
        .await
        .unwrap();
    let text = hotspotd::sync::status::text(&status, 0);
    assert!(text.contains("Kept:           profile day"), "{text}");
    let probe = hash.clone();
    let after = store
        .run(move |s| s.user_by_code_hash(&probe))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.id, user.id);
    assert!(
        after.disabled_at.is_some(),
        "the deleted voucher is refused"
    );
    assert_eq!(unit_profile(store, "day").await.unwrap().len(), 1);
    u.cancel.cancel();
    u.task.await.unwrap();
    server.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_logo_is_fetched_by_hash_before_the_settings_naming_it_apply() {
    let (_dir, w) = world().await;
    let addr = free_addr();
    let server = serve(w.app.clone(), addr).await;
    let h = w.hotspot[0];
    let u = unit(&w, addr).await;
    let store = &u.store;
    until("the first answer", async || {
        let state = store.run(|s| s.sync_state()).await.unwrap()?;
        state.last_success.map(|_| ())
    })
    .await;

    let logo = common::splash::logo();
    let (status, text) = common::design::upload(&w, Who::DeskA, h, "logo", &logo, true).await;
    assert!(status.is_redirection(), "{status} {text}");
    let publish = format!("/hotspots/{h}/design/publish");
    let (status, _, text) = w
        .send(Who::DeskA, "POST", &publish, Some("revision=0"))
        .await;
    assert!(status.is_redirection(), "{status} {text}");
    let id = common::design::current(&w, h)
        .await
        .design
        .logo
        .expect("published logo");

    let applied = until("the settings with their logo at the unit", async || {
        store
            .run(|s| Ok(s.hotspot_settings()?.and_then(|d| d.design.logo)))
            .await
            .unwrap()
    })
    .await;
    assert_eq!(applied, id);
    let dir = store.run(|s| Ok(s.assets())).await.unwrap().unwrap();
    let stored = dir
        .get(&id)
        .unwrap()
        .expect("the image is stored before the settings");
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&stored));
    assert_eq!(hash, id.hash());

    // An image the manager cannot give as its id says: the settings naming it are not put in
    // force (the logo above stays), the status says why, and the feed goes on.
    let (status, text) =
        common::design::upload(&w, Who::DeskA, h, "logo", &common::design::only_b(), true).await;
    assert!(status.is_redirection(), "{status} {text}");
    let next = common::design::current(&w, h).await.revision;
    let other = {
        let (_, view) = common::design::api(
            &w,
            Who::DeskA,
            "GET",
            &format!("/api/v1/hotspots/{h}/design"),
            None,
        )
        .await;
        view["draft"]["design"]["logo"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let tampered = format!("{}.png", "0".repeat(64));
    assert_ne!(other, tampered);
    w.db.tx(hotspotd::manager::db::Mode::Write, move |c| {
        c.execute(
            "UPDATE design_assets SET bytes = $1 WHERE asset = $2",
            &[b"not the image".to_vec().into(), other.clone().into()],
        )
    })
    .await
    .unwrap();
    let (status, _, text) = w
        .send(
            Who::DeskA,
            "POST",
            &publish,
            Some(&format!("revision={next}")),
        )
        .await;
    assert!(status.is_redirection(), "{status} {text}");
    let why = until("the skipped revision in the status", async || {
        store
            .run(|s| s.sync_state())
            .await
            .unwrap()?
            .settings_skipped
    })
    .await;
    assert!(why.contains("is not it"), "{why}");
    let in_force = store
        .run(|s| Ok(s.hotspot_settings()?.and_then(|d| d.design.logo)))
        .await
        .unwrap();
    assert_eq!(in_force, Some(id), "the previous settings stay");
    u.cancel.cancel();
    u.task.await.unwrap();
    server.abort();
}
