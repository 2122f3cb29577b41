//! The questionnaire page: the venue's questions in the guest's language, asked after login
//! (the guest may skip) or, when required, between the click-through form and access (the
//! device gets online by answering). Answers are kept only under the guest's survey consent.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tracing::warn;

use super::PortalState;
use super::consent::{ConsentForm, ConsentTexts};
use super::forgery::{self, expired};
use super::i18n::Texts;
use super::messages::{login_error, login_error_status};
use super::page::Page;
use super::pages::{DstQuery, client_ipv4, guest_lang, keeping_lang, render, safe_dst};
use crate::model::consent::{ConsentChoice, How, Purpose, latest_granted};
use crate::model::settings::questionnaire::Kind;
use crate::model::settings::{HotspotSettings, Lang, Question};

/// Country names as their own people write them: the same in every language.
const ENDONYMS: [(&str, &str); 23] = [
    ("at", "Österreich"),
    ("be", "België / Belgique"),
    ("br", "Brasil"),
    ("ch", "Schweiz / Suisse / Svizzera"),
    ("cn", "中国"),
    ("cz", "Česko"),
    ("de", "Deutschland"),
    ("dk", "Danmark"),
    ("es", "España"),
    ("fr", "France"),
    ("gb", "United Kingdom"),
    ("gr", "Ελλάδα"),
    ("hr", "Hrvatska"),
    ("hu", "Magyarország"),
    ("ie", "Ireland / Éire"),
    ("it", "Italia"),
    ("jp", "日本"),
    ("nl", "Nederland"),
    ("pl", "Polska"),
    ("pt", "Portugal"),
    ("ro", "România"),
    ("se", "Sverige"),
    ("us", "United States"),
];

/// A question as the page shows it.
#[derive(Debug, Clone)]
pub struct QuestionView {
    /// The form field (`q_ID`).
    pub field: String,
    /// What is asked.
    pub label: String,
    /// Must be answered.
    pub mandatory: bool,
    /// Checkboxes rather than radio buttons.
    pub several: bool,
    /// (key, label) of each option.
    pub options: Vec<(String, String)>,
    /// The label of a free-text box (`q_ID_text`), if the question has one.
    pub text: Option<String>,
}

/// The questions in `t`'s language: a pure function of the settings, as the splash is.
pub fn views(s: &HotspotSettings, t: &Texts) -> Vec<QuestionView> {
    s.questionnaire
        .questions
        .iter()
        .map(|q| view(q, s, t))
        .collect()
}

fn view(q: &Question, s: &HotspotSettings, t: &Texts) -> QuestionView {
    let (lang, default) = (t.lang, s.default_language);
    let keyed = |prefix: &str, key: &str| (key.to_owned(), t.get(&format!("{prefix}-{key}")));
    let (options, _) = q.kind.options();
    let (label, options, text) = match &q.kind {
        Kind::TripReason {} => (
            t.get("q-trip-reason"),
            options.iter().map(|o| keyed("trip", o)).collect(),
            None,
        ),
        Kind::Nationality {} => (
            t.get("q-nationality"),
            options
                .iter()
                .map(|o| match ENDONYMS.iter().find(|(code, _)| code == o) {
                    Some((code, name)) => ((*code).to_owned(), (*name).to_owned()),
                    None => keyed("country", o),
                })
                .collect(),
            None,
        ),
        Kind::LengthOfStay {} => (
            t.get("q-length-of-stay"),
            // "8+" is "stay-8plus" in the texts (Fluent keys take no "+").
            options
                .iter()
                .map(|o| {
                    (
                        (*o).to_owned(),
                        t.get(&format!("stay-{}", o.replace('+', "plus"))),
                    )
                })
                .collect(),
            None,
        ),
        Kind::Interests {} => (
            t.get("q-interests"),
            options.iter().map(|o| keyed("interest", o)).collect(),
            None,
        ),
        Kind::Feedback {} => (
            t.get("q-feedback"),
            options
                .iter()
                // The stars for the eye, the number for screen readers.
                .map(|o| {
                    (
                        (*o).to_owned(),
                        format!("{} {o}/5", "★".repeat(o.parse().unwrap_or(1))),
                    )
                })
                .collect(),
            Some(t.get("q-feedback-comment")),
        ),
        Kind::SingleChoice { text, options } | Kind::MultipleChoice { text, options } => (
            text.get(lang, default).to_owned(),
            options
                .iter()
                .map(|o| (o.id.clone(), o.text.get(lang, default).to_owned()))
                .collect(),
            None,
        ),
        Kind::Text { text } => (
            text.get(lang, default).to_owned(),
            Vec::new(),
            Some(String::new()),
        ),
    };
    QuestionView {
        field: format!("q_{}", q.id),
        label,
        mandatory: q.mandatory,
        several: q.kind.options().1,
        options,
        text,
    }
}

#[derive(Template)]
#[template(path = "questionnaire.html")]
struct QuestionnairePage {
    t: Texts,
    page: Page,
    questions: Vec<QuestionView>,
    error: Option<String>,
    token: String,
    dst: String,
    /// Before access: the click-through form's choices, carried to the answers' post.
    click: Option<ConsentForm>,
    /// The survey consent's label, when the guest has not given it.
    ask_consent: Option<String>,
    /// The guest may skip (after login).
    skippable: bool,
}

