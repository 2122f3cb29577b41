//! The questionnaire end to end in the namespace lab: required before access for a
//! click-through guest, asked (and skippable) after a voucher login.

mod common;

use common::click::*;
use common::lab::{Lab, PORTAL};
use serde_json::Value;

const QUESTIONS: &str = r#"{"enabled": true, "required": true, "questions": [
    {"id": "trip", "type": "trip-reason", "mandatory": true},
    {"id": "likes", "type": "interests"},
    {"id": "feedback", "type": "feedback"}]}"#;

/// Posts the questionnaire from guest `i` with the token of the page `page` showed it.
fn answer(lab: &Lab, i: usize, page: &str, fields: &[&str]) -> (String, String) {
    let token = page
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or_default();
    let token = format!("token={token}");
    let mut args = vec!["-D", "-", "-d", token.as_str()];
    for f in fields {
        args.extend(["-d", f]);
    }
    let url = format!("{PORTAL}/questionnaire");
    args.push(&url);
    let out = lab.curl(i, &args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        text.split_whitespace().nth(1).unwrap_or("000").to_string(),
        text,
    )
}

#[test]
fn a_required_questionnaire_lets_a_click_through_guest_online_by_answering() {
    let lab = Lab::start(2);
    setup_click(&lab, false);
    lab.ok(&["settings", "set", "questionnaire", QUESTIONS]);

    // The click-through form shows the questions instead of logging in.
    let (status, page) = click(
        &lab,
        1,
        &[ACCEPT, "consent_surveys=yes", "dst=http://example.com/x"],
        &[],
    );
    assert_eq!(status, "200", "{page}");
    assert!(page.contains("What brings you here?"), "{page}");
    assert!(lab.client(1).is_none(), "online before answering");
    assert!(
        !page.contains("questionnaire-skip"),
        "a required questionnaire has no skip"
    );

    // A mandatory question left out, and an answer that is no option: the page again, naming it.
    let carried = [
        "click=yes",
        ACCEPT,
        "consent_surveys=yes",
        "dst=http://example.com/x",
    ];
    let mut fields = carried.to_vec();
    fields.push("q_likes=gambling");
    let (status, again) = answer(&lab, 1, &page, &fields);
    assert_eq!(status, "422", "{again}");
    assert!(
        again.contains("Please check: What brings you here?"),
        "{again}"
    );
    assert!(lab.client(1).is_none());

    let mut fields = carried.to_vec();
    fields.extend([
        "q_trip=leisure",
        "q_likes=food",
        "q_likes=nature",
        "q_feedback=5",
        "q_feedback_text=Lovely terrace",
    ]);
    let (status, done) = answer(&lab, 1, &again, &fields);
    assert_eq!(status, "303", "{done}");
    assert!(done.contains("location: http://example.com/x"), "{done}");
    assert!(lab.client(1).is_some(), "online after answering");
    let g = guest(&lab, &guest_of(&lab, 1)["id"]);
    let answers: Vec<(String, Value)> = (g["answers"].as_array().unwrap().iter())
        .map(|a| {
            (
                a["question"].as_str().unwrap().to_string(),
                a["choices"].clone(),
            )
        })
        .collect();
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert_eq!(answers[1].1, serde_json::json!(["food", "nature"]));
    assert_eq!(g["answers"][2]["text"], "Lovely terrace");
    assert!(ledger(&g).contains(&row("surveys", true, "splash-checkbox")));

    // Without the survey consent the guest still gets online, and nothing is kept.
    let (_, page) = click(&lab, 2, &[ACCEPT], &[]);
    assert!(
        page.contains("questionnaire-surveys"),
        "the page asks for the consent"
    );
    let (status, _) = answer(&lab, 2, &page, &["click=yes", ACCEPT, "q_trip=business"]);
    assert_eq!(status, "303");
    assert!(lab.client(2).is_some());
    let g = guest(&lab, &guest_of(&lab, 2)["id"]);
    assert_eq!(g["answers"].as_array().unwrap().len(), 0);

    // Erasure clears the free text of the answers.
    assert_eq!(lab.logout(1), "200");
    let id = guest_of(&lab, 1)["id"].to_string();
    lab.ok(&["guests", "erase", &id]);
    let g: Value = serde_json::from_str(&lab.ok(&["guests", "show", &id, "--json"])).unwrap();
    assert_eq!(g["answers"][2]["text"], Value::Null);
    assert_eq!(g["answers"][0]["choices"], serde_json::json!(["leisure"]));
}

#[test]
fn after_a_voucher_login_the_questionnaire_is_asked_and_may_be_skipped() {
    let lab = Lab::start(1);
    let questions = QUESTIONS.replace(r#""required": true"#, r#""required": false"#);
    lab.ok(&["settings", "set", "questionnaire", &questions]);
    let code = lab.vouchers(&["--validity", "1h"])[0].clone();
    let (status, _, location) = lab.login(1, &code, "http://example.com/y");
    assert_eq!(status, "303");
    assert_eq!(location, "/questionnaire?dst=http%3A%2F%2Fexample.com%2Fy");
    let out = lab.curl(1, &[&format!("{PORTAL}{location}")]);
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        page.contains(r#"id="questionnaire-skip""#) && page.contains("http://example.com/y"),
        "{page}"
    );
    // The consent is asked on the page; ticked there, it joins the ledger and the answers stay.
    let (status, _) = answer(
        &lab,
        1,
        &page,
        &[
            "consent_surveys=yes",
            "q_trip=business",
            "dst=http://example.com/y",
        ],
    );
    assert_eq!(status, "303");
    let g = guest(&lab, &guests(&lab)[0]["id"]);
    assert_eq!(g["guest"]["method"], "voucher");
    assert_eq!(ledger(&g), [row("surveys", true, "questionnaire-page")]);
    assert_eq!(g["answers"][0]["choices"], serde_json::json!(["business"]));
}
