//! The consent ledger: rows are only ever appended (the schema's triggers refuse deletes, and
//! every update but erasure's clearing of the device).

use rusqlite::{Row, Transaction, params};
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::consent::{ConsentChoice, ConsentRecord, Purpose};
use crate::model::guest::{Guest, GuestId};
use crate::proto::events as proto;

/// A guest whose latest marketing consent is granted, with that consent's evidence.
#[derive(Debug, Clone, Serialize)]
pub struct MarketingContact {
    /// The guest.
    pub guest: Guest,
    /// The granting record.
    pub consent: ConsentRecord,
}

/// Appends choices inside the caller's transaction.
pub(super) fn append(
    tx: &Transaction,
    guest_id: i64,
    mac: Option<&str>,
    session_id: Option<i64>,
    choices: &[ConsentChoice],
    at: i64,
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO consents (guest_id, mac, session_id, purpose, granted, text_version, lang, how, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for c in choices {
        stmt.execute(params![
            guest_id,
            mac,
            session_id,
            c.purpose.as_str(),
            c.granted,
            c.text_version,
            c.lang.code(),
            c.how.as_str(),
            at
        ])?;
        let consent = proto::Consent {
            uid: super::outbox::new_uid(),
            guest_uid: String::new(),
            purpose: c.purpose.as_str().into(),
            granted: c.granted,
            text_sha256: c.text_version.clone(),
            language: c.lang.code().into(),
            how: c.how.as_str().into(),
        };
        super::outbox::consent_given(tx, guest_id, consent, at)?;
    }
    Ok(())
}

const RECORD: &str = "SELECT c.id, c.guest_id, c.mac, c.session_id, c.purpose, c.granted,
    c.text_version, c.lang, c.how, c.at FROM consents c";

fn record_row(row: &Row) -> rusqlite::Result<(ConsentRecord, [String; 3])> {
    Ok((
        ConsentRecord {
            id: row.get(0)?,
            guest_id: row.get(1)?,
            mac: row.get(2)?,
            session_id: row.get(3)?,
            choice: ConsentChoice {
                purpose: Purpose::Terms,
                granted: row.get(5)?,
                text_version: row.get(6)?,
                lang: crate::model::settings::Lang::En,
                how: crate::model::consent::How::SplashCheckbox,
            },
            at: row.get(9)?,
        },
        [row.get(4)?, row.get(7)?, row.get(8)?],
    ))
}

fn typed(
    (mut r, [purpose, lang, how]): (ConsentRecord, [String; 3]),
) -> Result<ConsentRecord, StoreError> {
    let corrupt = |column, value: String| StoreError::Corrupt { column, value };
    r.choice.purpose = purpose
        .parse()
        .map_err(|_| corrupt("consents.purpose", purpose))?;
    r.choice.lang = lang.parse().map_err(|_| corrupt("consents.lang", lang))?;
    r.choice.how = how.parse().map_err(|_| corrupt("consents.how", how))?;
    Ok(r)
}

impl Store {
    /// Appends choices of a guest (e.g. a withdrawal on the status page).
    pub fn append_consents(
        &mut self,
        guest: GuestId,
        mac: Option<&str>,
        session_id: Option<i64>,
        choices: &[ConsentChoice],
        at: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        append(&tx, guest.0, mac, session_id, choices, at)?;
        tx.commit()?;
        Ok(())
    }

    /// A guest's ledger, oldest first.
    pub fn consents_of(&self, guest: GuestId) -> Result<Vec<ConsentRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{RECORD} WHERE c.guest_id = ?1 ORDER BY c.id"))?;
        let rows = stmt.query_map([guest.0], record_row)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(typed))
            .collect()
    }

    /// Guests (not erased) whose latest marketing record grants it, with that record.
    pub fn marketing_contacts(&self) -> Result<Vec<MarketingContact>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "{RECORD} WHERE c.purpose = 'marketing' AND c.id = (
                 SELECT MAX(l.id) FROM consents l WHERE l.guest_id = c.guest_id AND l.purpose = 'marketing')
             AND c.granted = 1 ORDER BY c.guest_id"
        ))?;
        let records = stmt
            .query_map([], record_row)?
            .map(|r| r.map_err(StoreError::from).and_then(typed))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::new();
        for consent in records {
            match self.guest(GuestId(consent.guest_id))? {
                Some(guest) if guest.erased_at.is_none() => {
                    out.push(MarketingContact { guest, consent })
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::consent::{How, latest_granted};
    use crate::model::guest::Method;
    use crate::model::settings::Lang;
    use crate::store::{EraseOutcome, GuestVisit};

    fn visit(mac: &str, consents: Vec<ConsentChoice>, at: i64) -> GuestVisit {
        GuestVisit {
            method: Method::Click,
            identifier: mac.into(),
            verified: false,
            lang: Lang::It,
            mac: mac.into(),
            consents,
            at,
        }
    }

    fn marketing(granted: bool, how: How) -> ConsentChoice {
        ConsentChoice::new(Purpose::Marketing, granted, "offers", Lang::It, how)
    }

    #[test]
    fn the_export_holds_only_guests_whose_latest_marketing_choice_grants_it() {
        let mut s = Store::open_in_memory().unwrap();
        let withdrew = s
            .record_guest_visit(&visit(
                "02:00:00:00:00:01",
                vec![marketing(true, How::SplashCheckbox)],
                10,
            ))
            .unwrap();
        s.append_consents(
            withdrew,
            None,
            None,
            &[marketing(false, How::StatusPage)],
            20,
        )
        .unwrap();
        let never = s
            .record_guest_visit(&visit(
                "02:00:00:00:00:02",
                vec![marketing(false, How::SplashCheckbox)],
                10,
            ))
            .unwrap();
        let again = s
            .record_guest_visit(&visit(
                "02:00:00:00:00:03",
                vec![marketing(true, How::SplashCheckbox)],
                10,
            ))
            .unwrap();
        s.append_consents(again, None, None, &[marketing(false, How::StatusPage)], 20)
            .unwrap();
        s.record_guest_visit(&visit(
            "02:00:00:00:00:03",
            vec![marketing(true, How::SplashCheckbox)],
            30,
        ))
        .unwrap();
        let ids: Vec<_> = (s.marketing_contacts().unwrap().iter())
            .map(|c| c.guest.id)
            .collect();
        assert_eq!(ids, vec![again]);
        assert!(!latest_granted(
            &s.consents_of(withdrew).unwrap(),
            Purpose::Marketing
        ));
        assert!(!latest_granted(
            &s.consents_of(never).unwrap(),
            Purpose::Marketing
        ));
        assert_eq!(s.consents_of(again).unwrap().len(), 3);
    }

    #[test]
    fn the_ledger_refuses_deletes_and_edits_but_erasure_clears_the_device() {
        let mut s = Store::open_in_memory().unwrap();
        let g = s
            .record_guest_visit(&visit(
                "02:00:00:00:00:01",
                vec![marketing(true, How::SplashCheckbox)],
                10,
            ))
            .unwrap();
        assert!(s.conn.execute("DELETE FROM consents", []).is_err());
        assert!(
            s.conn
                .execute("UPDATE consents SET granted = 0", [])
                .is_err()
        );
        assert!(
            s.conn
                .execute("UPDATE consents SET mac = NULL, at = 99", [])
                .is_err()
        );
        assert_eq!(s.erase_guest(g, 50).unwrap(), EraseOutcome::Erased);
        let rows = s.consents_of(g).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].mac, None);
        assert_eq!(
            (rows[0].at, rows[0].choice.purpose),
            (10, Purpose::Marketing)
        );
        let guest = s.guest(g).unwrap().unwrap();
        assert_eq!((guest.identifier, guest.erased_at), (None, Some(50)));
        assert!(
            s.marketing_contacts().unwrap().is_empty(),
            "erased guests are not contacts"
        );
        assert_eq!(s.erase_guest(g, 60).unwrap(), EraseOutcome::AlreadyErased);
        // The device logging in again is a new guest.
        let again = s
            .record_guest_visit(&visit("02:00:00:00:00:01", vec![], 70))
            .unwrap();
        assert_ne!(again, g);
    }
}
