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
    /// Download rate of an allowlisted device, bits/s (`None`: unlimited).
    pub rate_down_bps: Option<u64>,
    /// Upload rate of an allowlisted device, bits/s.
    pub rate_up_bps: Option<u64>,
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
    pub fn set_mac_rule(&mut self, rule: &MacRule, now: i64) -> Result<(), StoreError> {
        let rate = |bps: Option<u64>| bps.map(|b| i64::try_from(b).unwrap_or(i64::MAX));
        self.conn.execute(
            "INSERT OR REPLACE INTO mac_rules (mac, kind, description, rate_down_bps, rate_up_bps, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                rule.mac,
                rule.kind,
                rule.description,
                rate(rule.rate_down_bps),
                rate(rule.rate_up_bps),
                now
            ],
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
            .prepare("SELECT mac, kind, description, rate_down_bps, rate_up_bps FROM mac_rules ORDER BY kind, mac")?;
        // The CHECK constraints keep rates positive; anything else reads as unlimited.
        let rate = |v: Option<i64>| v.and_then(|b| u64::try_from(b).ok());
        let rows = stmt.query_map([], |r| {
            Ok(MacRule {
                mac: r.get(0)?,
                kind: r.get(1)?,
                description: r.get(2)?,
                rate_down_bps: rate(r.get(3)?),
                rate_up_bps: rate(r.get(4)?),
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
        let printer = MacRule {
            mac: "02:00:00:00:00:01".into(),
            kind: "allow".into(),
            description: "printer".into(),
            rate_down_bps: Some(10_000_000),
            rate_up_bps: None,
        };
        s.set_mac_rule(&printer, 1).unwrap();
        assert_eq!(s.mac_rules().unwrap(), vec![printer.clone()]);
        let stolen = MacRule {
            kind: "block".into(),
            description: "stolen".into(),
            rate_down_bps: None,
            ..printer
        };
        s.set_mac_rule(&stolen, 2).unwrap();
        assert_eq!(s.mac_rules().unwrap(), vec![stolen]);
        assert!(s.remove_mac_rule("02:00:00:00:00:01").unwrap());
        assert!(!s.remove_mac_rule("02:00:00:00:00:01").unwrap());
        s.add_garden("203.0.113.0/24", "payments", 1).unwrap();
        assert_eq!(s.garden().unwrap().len(), 1);
        assert!(s.remove_garden("203.0.113.0/24").unwrap());
        assert!(s.garden().unwrap().is_empty());
    }
}
