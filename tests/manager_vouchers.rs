//! Vouchers in the manager: a desk makes a batch, lists it with states, filters, revokes and
//! deletes; the CSV parses back to the same codes; the print sheets hold every code and a QR
//! code; another hotspot's voucher is not found and nothing changes; bad terms change
//! nothing. On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use hotspotd::manager::db::Mode;
use serde_json::Value;

async fn json(world: &World, who: Who, method: &str, path: &str, body: Option<&str>) -> Value {
    let (status, _, text) = world.send(who, method, path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

fn codes(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap().to_string())
        .collect()
}

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let h = w.hotspot[0];
    let base = format!("/api/v1/hotspots/{h}/vouchers");

    // The desk makes a batch with the page's form.
    let (status, location, _) = w
        .send(
            Who::DeskA,
            "POST",
            &format!("/hotspots/{h}/vouchers"),
            Some("count=3&validity=2h&starts=first-logon&uses=single&shared_users=2&down=10M&up=&quota=500MB&note=Room+12"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with(&format!("/hotspots/{h}/vouchers?batch=")),
        "{location}"
    );
    // The customer makes one through the API.
    let created = json(
        &w,
        Who::CustomerA,
        "POST",
        &base,
        Some(r#"{"count":2,"uses":"3","validity":"unlimited"}"#),
    )
    .await;
    assert_eq!(created["codes"].as_array().unwrap().len(), 2);
    assert_eq!(created["batch"]["created_by"], "customer-0");

    // The desk sees all five, each with its creator, all unused.
    let list = json(&w, Who::DeskA, "GET", &base, None).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|v| v["state"] == "unused"));
    assert_eq!(
        items.iter().filter(|v| v["created_by"] == "desk-0").count(),
        3
    );
    assert_eq!(
        items
            .iter()
            .filter(|v| v["created_by"] == "customer-0")
            .count(),
        2
    );
    let desk_batch = items.iter().find(|v| v["created_by"] == "desk-0").unwrap()["batch_id"]
        .as_i64()
        .unwrap();
    assert!(
        items[4]["terms"].as_str().unwrap().contains("2h"),
        "{}",
        items[4]
    );

    // Filters: by creator, by batch; pagination by cursor.
    let by_desk = json(
        &w,
        Who::DeskA,
        "GET",
        &format!("{base}?creator=desk-0"),
        None,
    )
    .await;
    assert_eq!(codes(&by_desk).len(), 3);
    let by_batch = json(
        &w,
        Who::DeskA,
        "GET",
        &format!("{base}?batch={desk_batch}"),
        None,
    )
    .await;
    assert_eq!(codes(&by_batch).len(), 3);
    let first = json(&w, Who::DeskA, "GET", &format!("{base}?limit=2"), None).await;
    let cursor = first["next_cursor"].as_i64().unwrap();
    let rest = json(
        &w,
        Who::DeskA,
        "GET",
        &format!("{base}?limit=10&cursor={cursor}"),
        None,
    )
    .await;
    assert!(rest["next_cursor"].is_null());
    let mut all = codes(&first);
    all.extend(codes(&rest));
    assert_eq!(all, codes(&list));

    // Revoke one (page), delete another (API); the states follow.
    let revoked = items[0]["id"].as_i64().unwrap();
    let (status, _, _) = w
        .send(
            Who::DeskA,
            "POST",
            &format!("/hotspots/{h}/vouchers/{revoked}/revoke"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let deleted = items[1]["id"].as_i64().unwrap();
    let (status, _, _) = w
        .send(Who::DeskA, "DELETE", &format!("{base}/{deleted}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let gone = json(
        &w,
        Who::DeskA,
        "GET",
        &format!("{base}?state=revoked"),
        None,
    )
    .await;
    assert_eq!(
        codes(&gone),
        vec![items[0]["code"].as_str().unwrap().to_string()]
    );
    assert_eq!(
        codes(&json(&w, Who::DeskA, "GET", &base, None).await).len(),
        4
    );

    // What units will report (sync) moves vouchers through in use, used up and expired.
    let more = json(
        &w,
        Who::CustomerA,
        "POST",
        &base,
        Some(r#"{"count":1,"uses":"unlimited"}"#),
    )
    .await;
    let more_batch = more["batch"]["id"].as_i64().unwrap();
    let in_use = json(
        &w,
        Who::DeskA,
        "GET",
        &format!("{base}?batch={more_batch}"),
        None,
    )
    .await["items"][0]["id"]
        .as_i64()
        .unwrap();
    // items[2..] are the desk's single-use vouchers.
    let (used, expired, unused) = (
        items[2]["id"].as_i64().unwrap(),
        items[3]["id"].as_i64().unwrap(),
        items[4]["id"].as_i64().unwrap(),
    );
    w.db.tx(Mode::Write, move |conn| {
        conn.execute(
            "UPDATE vouchers SET logins = 5 WHERE id = $1",
            &[in_use.into()],
        )?;
        conn.execute(
            "UPDATE vouchers SET logins = 1 WHERE id = $1",
            &[used.into()],
        )?;
        conn.execute(
            "UPDATE vouchers SET expires_at = 1 WHERE id = $1",
            &[expired.into()],
        )
    })
    .await
    .unwrap();
    let now = json(&w, Who::DeskA, "GET", &base, None).await;
    let state = |id: i64| {
        now["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(in_use), "in-use");
    assert_eq!(state(used), "used");
    assert_eq!(state(expired), "expired");
    assert_eq!(state(unused), "unused");
    assert_eq!(state(revoked), "revoked");
    for (s, n) in [
        ("unused", 1),
        ("in-use", 1),
        ("used", 1),
        ("expired", 1),
        ("revoked", 1),
    ] {
        let only = json(&w, Who::DeskA, "GET", &format!("{base}?state={s}"), None).await;
        assert_eq!(codes(&only).len(), n, "state {s}");
    }

    // The page shows the states and creators in words.
    let (status, _, page) = w
        .send(Who::DeskA, "GET", &format!("/hotspots/{h}/vouchers"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    for word in [
        "revoked",
        "expired",
        "in use",
        "used up",
        "by desk-0",
        "by customer-0",
    ] {
        assert!(page.contains(word), "page lacks {word}");
    }
    // The audit log names every change.
    let audit = json(&w, Who::ResellerA, "GET", "/api/v1/audit", None)
        .await
        .to_string();
    for action in ["create vouchers", "revoke voucher", "delete voucher"] {
        assert!(audit.contains(action), "audit lacks {action}");
    }
}

async fn print_and_csv(backend: Backend) {
    let w = World::new(&backend, 2).await;
    let h = w.hotspot[0];
    let created = json(
        &w,
        Who::DeskA,
        "POST",
        &format!("/api/v1/hotspots/{h}/vouchers"),
        Some(r#"{"count":4,"note":"Bar, \"west\""}"#),
    )
    .await;
    let batch = created["batch"]["id"].as_i64().unwrap();
    let codes: Vec<String> = created["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();

    for layout in ["a4", "thermal"] {
        let (status, _, html) = w
            .send(
                Who::DeskA,
                "GET",
                &format!("/hotspots/{h}/vouchers/batches/{batch}/print?layout={layout}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("class=\"print {layout}\"")));
        for c in &codes {
            assert!(html.contains(c.as_str()), "{layout} sheet lacks {c}");
        }
        assert_eq!(html.matches("<svg").count(), 4, "one QR code per voucher");
        assert!(html.contains("Hotspot a"));
        assert!(!html.contains("<?xml"));
    }
    let (status, _, _) = w
        .send(
            Who::DeskA,
            "GET",
            &format!("/hotspots/{h}/vouchers/batches/{batch}/print?layout=letter"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The desk may not say where QR codes lead; the reseller may, and the CSV carries it.
    let (status, _, _) = w
        .send(
            Who::DeskA,
            "PUT",
            &format!("/api/v1/hotspots/{h}/vouchers/portal"),
            Some(r#"{"portal_url":"http://evil.example"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, text) = w
        .send(
            Who::ResellerA,
            "PUT",
            &format!("/api/v1/hotspots/{h}/vouchers/portal"),
            Some(r#"{"portal_url":"http://x/?a=\"<b>"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("portal_url"));
    let (status, _, _) = w
        .send(
            Who::ResellerA,
            "PUT",
            &format!("/api/v1/hotspots/{h}/vouchers/portal"),
            Some(r#"{"portal_url":"http://10.77.0.1:2050/"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, _, text) = w
        .send(
            Who::DeskA,
            "GET",
            &format!("/hotspots/{h}/vouchers/batches/{batch}/csv"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "code");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let mut back: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    let mut want = codes.clone();
    back.sort();
    want.sort();
    assert_eq!(back, want);
    for row in &rows {
        assert_eq!(&row[1], "unused");
        assert_eq!(&row[5], "Bar, \"west\"");
        assert_eq!(&row[7], "desk-0");
        assert_eq!(
            row[9].to_string(),
            format!("http://10.77.0.1:2050/?code={}", &row[0])
        );
    }
    let (_, _, html) = w
        .send(
            Who::DeskA,
            "GET",
            &format!("/hotspots/{h}/vouchers/batches/{batch}/print"),
            None,
        )
        .await;
    assert!(!html.contains("No portal address"));
}

async fn foreign_and_invalid(backend: Backend) {
    let w = World::new(&backend, 3).await;
    let (a, b) = (w.hotspot[0], w.hotspot[1]);
    let theirs = json(
        &w,
        Who::CustomerB,
        "POST",
        &format!("/api/v1/hotspots/{b}/vouchers"),
        Some(r#"{"count":1}"#),
    )
    .await;
    let their_batch = theirs["batch"]["id"].as_i64().unwrap();
    let list = json(
        &w,
        Who::CustomerB,
        "GET",
        &format!("/api/v1/hotspots/{b}/vouchers"),
        None,
    )
    .await;
    let their_voucher = list["items"][0]["id"].as_i64().unwrap();
    let before = w.dump().await;
    // Through A's own hotspot in the path, B's voucher and batch do not exist for A's staff.
    for who in [Who::DeskA, Who::CustomerA, Who::ResellerA] {
        for (method, path) in [
            (
                "POST",
                format!("/hotspots/{a}/vouchers/{their_voucher}/revoke"),
            ),
            (
                "POST",
                format!("/hotspots/{a}/vouchers/{their_voucher}/delete"),
            ),
            (
                "PUT",
                format!("/api/v1/hotspots/{a}/vouchers/{their_voucher}/revoked"),
            ),
            (
                "DELETE",
                format!("/api/v1/hotspots/{a}/vouchers/{their_voucher}"),
            ),
            (
                "GET",
                format!("/hotspots/{a}/vouchers/batches/{their_batch}/print"),
            ),
            (
                "GET",
                format!("/hotspots/{a}/vouchers/batches/{their_batch}/csv"),
            ),
        ] {
            let (status, _, text) = w.send(who, method, &path, None).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{who:?} {method} {path}: {text}"
            );
            assert!(!text.contains(theirs["codes"][0].as_str().unwrap()));
        }
        let mine = json(
            &w,
            who,
            "GET",
            &format!("/api/v1/hotspots/{a}/vouchers?batch={their_batch}"),
            None,
        )
        .await;
        assert!(mine["items"].as_array().unwrap().is_empty());
    }
    // Bad terms: refused naming the field, nothing stored.
    for (body, field) in [
        (r#"{"count":0}"#, "count"),
        (r#"{"count":10001}"#, "count"),
        (r#"{"count":1,"validity":"forever"}"#, "validity"),
        (r#"{"count":1,"starts":"later"}"#, "starts"),
        (r#"{"count":1,"uses":"0"}"#, "uses"),
        (r#"{"count":1,"shared_users":0}"#, "shared_users"),
        (r#"{"count":1,"down":"fast"}"#, "down"),
        (r#"{"count":1,"quota":"lots"}"#, "quota"),
    ] {
        let (status, _, text) = w
            .send(
                Who::DeskA,
                "POST",
                &format!("/api/v1/hotspots/{a}/vouchers"),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {text}");
        let err: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(err["error"]["field"], field, "{body}: {text}");
    }
    let (status, _, page) = w
        .send(
            Who::DeskA,
            "POST",
            &format!("/hotspots/{a}/vouchers"),
            Some("count=5&validity=soon"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("validity"), "{page}");
    let (status, _, _) = w
        .send(
            Who::DeskA,
            "GET",
            &format!("/api/v1/hotspots/{a}/vouchers?state=lost"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        before,
        w.dump().await,
        "a refused request changed something"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_batch_is_listed_filtered_revoked_and_deleted_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
    print_and_csv(Backend::Sqlite(dir.path().to_path_buf())).await;
    foreign_and_invalid(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_batch_is_listed_filtered_revoked_and_deleted_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
    print_and_csv(Backend::Postgres(pg.url())).await;
    foreign_and_invalid(Backend::Postgres(pg.url())).await;
}
