//! Erasures the manager sends (`proto::changes::Change::GuestErased`), applied by the guest's
//! uid the way `Store::erase_guest` erases a guest, and what any erasure leaves behind: the
//! guest's events still waiting in the outbox (its details, its sessions' device and address,
//! its answers' free text) are scrubbed, and a guest online when erased keeps its running
//! sessions' device only until the gateway logs it off (the firewall needs the address).

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;

use super::guests::{anonymise, erased_guest};
use super::{Store, StoreError};

/// What a session's device and address become once its guest is erased.
const ERASED: &str = "erased";

/// Erases guest `uid` (nothing when this unit does not know it or erased it already); returns
/// the users whose devices are online for it, to log off.
pub(super) fn erase_by_uid(tx: &Transaction, uid: &str, now: i64) -> Result<Vec<i64>, StoreError> {
    let id: Option<i64> = tx
        .query_row(
            "SELECT id FROM guests WHERE uid = ?1 AND erased_at IS NULL",
            [uid],
            |r| r.get(0),
        )
        .optional()?;
    let Some(guest) = id.map(|id| erased_guest(tx, id)).transpose()?.flatten() else {
        return Ok(Vec::new());
    };
    let mut stmt = tx.prepare(
        "SELECT DISTINCT user_id FROM sessions WHERE guest_id = ?1 AND ended_at IS NULL",
    )?;
    let online = stmt
        .query_map([guest.id.0], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    anonymise(tx, &guest, now)?;
    Ok(online)
}

/// Removes guest `uid`'s personal data from the events waiting for the manager.
pub(super) fn scrub_outbox(tx: &Transaction, uid: &str) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM outbox WHERE kind = 'guest' AND json_extract(body, '$.uid') = ?1",
        [uid],
    )?;
    tx.execute(
        "UPDATE outbox SET body = json_set(body, '$.mac', ?2, '$.ip', ?2)
         WHERE kind = 'session_start' AND json_extract(body, '$.guest_uid') = ?1",
        params![uid, ERASED],
    )?;
    let mut stmt = tx.prepare(
        "SELECT seq, body FROM outbox WHERE kind = 'answer'
         AND json_extract(body, '$.guest_uid') = ?1",
    )?;
    let answers = stmt
        .query_map([uid], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (seq, body) in answers {
        let mut body: Value = serde_json::from_str(&body).unwrap_or_default();
        if let Some(questions) = body["answers"].as_object_mut() {
            for answer in questions.values_mut() {
                answer["text"] = Value::Null;
            }
        }
        tx.execute(
            "UPDATE outbox SET body = ?2 WHERE seq = ?1",
            params![seq, body.to_string()],
        )?;
    }
    Ok(())
}

/// Ended sessions of erased guests lose their device and address (a guest erased while
/// online kept them until logged off).
pub(super) fn scrub_ended(tx: &rusqlite::Connection) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE sessions SET mac = ?1, ip = ?1 WHERE ended_at IS NOT NULL AND mac <> ?1
         AND guest_id IN (SELECT id FROM guests WHERE erased_at IS NOT NULL)",
        [ERASED],
    )?)
}

impl Store {
    /// Scrubs the sessions of erased guests that ended since (after the gateway logged off
    /// a guest the manager erased while it was online).
    pub fn scrub_erased_sessions(&mut self) -> Result<usize, StoreError> {
        scrub_ended(&self.conn)
    }
}

#[cfg(test)]
mod tests {
    use super::super::identity::tests::identity;
    use super::super::sessions::tests::{new_session, setup};
    use super::super::{GuestVisit, SessionProgress, SyncedChanges};
    use crate::model::guest::Method;
    use crate::model::profile::activate_at_logon;
    use crate::model::session::TerminateCause;
    use crate::model::settings::Lang;

    const MAC: &str = "02:00:00:00:00:01";
    const EMAIL: &str = "ann@example.com";

    /// Every text of the tables that may hold the guest.
    fn holds(store: &super::Store, needle: &str) -> bool {
        let sql = "SELECT COUNT(*) FROM (SELECT body AS t FROM outbox UNION ALL
            SELECT mac FROM sessions UNION ALL SELECT ip FROM sessions UNION ALL
            SELECT identifier FROM guests UNION ALL SELECT mac FROM guest_devices)
            WHERE t LIKE '%' || ?1 || '%'";
        store
            .conn
            .query_row(sql, [needle], |r| r.get::<_, i64>(0))
            .unwrap()
            > 0
    }

    #[test]
    fn an_erasure_from_the_manager_scrubs_the_outbox_and_waits_for_the_log_off() {
        let (mut store, user, mut queue) = setup();
        store.save_identity(&identity(1)).unwrap();
        activate_at_logon(&mut queue, 1000);
        let s = new_session(user, MAC, queue[0].profile_id);
        let row = store.start_session(&s, &queue, true).unwrap();
        let visit = GuestVisit {
            method: Method::Email,
            identifier: EMAIL.into(),
            verified: true,
            lang: Lang::En,
            mac: MAC.into(),
            consents: Vec::new(),
            at: 1000,
        };
        store.record_guest_visit(&visit).unwrap();
        // Not sent yet: the outbox holds the guest and the session's device.
        assert!(holds(&store, EMAIL) && holds(&store, MAC));
        let uid: String = store
            .conn
            .query_row("SELECT uid FROM guests", [], |r| r.get(0))
            .unwrap();
        let changes = SyncedChanges {
            cursor: 9,
            guests_erased: vec![uid.clone(), "unknown-uid".into()],
            ..Default::default()
        };
        let applied = store.apply_synced(&changes, 2000).unwrap();
        // Online: its user is to be logged off; the running session keeps its device.
        assert_eq!(applied.erased_online, vec![user]);
        assert!(!holds(&store, EMAIL));
        let session_mac: String = store
            .conn
            .query_row("SELECT mac FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(session_mac, MAC);
        // Applied again (a reset's snapshot): nothing more to do.
        assert!(
            store
                .apply_synced(&changes, 2001)
                .unwrap()
                .erased_online
                .is_empty()
        );
        let progress = SessionProgress {
            id: row.id,
            bytes_up: 1,
            bytes_down: 10,
            last_activity_at: 2000,
        };
        store
            .end_session(&progress, TerminateCause::AdminReset, 2002)
            .unwrap();
        assert_eq!(store.scrub_erased_sessions().unwrap(), 1);
        assert!(!holds(&store, MAC), "the device left after the log-off");
        assert_eq!(store.scrub_erased_sessions().unwrap(), 0);
    }
}
