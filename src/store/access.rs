//! MAC allow/block rules and walled-garden entries managed from the CLI.

use rusqlite::params;
use serde::Serialize;

use super::{Store, StoreError};

/// A MAC rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MacRule {
    /// `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// `allow` (bypass the portal) or `block`.
    pub kind: String,
    /// What the device is.
    pub description: String,
}

/// A walled-garden entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GardenEntry {
    /// Address or network in CIDR form.
    pub cidr: String,
    /// Why it is open.
    pub description: String,
}

impl Store {
    /// Allows or blocks a MAC (replacing an earlier rule for it).
    pub fn set_mac_rule(
        &mut self,
        mac: &str,
        kind: &str,
        description: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO mac_rules (mac, kind, description, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![mac, kind, description, now],
        )?;
        Ok(())
    }

    /// Removes a MAC's rule; false if it had none.
    pub fn remove_mac_rule(&mut self, mac: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM mac_rules WHERE mac = ?1", [mac])?
            == 1)
    }

    /// All MAC rules.
    pub fn mac_rules(&self) -> Result<Vec<MacRule>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT mac, kind, description FROM mac_rules ORDER BY kind, mac")?;
        let rows = stmt.query_map([], |r| {
            Ok(MacRule {
                mac: r.get(0)?,
                kind: r.get(1)?,
                description: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Opens a destination before login.
    pub fn add_garden(
        &mut self,
        cidr: &str,
        description: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO garden (cidr, description, created_at) VALUES (?1, ?2, ?3)",
            params![cidr, description, now],
        )?;
        Ok(())
    }

    /// Closes it again; false if it was not open.
    pub fn remove_garden(&mut self, cidr: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM garden WHERE cidr = ?1", [cidr])?
            == 1)
    }

    /// The walled garden.
    pub fn garden(&self) -> Result<Vec<GardenEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT cidr, description FROM garden ORDER BY cidr")?;
        let rows = stmt.query_map([], |r| {
            Ok(GardenEntry {
                cidr: r.get(0)?,
                description: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_garden_round_trip() {
        let mut s = Store::open_in_memory().unwrap();
        s.set_mac_rule("02:00:00:00:00:01", "allow", "printer", 1)
            .unwrap();
        s.set_mac_rule("02:00:00:00:00:01", "block", "stolen", 2)
            .unwrap();
        assert_eq!(
            s.mac_rules().unwrap(),
            vec![MacRule {
                mac: "02:00:00:00:00:01".into(),
                kind: "block".into(),
                description: "stolen".into()
            }]
        );
        assert!(s.remove_mac_rule("02:00:00:00:00:01").unwrap());
        assert!(!s.remove_mac_rule("02:00:00:00:00:01").unwrap());
        s.add_garden("203.0.113.0/24", "payments", 1).unwrap();
        assert_eq!(s.garden().unwrap().len(), 1);
        assert!(s.remove_garden("203.0.113.0/24").unwrap());
        assert!(s.garden().unwrap().is_empty());
    }
}
