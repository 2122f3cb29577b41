//! Questions asked of guests: the seed's built-ins (reason of the trip, nationality, length of
//! stay, interests, feedback with a rating and a comment) and the venue's own single-choice,
//! multiple-choice and text questions, each text per language. Asked after login (the guest may
//! skip), or required before access (click-through guests get online by answering). Answers
//! are checked here; they are kept only under the guest's survey consent.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Localized, SettingsError};

/// The questionnaire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Questionnaire {
    /// Asked at all.
    pub enabled: bool,
    /// Before access (click-through guests answer to get online) rather than after login.
    pub required: bool,
    /// In the order shown.
    pub questions: Vec<Question>,
}

/// One question. (Unknown fields are refused by [`Kind`], which receives every field but these:
/// serde cannot deny them on a struct with a flattened part.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable key the answers are stored under (`a-z`, `0-9`, `_`, `-`).
    pub id: String,
    /// Must be answered.
    #[serde(default)]
    pub mandatory: bool,
    /// What is asked.
    #[serde(flatten)]
    pub kind: Kind,
}

/// What a question asks; the built-ins bring their own texts in every language. (Every
/// variant has braces so that a misspelt field is refused, also on a built-in.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Kind {
    /// Business, leisure or other.
    TripReason {},
    /// One country.
    Nationality {},
    /// Nights: one, two or three, four to seven, more.
    LengthOfStay {},
    /// Any of food, culture, nature, sport, nightlife, shopping, wellness.
    Interests {},
    /// A rating of 1–5 and an optional comment.
    Feedback {},
    /// One of the options.
    SingleChoice {
        /// The question.
        text: Localized,
        /// The options.
        options: Vec<Choice>,
    },
    /// Any of the options.
    MultipleChoice {
        /// The question.
        text: Localized,
        /// The options.
        options: Vec<Choice>,
    },
    /// Free text.
    Text {
        /// The question.
        text: Localized,
    },
}

/// An option of a venue's own question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stable key stored with the answer.
    pub id: String,
    /// What the guest reads.
    pub text: Localized,
}

/// Options of the built-in choice questions (their labels are in the guest texts).
pub const TRIP_REASONS: [&str; 3] = ["business", "leisure", "other"];
/// Lengths of stay.
pub const STAYS: [&str; 4] = ["1", "2-3", "4-7", "8+"];
/// Interests.
pub const INTERESTS: [&str; 7] = [
    "food",
    "culture",
    "nature",
    "sport",
    "nightlife",
    "shopping",
    "wellness",
];
/// Nationalities by ISO 3166-1 code; `other` for the rest.
pub const COUNTRIES: [&str; 24] = [
    "at", "be", "br", "ch", "cn", "cz", "de", "dk", "es", "fr", "gb", "gr", "hr", "hu", "ie", "it",
    "jp", "nl", "pl", "pt", "ro", "se", "us", "other",
];
/// Ratings.
pub const RATINGS: [&str; 5] = ["1", "2", "3", "4", "5"];

/// Longest free-text answer, in characters.
pub const MAX_TEXT: usize = 1000;

/// One answer, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The question's id.
    pub question: String,
    /// Option keys chosen (a rating is its digit).
    pub choices: Vec<String>,
    /// Free text (a text question, or the feedback's comment).
    pub text: Option<String>,
}

/// A question answered wrongly; `question` is its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerProblem {
    /// The question.
    pub question: String,
    /// Missing (a mandatory question), or not one of the options.
    pub missing: bool,
}

impl Kind {
    /// The option keys the guest may choose (empty for text), and whether several may be.
    pub fn options(&self) -> (Vec<&str>, bool) {
        match self {
            Kind::TripReason {} => (TRIP_REASONS.to_vec(), false),
            Kind::Nationality {} => (COUNTRIES.to_vec(), false),
            Kind::LengthOfStay {} => (STAYS.to_vec(), false),
            Kind::Interests {} => (INTERESTS.to_vec(), true),
            Kind::Feedback {} => (RATINGS.to_vec(), false),
            Kind::SingleChoice { options, .. } => {
                (options.iter().map(|o| o.id.as_str()).collect(), false)
            }
            Kind::MultipleChoice { options, .. } => {
                (options.iter().map(|o| o.id.as_str()).collect(), true)
            }
            Kind::Text { .. } => (Vec::new(), false),
        }
    }

