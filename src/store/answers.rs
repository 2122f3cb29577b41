//! Questionnaire answers, per guest and session. Kept only under the guest's survey consent
//! (the gateway checks); erasure clears their free text.

use rusqlite::params;
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::guest::GuestId;
use crate::model::settings::Answer;

/// An answer as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAnswer {
    /// The answer.
    #[serde(flatten)]
    pub answer: Answer,
    /// The session it was given in.
    pub session_id: Option<i64>,
    /// Unix time.
    pub at: i64,
}

impl Store {
    /// Keeps answers of a guest, in one transaction.
    pub fn insert_answers(
        &mut self,
        guest: GuestId,
        session_id: Option<i64>,
        answers: &[Answer],
        at: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO answers (guest_id, session_id, question, choices, text, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for a in answers {
                // Option keys are a-z, 0-9, _, - and + (checked against the questions).
                stmt.execute(params![
                    guest.0,
                    session_id,
                    a.question,
                    a.choices.join(","),
                    a.text,
                    at
                ])?;
            }
        }
        super::outbox::answered(&tx, guest.0, answers, at)?;
        tx.commit()?;
        Ok(())
    }

    /// A guest's answers, oldest first.
    pub fn answers_of(&self, guest: GuestId) -> Result<Vec<StoredAnswer>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT question, choices, text, session_id, at FROM answers WHERE guest_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([guest.0], |r| {
            let choices: String = r.get(1)?;
            Ok(StoredAnswer {
                answer: Answer {
                    question: r.get(0)?,
                    choices: choices
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    text: r.get(2)?,
                },
                session_id: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
