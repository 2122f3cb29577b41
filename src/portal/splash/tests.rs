use super::*;
use crate::model::settings::Localized;
use crate::model::settings::design::{Banner, Colour, Font};

fn id(c: char, ext: &str) -> AssetId {
    AssetId::parse(&format!("{}.{ext}", c.to_string().repeat(64))).unwrap()
}

fn day(s: &str) -> Day {
    Day(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

fn ctx(lang: Lang) -> SplashContext {
    SplashContext {
        lang,
        dst: "http://example.com/news".into(),
        token: "tok".into(),
        error: None,
        notice: None,
        account_open: false,
        code: String::new(),
        has_offers: false,
        today: day("2026-12-10"),
        rotation: 0,
        offline_pass: false,
    }
}

/// A venue's design: logo, two banners (one out of date), colours, serif font, texts in
/// Italian and English (Italian the default).
fn venue() -> HotspotSettings {
    let mut s = HotspotSettings {
        name: "Bar Roma".into(),
        default_language: Lang::It,
        ..HotspotSettings::default()
    };
    let d = &mut s.design;
    d.logo = Some(id('a', "png"));
    d.banners = vec![
        Banner {
            image: id('b', "jpg"),
            alt: Localized::new(Lang::It, "Aperitivo alle 18"),
            link: Some("https://barroma.example/menu".into()),
            ..Banner::default()
        },
        Banner {
            image: id('c', "jpg"),
            alt: Localized::new(Lang::It, "Natale"),
            until: Some(day("2026-12-01")),
            ..Banner::default()
        },
        Banner {
            image: id('d', "png"),
            alt: Localized::new(Lang::It, "Colazione"),
            ..Banner::default()
        },
    ];
    d.colours.button = Colour::parse("#7a1f1f").unwrap();
    d.colours.title = Colour::parse("#7A1F1F").unwrap();
    d.font = Font::Serif;
    d.title = Localized::new(Lang::It, "Benvenuti al Bar Roma");
    d.title.0.insert(Lang::En, "Welcome to Bar Roma".into());
    d.subtitle = Localized::new(Lang::It, "Wi-Fi gratuito per i clienti");
    d.description = Localized::new(Lang::It, "<script>alert(1)</script> Caffè & cornetti");
    assert_eq!(s.validate(), vec![]);
    s
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let s = venue();
    assert_eq!(
        render(&s, &ctx(Lang::De)).unwrap(),
        render(&s, &ctx(Lang::De)).unwrap()
    );
}

#[test]
fn the_design_is_rendered_with_its_colours_font_logo_banner_and_texts() {
    let html = render(&venue(), &ctx(Lang::En)).unwrap();
    assert!(html.contains(r#"<html lang="en">"#), "{html}");
    assert!(
        html.contains("--button:#7a1f1f;") && html.contains("--title:#7a1f1f;"),
        "{html}"
    );
    assert!(
        html.contains(Font::Serif.css()),
        "font stack as is, unescaped: {html}"
    );
    assert!(html.contains(&format!(
        r#"<img class="logo" src="/assets/{}""#,
        id('a', "png")
    )));
    assert!(html.contains(&format!(
        r#"<a class="banner" href="https://barroma.example/menu"><img src="/assets/{}" alt="Aperitivo alle 18">"#,
        id('b', "jpg")
    )));
    // English where written, else the default language (Italian).
    assert!(html.contains("<h1>Welcome to Bar Roma</h1>"));
    assert!(html.contains("Wi-Fi gratuito per i clienti"));
    // The venue's text is escaped, never markup.
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; Caffè &#38; cornetti"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("<summary>Terms of use</summary>"));
    assert!(html.contains("<summary>Privacy notice</summary>"));
    assert!(html.contains(r#"name="dst" value="http://example.com/news""#));
}

#[test]
fn banners_rotate_per_view_and_only_within_their_dates() {
    let s = venue();
    let shown = |rotation, today| {
        let c = SplashContext {
            rotation,
            today: day(today),
            ..ctx(Lang::It)
        };
        let html = render(&s, &c).unwrap();
        ['b', 'c', 'd']
            .into_iter()
            .filter(|&ch| {
                html.contains(&format!(
                    "/assets/{}",
                    id(ch, if ch == 'd' { "png" } else { "jpg" })
                ))
            })
            .collect::<String>()
    };
    assert_eq!(shown(0, "2026-12-10"), "b");
    assert_eq!(
        shown(1, "2026-12-10"),
        "d",
        "the out-of-date banner is skipped"
    );
    assert_eq!(shown(2, "2026-12-10"), "b");
    assert_eq!(
        shown(1, "2026-11-30"),
        "c",
        "within its dates it takes its turn"
    );
}

#[test]
fn the_language_switcher_keeps_dst_and_the_page_speaks_the_language() {
    let html = render(&venue(), &ctx(Lang::De)).unwrap();
    assert!(html.contains(r#"<html lang="de">"#));
    assert!(html.contains("Gutscheincode") && html.contains("Nutzungsbedingungen"));
    assert!(
        html.contains(r#"<h1>Benvenuti al Bar Roma</h1>"#),
        "no German title: the default"
    );
    for l in Lang::ALL {
        let link = format!(
            r#"href="/?lang={}&#38;dst=http%3A%2F%2Fexample.com%2Fnews" hreflang="{}""#,
            l.code(),
            l.code()
        );
        assert!(html.contains(&link), "{link} in {html}");
    }
    assert!(
        html.contains(r#"lang="de" aria-current="true">Deutsch</a>"#),
        "{html}"
    );
    // Without a title the greeting names the hotspot, in the guest's language.
    let plain = HotspotSettings {
        name: "Bar Roma".into(),
        ..HotspotSettings::default()
    };
    assert!(
        render(&plain, &ctx(Lang::Fr))
            .unwrap()
            .contains("<h1>Bienvenue"),
        "fr greeting"
    );
}

#[test]
fn the_after_login_page_replaces_the_destination_and_methods_that_are_off_are_not_shown() {
    let mut s = venue();
    s.design.after_login_url = Some("https://barroma.example/welcome".into());
    s.methods.account.enabled = false;
    let html = render(&s, &ctx(Lang::It)).unwrap();
    assert!(
        html.contains(r#"name="dst" value="https://barroma.example/welcome""#),
        "{html}"
    );
    assert!(!html.contains("example.com/news\""), "{html}");
    assert!(html.contains(r#"name="code""#));
    assert!(!html.contains(r#"name="password""#));
    s.methods.voucher.enabled = false;
    assert!(
        !render(&s, &ctx(Lang::It))
            .unwrap()
            .contains(r#"name="code""#)
    );
}

#[test]
fn a_background_image_is_a_css_property_of_a_checked_id_only() {
    let mut s = venue();
    s.design.background_image = Some(id('e', "jpg"));
    let html = render(&s, &ctx(Lang::En)).unwrap();
    assert!(
        html.contains(&format!("--background:url(/assets/{});", id('e', "jpg"))),
        "{html}"
    );
    s.design.background_image =
        serde_json::from_str(r#""x);}body{background:url(//evil""#).unwrap();
    let html = render(&s, &ctx(Lang::En)).unwrap();
    assert!(
        !html.contains("--background:") && !html.contains("evil"),
        "{html}"
    );
}

#[test]
fn nothing_is_loaded_from_outside_the_portal() {
    let html = render(&venue(), &ctx(Lang::En)).unwrap();
    for needle in [
        "src=\"http",
        "src=\"//",
        "url(http",
        "url(//",
        "@import",
        "<link",
        "<script",
    ] {
        assert!(!html.contains(needle), "{needle} in {html}");
    }
}

#[test]
fn a_code_from_the_address_fills_the_voucher_field_escaped() {
    let s = venue();
    let c = SplashContext {
        code: "ABCDE-FGHJK".into(),
        ..ctx(Lang::En)
    };
    let html = render(&s, &c).unwrap();
    assert!(html.contains(r#"value="ABCDE-FGHJK""#), "{html}");
    let hostile = SplashContext {
        code: r#""><script>x</script>"#.into(),
        ..ctx(Lang::En)
    };
    let html = render(&s, &hostile).unwrap();
    assert!(!html.contains("<script>x"), "{html}");
}

#[test]
fn the_offline_pass_is_shown_first_only_when_offered() {
    let s = venue();
    let html = render(&s, &ctx(Lang::En)).unwrap();
    assert!(!html.contains("/login/offline"), "not offered: not shown");
    let offered = SplashContext {
        offline_pass: true,
        ..ctx(Lang::En)
    };
    let html = render(&s, &offered).unwrap();
    let pass = html
        .find(r#"action="/login/offline""#)
        .expect("the pass's form");
    assert!(html.contains("Connect with limited access"), "{html}");
    for other in ["/login/click", r#"action="/login""#] {
        if let Some(at) = html.find(other) {
            assert!(pass < at, "the pass comes before {other}");
        }
    }
    assert!(
        html[pass..].contains(r#"id="offline-accept""#),
        "its own terms box"
    );
}
