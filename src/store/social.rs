//! Social login on the unit: the manager's assertions already used (each id once, kept until
//! it expires, so a replayed assertion is refused even after a restart), and what the
//! provider told about each social guest, kept with the guest and erased with it.

use rusqlite::{OptionalExtension, params};

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
    /// what an earlier login told; `false` if no such guest is recorded.
    pub fn save_social_profile(
        &mut self,
        identifier: &str,
        profile: &GuestProfile,
        now: i64,
    ) -> Result<bool, StoreError> {
        let interests = serde_json::to_string(&profile.interests).unwrap_or_else(|_| "[]".into());
        let saved = self.conn.execute(
            "INSERT INTO guest_profiles (guest_id, provider, name, email, gender, birth_date,
             locale, interests, updated_at)
             SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM guests
             WHERE method = 'social' AND identifier = ?1
             ON CONFLICT (guest_id) DO UPDATE SET provider = ?2, name = ?3, email = ?4,
             gender = ?5, birth_date = ?6, locale = ?7, interests = ?8, updated_at = ?9",
            params![
                identifier,
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
        Ok(saved == 1)
    }

    /// What the provider told about `guest`, if it logged in socially.
    pub fn guest_profile(&self, guest: GuestId) -> Result<Option<GuestProfile>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT provider, name, email, gender, birth_date, locale, interests
                 FROM guest_profiles WHERE guest_id = ?1",
                [guest.0],
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
