//! Every guest text in every language; the questionnaire page in each.

use super::*;
use crate::model::settings::Questionnaire;

fn keys(lang: &str) -> std::collections::BTreeSet<String> {
    let path = format!(
        "{}/portal-templates/locales/{lang}/guests.ftl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
        .collect()
}

#[test]
fn every_guests_text_exists_in_every_language() {
    let english = keys("en");
    for lang in Lang::ALL {
        assert_eq!(keys(lang.code()), english, "{lang}");
    }
}

#[test]
fn the_built_in_questions_are_translated_and_the_page_renders() {
    let questions: Questionnaire = serde_json::from_str(
        r#"{"enabled": true, "questions": [{"id": "trip", "type": "trip-reason"},
            {"id": "from", "type": "nationality"}, {"id": "stay", "type": "length-of-stay"},
            {"id": "likes", "type": "interests"}, {"id": "feedback", "type": "feedback"}]}"#,
    )
    .unwrap();
    let s = HotspotSettings {
        questionnaire: questions,
        ..HotspotSettings::default()
    };
    let mut pages = std::collections::BTreeSet::new();
    for lang in Lang::ALL {
        let t = Texts::new(lang);
        let views = views(&s, &t);
        for v in &views {
            for text in std::iter::once(&v.label).chain(v.options.iter().map(|(_, l)| l)) {
                // A missing text shows its key.
                let prefixes = ["q-", "trip-", "stay-", "interest-", "country-"];
                assert!(
                    !prefixes.iter().any(|p| text.starts_with(p)),
                    "{text:?} in {lang}"
                );
            }
        }
        assert_eq!(views[1].options[15], ("it".to_owned(), "Italia".to_owned()));
        let page = QuestionnairePage {
            page: Page::new(&s, &t, "/questionnaire", ""),
            t,
            questions: views,
            error: None,
            token: "t".into(),
            dst: String::new(),
            click: None,
            ask_consent: Some("consent".into()),
            skippable: true,
        };
        let html = page.render().unwrap();
        assert!(html.contains(r#"name="q_likes" value="food""#), "{html}");
        assert!(
            html.contains(r#"type="checkbox" id="q_likes-food""#),
            "{html}"
        );
        assert!(
            html.contains(r#"type="radio" id="q_trip-business""#),
            "{html}"
        );
        pages.insert(html);
    }
    assert_eq!(pages.len(), Lang::ALL.len(), "each language its own page");
}
