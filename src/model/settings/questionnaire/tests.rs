//! The questionnaire's checks.

use super::super::Lang;
use super::*;

fn q(id: &str, mandatory: bool, kind: Kind) -> Question {
    Question {
        id: id.into(),
        mandatory,
        kind,
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sample() -> Questionnaire {
    Questionnaire {
        enabled: true,
        required: false,
        questions: vec![
            q("trip", true, Kind::TripReason {}),
            q("interests", false, Kind::Interests {}),
            q("feedback", false, Kind::Feedback {}),
            q(
                "room",
                false,
                Kind::SingleChoice {
                    text: Localized::new(Lang::En, "Your room?"),
                    options: vec![
                        Choice {
                            id: "sea".into(),
                            text: Localized::new(Lang::En, "Sea view"),
                        },
                        Choice {
                            id: "garden".into(),
                            text: Localized::new(Lang::En, "Garden"),
                        },
                    ],
                },
            ),
        ],
    }
}

#[test]
fn answers_are_checked_against_the_options() {
    let s = sample();
    let answers = s
        .check(&form(&[
            ("q_trip", "leisure"),
            ("q_interests", "food"),
            ("q_interests", "nature"),
            ("q_feedback", "5"),
            ("q_feedback_text", "  Lovely terrace  "),
            ("q_trip_text", "ignored: not a text question"),
        ]))
        .unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[1].choices, ["food", "nature"]);
    assert_eq!(answers[2].text.as_deref(), Some("Lovely terrace"));
    assert_eq!(answers[0].text, None);

    let problems = s
        .check(&form(&[
            ("q_interests", "gambling"),
            ("q_room", "sea"),
            ("q_room", "garden"),
        ]))
        .unwrap_err();
    let ids: Vec<_> = problems
        .iter()
        .map(|p| (p.question.as_str(), p.missing))
        .collect();
    assert_eq!(ids, [("trip", true), ("interests", false), ("room", false)]);
}

#[test]
fn bad_questions_are_named_by_field() {
    let mut s = sample();
    s.questions.push(q("trip", false, Kind::Nationality {}));
    s.questions.push(q(
        "Bad Id",
        false,
        Kind::MultipleChoice {
            text: Localized::default(),
            options: vec![],
        },
    ));
    let mut errors = Vec::new();
    s.validate(&mut errors);
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "questionnaire.questions[4].id",
            "questionnaire.questions[5].id",
            "questionnaire.questions[5].options",
            "questionnaire.questions[5].text"
        ]
    );
    let empty = Questionnaire {
        enabled: true,
        ..Questionnaire::default()
    };
    let mut errors = Vec::new();
    empty.validate(&mut errors);
    assert_eq!(errors[0].field, "questionnaire.questions");
}

#[test]
fn the_document_reads_built_ins_and_custom_questions() {
    let s: Questionnaire = serde_json::from_str(
        r#"{"enabled": true, "questions": [
            {"id": "trip", "type": "trip-reason", "mandatory": true},
            {"id": "wish", "type": "text", "text": {"en": "Anything missing?", "it": "Manca qualcosa?"}}
        ]}"#,
    )
    .unwrap();
    assert_eq!(s.questions[0].kind, Kind::TripReason {});
    assert!(
        serde_json::from_str::<Questionnaire>(r#"{"questions": [{"id": "x", "type": "poll"}]}"#)
            .is_err()
    );
    let typo = r#"{"questions": [{"id": "x", "type": "nationality", "mandtory": true}]}"#;
    let e = serde_json::from_str::<Questionnaire>(typo).unwrap_err();
    assert!(e.to_string().contains("mandtory"), "{e}");
}
