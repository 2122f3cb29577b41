//! Captive portal customisation in the manager, as a desk clerk does it: a refused draft (bad
//! contrast, a file that is not an image, one too large, a form without its CSRF token)
//! saves nothing; an uploaded logo and edited texts land in the draft, the preview renders
//! them with the gateway's own splash renderer while guests still get the design in force;
//! publishing makes the next settings revision (a stale publish is refused); an earlier
//! revision restores into the draft; another tenant's hotspot and images are not found; the
//! desk cannot reach technical preferences; a printed voucher sheet shows the published logo.
//! On SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::design::{api, current, only_b, preview, upload, view_draft};
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use hotspotd::manager::areas::settings_doc;
use hotspotd::manager::db::Mode;
use hotspotd::model::settings::Lang;
use serde_json::Value;

async fn scenario(backend: Backend) {
    let w = World::new(&backend, 1).await;
    let (h, other) = (w.hotspot[0], w.hotspot[1]);
    let page = format!("/hotspots/{h}/design");
    let draft = format!("{page}/draft");

    let (status, _, html) = w.send(Who::DeskA, "GET", &page, None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("No draft"), "{html}");
    assert!(
        html.contains("<label for=\"design-colours-text\">"),
        "{html}"
    );

    // Refused: white text on the white card; the field named with its fix, nothing saved.
    let before = w.dump().await;
    let (status, _, html) = w
        .send(
            Who::DeskA,
            "POST",
            &draft,
            Some("design.colours.text=%23ffffff&design.title.en=Hi"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("Nothing was saved"), "{html}");
    assert!(html.contains("design.colours.text"), "{html}");
    assert!(html.contains("below 4.5:1"), "{html}");
    assert!(
        html.contains("value=\"#ffffff\""),
        "the form keeps what was typed"
    );
    assert_eq!(before, w.dump().await, "a refused draft saved something");

    // Refused uploads: not an image, an SVG, too large, no CSRF token in the form.
    let (status, text) = upload(&w, Who::DeskA, h, "logo", b"%PDF-1.4 not an image", true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(
        text.contains("file") && text.contains("not a PNG, JPEG"),
        "{text}"
    );
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let (status, text) = upload(&w, Who::DeskA, h, "logo", svg, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("SVG is not accepted"), "{text}");
    let huge = vec![0u8; 6 * 1024 * 1024];
    let (status, text) = upload(&w, Who::DeskA, h, "logo", &huge, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("5 MB"), "{text}");
    let logo = common::splash::logo();
    let (status, _) = upload(&w, Who::DeskA, h, "logo", &logo, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(before, w.dump().await, "a refused upload stored something");

    // The logo: stored by hash, put into the draft, served to staff of the hotspot only.
    let (status, text) = upload(&w, Who::DeskA, h, "logo", &logo, true).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let (_, view) = api(
        &w,
        Who::DeskA,
        "GET",
        &format!("/api/v1/hotspots/{h}/design"),
        None,
    )
    .await;
    let logo_id = view["draft"]["design"]["logo"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(logo_id.ends_with(".png"), "{view}");
    assert_eq!(view["draft"]["updated_by"], "desk-0", "{view}");
    assert!(
        view["published"]["logo"].is_null(),
        "the draft is not in force: {view}"
    );
    let image = format!("/hotspots/{h}/design/assets/{logo_id}");
    let (status, _, _) = w.send(Who::CustomerA, "GET", &image, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = w.send(Who::CustomerB, "GET", &image, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = w
        .send(
            Who::ResellerB,
            "GET",
            &format!("/hotspots/{other}/design/assets/{logo_id}"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an image of A is not B's by knowing its hash"
    );

    // A banner: uploaded, its link, text and days edited; a last day before the first and a
    // script link refused by field; shown in the preview; then removed.
    let (status, text) = upload(&w, Who::DeskA, h, "banner", &common::splash::banner(), true).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let before = w.dump().await;
    for (bad, field) in [
        (
            "design.banners[0].from=2026-06-01&design.banners[0].until=2026-05-01",
            "design.banners[0].until",
        ),
        (
            "design.banners[0].link=javascript%3Aalert(1)",
            "design.banners[0].link",
        ),
    ] {
        let (status, _, html) = w.send(Who::DeskA, "POST", &draft, Some(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {html}");
        assert!(
            html.contains(&format!("<strong>{field}</strong>")),
            "{html}"
        );
        assert_eq!(before, w.dump().await, "a refused banner saved something");
    }
    let good = "design.banners[0].link=https%3A%2F%2Flido.example%2Fofferte&design.banners[0].alt.it=Ombrelloni\
                &design.banners[0].from=2020-01-01&design.banners[0].until=";
    let (status, _, text) = w.send(Who::DeskA, "POST", &draft, Some(good)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let (_, _, _, html) = preview(&w, h, "lang=it").await;
    assert!(
        html.contains("href=\"https://lido.example/offerte\"")
            && html.contains("alt=\"Ombrelloni\""),
        "{html}"
    );
    let banner_id = view_draft(&w, h).await["banners"][0]["image"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        html.contains(&format!("/hotspots/{h}/design/assets/{banner_id}")),
        "{html}"
    );
    let (status, _, _) = w
        .send(Who::DeskA, "POST", &draft, Some("remove=design.banners[0]"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(view_draft(&w, h).await["banners"], serde_json::json!([]));

    // Texts and a colour into the draft; the preview shows them in Italian.
    let form = "design.title.it=Benvenuti+al+Lido&design.subtitle.it=Spiaggia&design.colours.button=%237a1f1f\
                &design.colours.page=%23f4f5f7&design.font=serif";
    let (status, location, text) = w.send(Who::DeskA, "POST", &draft, Some(form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    assert_eq!(location, page);
    let (status, csp, xfo, html) = preview(&w, h, "lang=it").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Benvenuti al Lido") && html.contains("lang=\"it\""),
        "{html}"
    );
    assert!(html.contains("--button:#7a1f1f"), "{html}");
    assert!(html.contains(&format!("src=\"{image}\"")), "{html}");
    assert!(!html.contains("src=\"/assets/"), "{html}");
    assert!(
        csp.contains("frame-ancestors 'self'") && csp.contains("form-action 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("script"), "no script source at all: {csp}");
    assert_eq!(xfo, "SAMEORIGIN");
    // The same function as the gateway: the preview equals `render` of the draft, links aside.
    let expected = {
        let mut doc = current(&w, h).await;
        doc.design = serde_json::from_value(view_draft(&w, h).await).unwrap();
        let ctx = hotspotd::portal::splash::SplashContext {
            lang: Lang::It,
            dst: String::new(),
            token: String::new(),
            error: None,
            notice: None,
            account_open: false,
            code: String::new(),
            has_offers: false,
            today: hotspotd::model::settings::design::Day(chrono::Utc::now().date_naive()),
            rotation: 0,
            offline_pass: false,
        };
        hotspotd::portal::splash::render(&doc, &ctx)
            .unwrap()
            .replace(
                "src=\"/assets/",
                &format!("src=\"/hotspots/{h}/design/assets/"),
            )
    };
    assert_eq!(html, expected);
    let (_, _, _, published) = preview(&w, h, "lang=it&version=published").await;
    assert!(
        !published.contains("Benvenuti al Lido"),
        "guests still get the design in force"
    );
    let (status, _, _, _) = preview(&w, other, "lang=it").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A stale publish is refused; the right one makes revision 1 and ends the draft.
    let before = w.dump().await;
    let publish = format!("{page}/publish");
    let (status, _, html) = w
        .send(Who::DeskA, "POST", &publish, Some("revision=7"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("someone saved a change after you opened the page"),
        "{html}"
    );
    assert_eq!(before, w.dump().await);
    let (status, _, text) = w
        .send(Who::DeskA, "POST", &publish, Some("revision=0"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let doc = current(&w, h).await;
    assert_eq!(doc.revision, 1);
    assert_eq!(
        doc.design.title.get(Lang::It, Lang::En),
        "Benvenuti al Lido"
    );
    assert_eq!(doc.design.colours.button.to_string(), "#7a1f1f");
    assert_eq!(
        doc.design.logo.as_ref().map(|l| l.as_str()),
        Some(logo_id.as_str())
    );
    assert!(
        view_draft(&w, h).await.is_null(),
        "publishing ends the draft"
    );

    // A second version through the API, then the first restored into the draft and published.
    let mut second = serde_json::to_value(&doc.design).unwrap();
    second["title"]["it"] = "Seconda versione".into();
    let draft_api = format!("/api/v1/hotspots/{h}/design/draft");
    let (status, v) = api(
        &w,
        Who::CustomerA,
        "PUT",
        &draft_api,
        Some(&second.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = api(
        &w,
        Who::CustomerA,
        "POST",
        &format!("/api/v1/hotspots/{h}/design/publish"),
        Some(r#"{"revision":1}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(current(&w, h).await.revision, 2);
    let (status, _, text) = w
        .send(
            Who::DeskA,
            "POST",
            &format!("{page}/restore"),
            Some("revision=1"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    assert_eq!(
        current(&w, h).await.revision,
        2,
        "a restore publishes nothing by itself"
    );
    assert_eq!(view_draft(&w, h).await["title"]["it"], "Benvenuti al Lido");
    let (_, _, html) = w.send(Who::DeskA, "GET", &page, None).await;
    assert!(html.contains("Draft saved by desk-0"), "{html}");
    assert!(html.contains("2 (in force)"), "{html}");
    let (status, _, _) = w
        .send(Who::DeskA, "POST", &publish, Some("revision=2"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let doc = current(&w, h).await;
    assert_eq!(
        (doc.revision, doc.design.title.get(Lang::It, Lang::En)),
        (3, "Benvenuti al Lido")
    );
    let kept =
        w.db.tx(Mode::Read, move |c| settings_doc::revisions(c, h, 10))
            .await
            .unwrap();
    assert_eq!(
        kept.iter().map(|r| r.revision).collect::<Vec<_>>(),
        [3, 2, 1]
    );

    // Discard: the draft goes, the design in force stays.
    let (status, _) = api(&w, Who::DeskA, "PUT", &draft_api, Some(&second.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = w
        .send(Who::DeskA, "POST", &format!("{page}/discard"), None)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(view_draft(&w, h).await.is_null());
    assert_eq!(current(&w, h).await.revision, 3);

    // Another tenant's image named in a draft, another tenant's hotspot: refused.
    let before = w.dump().await;
    let (status, text) = {
        let (s, _, t) = w
            .send_bytes(
                Who::CustomerB,
                &format!("/api/v1/hotspots/{other}/design/assets"),
                "image/jpeg",
                only_b(),
            )
            .await;
        (s, t)
    };
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let b_image: Value = serde_json::from_str(&text).unwrap();
    let before_b = w.dump().await;
    let mut stolen = second.clone();
    stolen["background_image"] = b_image["id"].clone();
    let (status, v) = api(&w, Who::DeskA, "PUT", &draft_api, Some(&stolen.to_string())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "design.background_image", "{v}");
    for (method, path) in [
        ("GET", format!("/hotspots/{other}/design")),
        ("POST", format!("/hotspots/{other}/design/draft")),
        ("PUT", format!("/api/v1/hotspots/{other}/design/draft")),
        ("POST", format!("/api/v1/hotspots/{other}/design/publish")),
    ] {
        let (status, _, _) = w.send(Who::DeskA, method, &path, Some("{}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    assert_eq!(before_b, w.dump().await);
    assert_ne!(before, before_b);

    // The desk edits the design but not the technical preferences.
    for path in [
        format!("/hotspots/{h}/preferences"),
        format!("/api/v1/hotspots/{h}/preferences"),
    ] {
        let (status, _, _) = w.send(Who::DeskA, "GET", &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // A printed sheet (A4 and 80 mm) shows the published logo beside the hotspot's name.
    let (status, v) = api(
        &w,
        Who::DeskA,
        "POST",
        &format!("/api/v1/hotspots/{h}/vouchers"),
        Some(r#"{"count":2}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let batch = v["batch"]["id"].as_i64().unwrap();
    for layout in ["a4", "thermal"] {
        let path = format!("/hotspots/{h}/vouchers/batches/{batch}/print?layout={layout}");
        let (status, _, html) = w.send(Who::DeskA, "GET", &path, None).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let shown = format!("<img src=\"{image}\" alt=\"\" class=\"sheet-logo\">");
        assert_eq!(html.matches(&shown).count(), 2, "{html}");
    }

    // Every change is in the audit log.
    let (_, log) = api(&w, Who::ResellerA, "GET", "/api/v1/audit", None).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "upload splash image",
        "save splash draft",
        "publish splash design",
        "restore splash design",
        "discard splash draft",
    ] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_splash_design_is_drafted_previewed_published_and_restored_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_splash_design_is_drafted_previewed_published_and_restored_on_postgres() {
    let pg = Postgres::start();
    scenario(Backend::Postgres(pg.url())).await;
}