    /// Whether the question takes free text (a text question, the feedback's comment).
    pub fn takes_text(&self) -> bool {
        matches!(self, Kind::Text { .. } | Kind::Feedback {})
    }
}

fn valid_key(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Questionnaire {
    pub(super) fn validate(&self, errors: &mut Vec<SettingsError>) {
        if self.enabled && self.questions.is_empty() {
            errors.push(SettingsError::new(
                "questionnaire.questions",
                "is empty while the questionnaire is enabled",
                "add a question, e.g. {\"id\": \"trip\", \"type\": \"trip-reason\"}",
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let field = format!("questionnaire.questions[{i}]");
            if !valid_key(&q.id) {
                errors.push(SettingsError::new(
                    format!("{field}.id"),
                    format!("{:?} is not a key", q.id),
                    "use 1–32 of a-z, 0-9, _ and -, e.g. \"trip\"",
                ));
            } else if !seen.insert(&q.id) {
                errors.push(SettingsError::new(
                    format!("{field}.id"),
                    format!("{:?} is used by an earlier question", q.id),
                    "give every question its own id",
                ));
            }
            if let Kind::SingleChoice { text, options } | Kind::MultipleChoice { text, options } =
                &q.kind
            {
                if options.len() < 2 {
                    errors.push(SettingsError::new(
                        format!("{field}.options"),
                        format!("has {} option(s)", options.len()),
                        "give at least two options",
                    ));
                }
                let mut keys = BTreeSet::new();
                for (j, o) in options.iter().enumerate() {
                    if !valid_key(&o.id) || !keys.insert(&o.id) {
                        errors.push(SettingsError::new(
                            format!("{field}.options[{j}].id"),
                            format!("{:?} is not a key of its own", o.id),
                            "use 1–32 of a-z, 0-9, _ and -, different for each option",
                        ));
                    }
                    if o.text.is_blank() {
                        errors.push(SettingsError::new(
                            format!("{field}.options[{j}].text"),
                            "is empty",
                            "write the option in at least the default language",
                        ));
                    }
                }
                if text.is_blank() {
                    errors.push(blank_text(&field));
                }
            }
            if let Kind::Text { text } = &q.kind
                && text.is_blank()
            {
                errors.push(blank_text(&field));
            }
        }
    }

    /// Checks a submitted form (`(field, value)` pairs: `q_ID` an option key, repeated for
    /// several; `q_ID_text` free text) against the questions. Unanswered optional questions
    /// are left out; anything that is not one of a question's options is a problem.
    pub fn check(&self, form: &[(String, String)]) -> Result<Vec<Answer>, Vec<AnswerProblem>> {
        let mut answers = Vec::new();
        let mut problems = Vec::new();
        for q in &self.questions {
            let key = format!("q_{}", q.id);
            let text_key = format!("q_{}_text", q.id);
            let chosen: Vec<String> = (form.iter())
                .filter(|(k, v)| *k == key && !v.is_empty())
                .map(|(_, v)| v.clone())
                .collect();
            let text = (form.iter())
                .find(|(k, _)| *k == text_key)
                .map(|(_, v)| v.trim().chars().take(MAX_TEXT).collect::<String>())
                .filter(|t| !t.is_empty() && q.kind.takes_text());
            let (options, several) = q.kind.options();
            let bad = chosen.iter().any(|c| !options.contains(&c.as_str()))
                || (!several && chosen.len() > 1);
            if bad {
                problems.push(AnswerProblem {
                    question: q.id.clone(),
                    missing: false,
                });
                continue;
            }
            let answered = match q.kind {
                Kind::Text { .. } => text.is_some(),
                _ => !chosen.is_empty(),
            };
            if !answered {
                if q.mandatory {
                    problems.push(AnswerProblem {
                        question: q.id.clone(),
                        missing: true,
                    });
                }
                continue;
            }
            answers.push(Answer {
                question: q.id.clone(),
                choices: chosen,
                text,
            });
        }
        if problems.is_empty() {
            Ok(answers)
        } else {
            Err(problems)
        }
    }
}

fn blank_text(field: &str) -> SettingsError {
    SettingsError::new(
        format!("{field}.text"),
        "is empty",
        "write the question in at least the default language",
    )
}

#[cfg(test)]
mod tests;
