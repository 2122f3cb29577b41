//! Social login on the unit: the manager's assertions already used (each id once, kept until
//! it expires, so a replayed assertion is refused even after a restart), and what the
//! provider told about each social guest, kept with the guest and erased with it.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::model::guest::GuestId;
use crate::proto::events::GuestProfile;

impl Store {
    /// Marks assertion `id` (valid until `expires_at`) used; `false` if it was already.
    /// Ids past their expiry are forgotten: an expired assertion is refused anyway.
    pub fn use_assertion(
        &mut self,
        id: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM used_assertions WHERE expires_at < ?1", [now])?;
        let added = tx.execute(
            "INSERT OR IGNORE INTO used_assertions (id, expires_at) VALUES (?1, ?2)",
            params![id, expires_at],
        )?;
        tx.commit()?;
        Ok(added == 1)
    }

    /// A user of profile `profile` for a device's short grant to finish signing in in its
    /// browser, known by `hash`; `None` when the device had one since `since` or the
    /// profile does not exist.
    pub fn social_grant(
        &mut self,
        mac: &str,
        profile: &str,
        hash: &[u8],
        since: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let recent: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM social_grants WHERE mac = ?1 AND granted_at > ?2",
            params![mac, since],
            |r| r.get(0),
        )?;
        let Some(p) = self.profile_by_name(profile)? else {
            return Ok(None);
        };
        if recent > 0 {
            return Ok(None);
        }
        // A user of its own: the grant is accounted like any other session and uses nothing
        // of the guest's own allowance.
        let note = "social login: a few minutes to sign in in the browser";
        let user = self.insert_vouchers(&[hash.to_vec()], (p.id, p.clock), Some(1), note, now)?[0];
        self.conn.execute(
            "INSERT INTO social_grants (mac, user_id, granted_at) VALUES (?1, ?2, ?3)",
            params![mac, user, now],
        )?;
        Ok(Some(user))
    }

    /// Keeps `profile` with the social guest `identifier` (`provider:subject`), replacing
    /// what an earlier login told, and reports the guest again to the manager with it (when
    /// registered); `false` if no such guest is recorded.
    pub fn save_social_profile(
        &mut self,
        identifier: &str,
        profile: &GuestProfile,
        now: i64,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let Some(guest) = tx
            .query_row(
                "SELECT id FROM guests WHERE method = 'social' AND identifier = ?1",
                [identifier],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
        else {
            return Ok(false);
        };
        let interests = serde_json::to_string(&profile.interests).unwrap_or_else(|_| "[]".into());
        tx.execute(
            "INSERT INTO guest_profiles (guest_id, provider, name, email, gender, birth_date,
             locale, interests, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (guest_id) DO UPDATE SET provider = ?2, name = ?3, email = ?4,
             gender = ?5, birth_date = ?6, locale = ?7, interests = ?8, updated_at = ?9",
            params![
                guest,
                profile.provider.as_deref().unwrap_or_default(),
                profile.name,
                profile.email,
                profile.gender,
                profile.birth_date,
                profile.locale,
                interests,
                now
            ],
        )?;
        super::outbox::guest_seen(&tx, guest, now)?;
        tx.commit()?;
        Ok(true)
    }

    /// What the provider told about `guest`, if it logged in socially.
    pub fn guest_profile(&self, guest: GuestId) -> Result<Option<GuestProfile>, StoreError> {
        stored_profile(&self.conn, guest.0)
    }
}

/// What the provider told about guest `id` (the subject is its identifier's, not repeated).
pub(super) fn stored_profile(
    conn: &Connection,
    id: i64,
) -> Result<Option<GuestProfile>, StoreError> {
    let row = conn
        .query_row(
            "SELECT provider, name, email, gender, birth_date, locale, interests
             FROM guest_profiles WHERE guest_id = ?1",
            [id],
            |r| {
                Ok((
                    GuestProfile {
                        provider: Some(r.get(0)?),
                        subject: None,
                        name: r.get(1)?,
                        email: r.get(2)?,
                        gender: r.get(3)?,
                        birth_date: r.get(4)?,
                        locale: r.get(5)?,
                        interests: Vec::new(),
                    },
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()?;
    row.map(|(mut p, interests)| {
        p.interests = serde_json::from_str(&interests).map_err(|_| StoreError::Corrupt {
            column: "guest_profiles.interests",
            value: interests,
        })?;
        Ok(p)
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::guest::Method;
    use crate::model::settings::Lang;
    use crate::proto::events::EventBody;
    use crate::store::{EraseOutcome, GuestVisit};

    #[test]
    fn a_social_profile_is_kept_reported_to_the_manager_and_erased_with_the_guest() {
        let mut s = Store::open_in_memory().unwrap();
        s.save_identity(&crate::store::identity::tests::identity(1))
            .unwrap();
        let profile = GuestProfile {
            provider: Some("op".into()),
            subject: Some("alice".into()),
            name: Some("Alice".into()),
            interests: vec!["Jazz".into()],
            ..GuestProfile::default()
        };
        assert!(
            !s.save_social_profile("op:alice", &profile, 10).unwrap(),
            "no guest yet"
        );
        let guest = s
            .record_guest_visit(&GuestVisit {
                method: Method::Social,
                identifier: "op:alice".into(),
                verified: true,
                lang: Lang::En,
                mac: "02:00:00:00:00:01".into(),
                consents: Vec::new(),
                at: 10,
            })
            .unwrap();
        assert!(s.save_social_profile("op:alice", &profile, 11).unwrap());
        let kept = s.guest_profile(guest).unwrap().unwrap();
        assert_eq!(kept.name.as_deref(), Some("Alice"));
        assert_eq!(kept.interests, ["Jazz"]);
        let reported: Vec<_> = (s.outbox_batch(100).unwrap().into_iter())
            .filter_map(|e| match e.body {
                EventBody::Guest(g) => Some(g),
                _ => None,
            })
            .collect();
        let last = reported.last().expect("a guest event");
        assert_eq!(
            (last.method.as_str(), last.username.as_str()),
            ("social", "op:alice")
        );
        assert_eq!(last.profile.name.as_deref(), Some("Alice"));
        assert_eq!(s.erase_guest(guest, 20).unwrap(), EraseOutcome::Erased);
        assert_eq!(s.guest_profile(guest).unwrap(), None);
    }

    #[test]
    fn an_assertion_is_used_once_until_it_expires() {
        let mut s = Store::open_in_memory().unwrap();
        assert!(s.use_assertion("a1", 1060, 1000).unwrap());
        assert!(!s.use_assertion("a1", 1060, 1001).unwrap(), "replayed");
        assert!(s.use_assertion("a2", 1070, 1001).unwrap());
        // Past a1's expiry its id is forgotten (an expired assertion fails verification).
        assert!(s.use_assertion("a3", 2000, 1061).unwrap());
        let left: i64 = s
            .conn
            .query_row("SELECT COUNT(*) FROM used_assertions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 2);
    }
}
