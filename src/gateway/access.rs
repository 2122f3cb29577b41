//! Access lists: the hotspot settings' and the database's, merged and installed in the kernel.

use std::collections::{BTreeMap, BTreeSet};

use tracing::{info, warn};

use super::{Gateway, GatewayError};
use crate::firewall::{AccessLists, AllowedDevice, Change};
use crate::model::access::{GardenEntry, parse_garden_entry};
use crate::model::names::DomainPattern;
use crate::model::session::TerminateCause;

impl Gateway {
    /// The lists in force: the hotspot settings' plus the CLI's. A MAC on both lists is
    /// blocked; a MAC allowlisted in both takes the CLI's rates (the one changed at run time). The garden's
    /// domain patterns are handed to the DNS watcher.
    pub async fn access_lists(&self) -> Result<AccessLists, GatewayError> {
        let (rules, garden) = self
            .store
            .run(|s| Ok((s.mac_rules()?, s.garden()?)))
            .await?;
        let hotspot = self.hotspot();
        let access = &hotspot.access;
        let mut block: BTreeSet<String> = access.block_macs.iter().map(|m| m.to_string()).collect();
        block.extend(
            rules
                .iter()
                .filter(|r| r.kind == "block")
                .map(|r| r.mac.clone()),
        );
        let mut allow: BTreeMap<String, AllowedDevice> = BTreeMap::new();
        for a in &access.allow_macs {
            let device = AllowedDevice {
                mac: a.mac.to_string(),
                rate_down_bps: a.down.map(|r| r.bps()),
                rate_up_bps: a.up.map(|r| r.bps()),
            };
            allow.insert(a.mac.to_string(), device);
        }
        for r in rules.iter().filter(|r| r.kind == "allow") {
            let device = AllowedDevice {
                mac: r.mac.clone(),
                rate_down_bps: r.rate_down_bps,
                rate_up_bps: r.rate_up_bps,
            };
            allow.insert(r.mac.clone(), device);
        }
        allow.retain(|m, _| !block.contains(m));
        let mut nets: BTreeSet<_> = access.garden_networks().collect();
        let mut domains: Vec<DomainPattern> = access.garden_domains().cloned().collect();
        for entry in &garden {
            match parse_garden_entry(&entry.cidr) {
                Ok(GardenEntry::Network(net)) => {
                    nets.insert(net);
                }
                Ok(GardenEntry::Domain(pattern)) => domains.push(pattern),
                Err(problem) => warn!(
                    entry = entry.cidr,
                    problem, "unusable walled-garden entry in the database; ignored"
                ),
            }
        }
        *self
            .garden_domains
            .write()
            .unwrap_or_else(|p| p.into_inner()) = domains;
        // Overlapping networks would make the interval set refuse the batch: keep the widest.
        let nets: Vec<_> = nets
            .iter()
            .filter(|n| !nets.iter().any(|o| o != *n && o.contains(*n)))
            .copied()
            .collect();
        Ok(AccessLists {
            allow: allow.into_values().collect(),
            block: block.into_iter().collect(),
            garden: nets,
        })
    }

    /// Installs the current lists, and logs off any online device that is now blocked.
    pub async fn apply_access(&self) -> Result<AccessLists, GatewayError> {
        let lists = self.access_lists().await?;
        self.firewall.change(Change::Access(lists.clone())).await?;
        let mut reg = self.online.lock().await;
        let blocked: Vec<_> = reg
            .sessions
            .keys()
            .filter(|m| lists.block.contains(*m))
            .map(|m| (m.clone(), TerminateCause::AdminReset))
            .collect();
        if !blocked.is_empty() {
            self.end_many_locked(&mut reg, blocked).await?;
        }
        info!(
            allow = lists.allow.len(),
            block = lists.block.len(),
            garden = lists.garden.len(),
            "access lists applied"
        );
        Ok(lists)
    }
}

impl Gateway {
    /// The walled-garden domain patterns in force (shared with the packet capture).
    pub fn garden_domains(&self) -> std::sync::Arc<std::sync::RwLock<Vec<DomainPattern>>> {
        self.garden_domains.clone()
    }

    /// Opens addresses that walled-garden names resolved to.
    pub async fn open_garden(
        &self,
        openings: Vec<(std::net::Ipv4Addr, u32)>,
    ) -> Result<(), GatewayError> {
        self.firewall.change(Change::GardenDns(openings)).await?;
        Ok(())
    }
}
