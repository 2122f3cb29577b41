//! Consents: what a guest agreed to, in which words, and how. Each choice is one row of an
//! append-only ledger; a withdrawal is a new row, never an edit. The words shown are named by
//! the SHA-256 of their exact text, so the ledger proves what the guest read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::settings::Lang;

/// What a consent is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// The terms of use (a condition of access: a contract, not consent in the GDPR sense).
    Terms,
    /// The privacy notice was shown and acknowledged.
    Privacy,
    /// Offers and news from the venue (optional, never a condition of access).
    Marketing,
    /// Questionnaires and the answers kept (optional).
    Surveys,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 4] = [
        Purpose::Terms,
        Purpose::Privacy,
        Purpose::Marketing,
        Purpose::Surveys,
    ];

    /// The purposes a guest may refuse or withdraw without losing access.
    pub const OPTIONAL: [Purpose; 2] = [Purpose::Marketing, Purpose::Surveys];

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Terms => "terms",
            Purpose::Privacy => "privacy",
            Purpose::Marketing => "marketing",
            Purpose::Surveys => "surveys",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Purpose {
    type Err = ConsentError;

    fn from_str(s: &str) -> Result<Purpose, ConsentError> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| ConsentError::Unknown("purpose", s.to_owned()))
    }
}

/// Where the guest gave or withdrew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// A checkbox on a login form of the splash page (never pre-ticked).
    SplashCheckbox,
    /// A button on the status page.
    StatusPage,
    /// A checkbox on the questionnaire page (never pre-ticked).
    QuestionnairePage,
}

impl How {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            How::SplashCheckbox => "splash-checkbox",
            How::StatusPage => "status-page",
            How::QuestionnairePage => "questionnaire-page",
        }
    }
}

impl FromStr for How {
    type Err = ConsentError;

    fn from_str(s: &str) -> Result<How, ConsentError> {
        [How::SplashCheckbox, How::StatusPage, How::QuestionnairePage]
            .into_iter()
            .find(|h| h.as_str() == s)
            .ok_or_else(|| ConsentError::Unknown("how", s.to_owned()))
    }
}

/// Why consents cannot be taken as given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConsentError {
    /// The terms and the privacy notice must be accepted to get online.
    #[error("accept the terms of use and the privacy notice to connect")]
    TermsNotAccepted,
    /// A stored value is not one this version knows.
    #[error("unknown consent {0} {1:?}")]
    Unknown(&'static str, String),
}

/// The version of a text: the hex SHA-256 of exactly the text shown.
pub fn text_version(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// One choice a guest made: granted (ticked) or withdrawn (unticked, or the withdraw button),
/// of a text in a language, given in some way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChoice {
    /// What for.
    pub purpose: Purpose,
    /// Granted, or refused/withdrawn.
    pub granted: bool,
    /// [`text_version`] of the words shown.
    pub text_version: String,
    /// The language they were shown in.
    pub lang: Lang,
    /// Where.
    pub how: How,
}

impl ConsentChoice {
    /// A choice about `text` as shown.
    pub fn new(purpose: Purpose, granted: bool, text: &str, lang: Lang, how: How) -> Self {
        ConsentChoice {
            purpose,
            granted,
            text_version: text_version(text),
            lang,
            how,
        }
    }
}

/// Checks that the terms and privacy notice are among the choices, granted: a login form with
/// them unticked is refused before anything is recorded.
pub fn require_terms(choices: &[ConsentChoice]) -> Result<(), ConsentError> {
    let granted = |p| choices.iter().any(|c| c.purpose == p && c.granted);
    if granted(Purpose::Terms) && granted(Purpose::Privacy) {
        Ok(())
    } else {
        Err(ConsentError::TermsNotAccepted)
    }
}

/// A row of the ledger as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentRecord {
    /// Ledger position (later rows have higher ids).
    pub id: i64,
    /// The guest; kept after erasure (the guest row then holds no identity).
    pub guest_id: i64,
    /// The device it was given on; `None` once the guest's data was erased.
    pub mac: Option<String>,
    /// The session it was given in, if any.
    pub session_id: Option<i64>,
    /// The choice.
    #[serde(flatten)]
    pub choice: ConsentChoice,
    /// Unix time.
    pub at: i64,
}

/// Whether the latest of a guest's records for `purpose` grants it (none: not granted).
/// Records are in ledger order.
pub fn latest_granted(records: &[ConsentRecord], purpose: Purpose) -> bool {
    records
        .iter()
        .filter(|r| r.choice.purpose == purpose)
        .max_by_key(|r| (r.at, r.id))
        .is_some_and(|r| r.choice.granted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, purpose: Purpose, granted: bool, at: i64) -> ConsentRecord {
        ConsentRecord {
            id,
            guest_id: 1,
            mac: None,
            session_id: None,
            choice: ConsentChoice::new(purpose, granted, "text", Lang::En, How::SplashCheckbox),
            at,
        }
    }

    #[test]
    fn the_version_is_the_sha256_of_the_exact_text() {
        assert_eq!(
            text_version(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_ne!(text_version("Terms."), text_version("Terms. "));
    }

    #[test]
    fn terms_and_privacy_are_both_required() {
        let c = |p, g| ConsentChoice::new(p, g, "t", Lang::It, How::SplashCheckbox);
        assert!(require_terms(&[c(Purpose::Terms, true), c(Purpose::Privacy, true)]).is_ok());
        assert_eq!(
            require_terms(&[c(Purpose::Terms, true), c(Purpose::Privacy, false)]),
            Err(ConsentError::TermsNotAccepted)
        );
        assert_eq!(
            require_terms(&[c(Purpose::Marketing, true)]),
            Err(ConsentError::TermsNotAccepted)
        );
    }

    #[test]
    fn the_latest_record_decides() {
        use Purpose::*;
        assert!(!latest_granted(&[], Marketing));
        let granted_then_withdrawn = [
            record(1, Marketing, true, 10),
            record(2, Marketing, false, 20),
        ];
        assert!(!latest_granted(&granted_then_withdrawn, Marketing));
        let again = [
            record(1, Marketing, true, 10),
            record(2, Marketing, false, 20),
            record(3, Marketing, true, 30),
            record(4, Surveys, false, 40),
        ];
        assert!(latest_granted(&again, Marketing));
        assert!(!latest_granted(&again, Surveys));
        // Same second: the later row wins.
        assert!(!latest_granted(
            &[
                record(5, Marketing, true, 50),
                record(6, Marketing, false, 50)
            ],
            Marketing
        ));
    }

    #[test]
    fn names_round_trip() {
        for p in Purpose::ALL {
            assert_eq!(p.as_str().parse::<Purpose>(), Ok(p));
        }
        for h in [How::SplashCheckbox, How::StatusPage, How::QuestionnairePage] {
            assert_eq!(h.as_str().parse::<How>(), Ok(h));
        }
    }
}
