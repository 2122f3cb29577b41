use super::*;
use crate::model::settings::HotspotSettings;

fn c(hex: &str) -> Colour {
    Colour::parse(hex).unwrap()
}

fn errors_of(design: Design) -> Vec<SettingsError> {
    let mut errors = Vec::new();
    design.validate(&mut errors);
    errors
}

#[test]
fn contrast_matches_known_values() {
    // Reference figures (WebAIM contrast checker).
    let cases = [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777777", "#ffffff", 4.48),
        ("#767676", "#ffffff", 4.54),
        ("#999999", "#ffffff", 2.85),
        ("#595959", "#ffffff", 7.0),
        ("#ff0000", "#ffffff", 4.0),
    ];
    for (a, b, want) in cases {
        let got = contrast_ratio(&c(a), &c(b));
        assert!((got - want).abs() < 0.01, "{a} on {b}: {got}, want {want}");
        assert_eq!(got, contrast_ratio(&c(b), &c(a)), "symmetric");
    }
}

#[test]
fn low_contrast_is_refused_with_the_measured_ratio_and_a_fix() {
    let mut design = Design::default();
    design.colours.text = c("#999999");
    let errors = errors_of(design);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, "design.colours.text");
    assert_eq!(
        errors[0].to_string(),
        "settings field `design.colours.text`: contrast 2.8:1 between text #999999 and card \
         #ffffff is below 4.5:1; fix: darken the text or lighten the card"
    );
    // Just below the line: never shown as "4.5:1 is below 4.5:1".
    let mut design = Design::default();
    design.colours.text = c("#777777");
    assert!(errors_of(design)[0].problem.starts_with("contrast 4.47:1"));
    // Light text on a dark button: the fix names the button as the one to darken.
    let mut design = Design::default();
    design.colours.button = c("#7fb3e0");
    let e = &errors_of(design)[0];
    assert_eq!(e.field, "design.colours.button_text");
    assert_eq!(e.fix, "darken the button or lighten the button_text");
    // Just above the line passes.
    let mut design = Design::default();
    design.colours.text = c("#767676");
    assert!(errors_of(design).is_empty());
}

#[test]
fn colours_must_be_hex_and_never_reach_css_unparsed() {
    let bad: Design = serde_json::from_str(
        r##"{"colours":{"page":"red;}body{background:url(http://x)}","card":"#fff"}}"##,
    )
    .unwrap();
    let errors = errors_of(bad.clone());
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["design.colours.page", "design.colours.card"]);
    assert!(errors[0].fix.contains("#0b5394"));
    assert_eq!(bad.colours.page.css(), "#000000");
    assert_eq!(c("#0B5394").css(), "#0b5394");
}

#[test]
fn links_must_be_http_and_dates_ordered_and_texts_short() {
    let day = |s: &str| Day(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    let banner = Banner {
        image: AssetId::parse(&format!("{}.jpg", "b".repeat(64))).unwrap(),
        link: Some("javascript:alert(1)".into()),
        from: Some(day("2026-12-24")),
        until: Some(day("2026-12-01")),
        alt: Localized::new(Lang::En, "x".repeat(200)),
    };
    let design = Design {
        banners: vec![banner],
        logo: Some(AssetId::parse(&format!("{}.png", "c".repeat(64))).unwrap()),
        background_image: serde_json::from_str(r#""../../etc/passwd""#).unwrap(),
        title: Localized::new(Lang::It, "t".repeat(81)),
        after_login_url: Some("https://example.com/ welcome".into()),
        ..Design::default()
    };
    let fields: Vec<String> = errors_of(design).into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "design.background_image",
            "design.banners[0].alt.en",
            "design.banners[0].link",
            "design.banners[0].until",
            "design.title.it",
            "design.after_login_url",
        ]
    );
}

#[test]
fn banners_show_within_their_dates_inclusive() {
    let day = |s: &str| Day(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    let b = Banner {
        from: Some(day("2026-12-01")),
        until: Some(day("2026-12-24")),
        ..Banner::default()
    };
    assert!(!b.shown_on(day("2026-11-30")));
    assert!(b.shown_on(day("2026-12-01")));
    assert!(b.shown_on(day("2026-12-24")));
    assert!(!b.shown_on(day("2026-12-25")));
    assert!(Banner::default().shown_on(day("2000-01-01")));
}

#[test]
fn a_design_round_trips_through_json_and_unknown_fields_are_refused() {
    let mut s = HotspotSettings::default();
    s.design.font = Font::Serif;
    s.design.subtitle = Localized::new(Lang::De, "Kostenloses WLAN");
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<HotspotSettings>(&json).unwrap(), s);
    let e = serde_json::from_str::<Design>(r#"{"colour":{}}"#).unwrap_err();
    assert!(e.to_string().contains("colour"), "{e}");
    let e = serde_json::from_str::<Design>(r#"{"font":"comic-sans"}"#).unwrap_err();
    assert!(e.to_string().contains("comic-sans"), "{e}");
    let e = serde_json::from_str::<Banner>(r#"{"from":"24/12/2026"}"#).unwrap_err();
    assert!(e.to_string().contains("2026-12-24"), "{e}");
}