/// The page for the guest at `peer` in `lang`; `click` carries a click-through form (before
/// access), whose language wins.
pub async fn page(
    state: &PortalState,
    peer: SocketAddr,
    lang: Lang,
    code: StatusCode,
    dst: &str,
    click: Option<ConsentForm>,
    error: Option<String>,
) -> Response {
    let s = state.gateway.hotspot();
    let lang = click.as_ref().map_or(lang, |c| c.lang(lang));
    let t = Texts::new(lang);
    let consented = match &click {
        Some(form) => form.consent_surveys.is_some(),
        None => surveys_granted(state, peer).await,
    };
    let ask_consent = (!consented).then(|| ConsentTexts::new(&s, &t).surveys);
    render(
        code,
        &QuestionnairePage {
            page: Page::new(&s, &t, "/questionnaire", dst),
            questions: views(&s, &t),
            error,
            token: forgery::token_for(state, peer),
            dst: dst.to_owned(),
            skippable: click.is_none() && !s.questionnaire.required,
            click,
            ask_consent,
            t,
        },
    )
}

async fn surveys_granted(state: &PortalState, peer: SocketAddr) -> bool {
    let Some(ip) = client_ipv4(peer) else {
        return false;
    };
    matches!(state.gateway.guest_at(ip).await, Ok(Some(g)) if latest_granted(&g.records, Purpose::Surveys))
}

/// Where a guest goes right after logging in: the questionnaire when it is asked after login,
/// else the page first asked for (or the status page).
pub fn after_login(s: &HotspotSettings, dst: &str) -> String {
    if s.questionnaire.enabled && !s.questionnaire.required {
        let query = serde_urlencoded::to_string([("dst", dst)]).unwrap_or_default();
        return format!("/questionnaire?{query}");
    }
    if dst.is_empty() {
        "/status".into()
    } else {
        dst.into()
    }
}

/// `GET /questionnaire`: for a guest online, when the venue asks questions.
pub async fn show(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<DstQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, cookie) = guest_lang(&state, q.lang.as_deref(), &headers);
    let dst = safe_dst(q.dst.as_deref()).to_owned();
    if !state.gateway.hotspot().questionnaire.enabled || state.client_at(peer).await.is_none() {
        return Redirect::to("/").into_response();
    }
    let shown = page(&state, peer, lang, StatusCode::OK, &dst, None, None).await;
    keeping_lang(cookie, shown)
}

/// `POST /questionnaire`: checks the answers; before access (`click=yes`) logs the device in
/// by click-through first; keeps the answers under the survey consent; continues to the page
/// first asked for. Missing or invalid answers show the page again, saying which.
pub async fn answer(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let dst = safe_dst(field("dst").as_deref()).to_owned();
    let s = state.gateway.hotspot();
    let click = (field("click").is_some()).then(|| ConsentForm {
        accept_terms: field("accept_terms"),
        consent_marketing: field("consent_marketing"),
        consent_surveys: field("consent_surveys"),
        lang: field("lang"),
    });
    // The language the page was shown in, else the request's.
    let lang = field("lang")
        .and_then(|l| l.parse::<Lang>().ok())
        .unwrap_or_else(|| guest_lang(&state, None, &headers).0);
    let t = Texts::new(lang);
    if !forgery::token_valid(&state, peer, field("token").as_deref()) {
        let error = Some(expired(&t));
        return page(&state, peer, lang, StatusCode::FORBIDDEN, "", click, error).await;
    }
    let answers = match s.questionnaire.check(&form) {
        Ok(answers) => answers,
        Err(problems) => {
            let views = views(&s, &t);
            let names: Vec<String> = (problems.iter())
                .filter_map(|p| {
                    views
                        .iter()
                        .find(|v| v.field == format!("q_{}", p.question))
                })
                .map(|v| v.label.clone())
                .collect();
            let error = t.with("questionnaire-problems", "questions", names.join(" · "));
            return page(
                &state,
                peer,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &dst,
                click,
                Some(error),
            )
            .await;
        }
    };
    let Some(ip) = client_ipv4(peer) else {
        return Redirect::to("/").into_response();
    };
    if let Some(click) = &click {
        let choices = match click.choices(&s, lang) {
            Ok(c) => c,
            Err(_) => return Redirect::to("/").into_response(),
        };
        if let Err(e) = state.gateway.click_login(ip, lang, choices).await {
            let code = login_error_status(&e, ip);
            let text = Some(login_error(&t, &e));
            return page(&state, peer, lang, code, &dst, Some(click.clone()), text).await;
        }
    }
    // A survey consent ticked on this page (after login) joins the ledger first.
    let consent: Vec<ConsentChoice> = (click.is_none() && field("consent_surveys").is_some())
        .then(|| {
            let text = ConsentTexts::new(&s, &t).surveys;
            ConsentChoice::new(Purpose::Surveys, true, &text, lang, How::QuestionnairePage)
        })
        .into_iter()
        .collect();
    if let Err(e) = state.gateway.record_answers(ip, answers, consent).await {
        warn!(error = %e, %ip, "questionnaire answers could not be recorded");
    }
    Redirect::to(if dst.is_empty() { "/status" } else { &dst }).into_response()
}

#[cfg(test)]
mod tests;
