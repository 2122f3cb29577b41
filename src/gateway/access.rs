//! Access lists: the config's and the database's, merged and installed in the kernel.

use std::collections::BTreeSet;

use tracing::info;

use super::{Gateway, GatewayError};
use crate::config::parse_destination;
use crate::firewall::{AccessLists, Change};
use crate::model::session::TerminateCause;

impl Gateway {
    /// The lists in force: the config's plus the CLI's. A MAC on both lists is blocked.
    pub async fn access_lists(&self) -> Result<AccessLists, GatewayError> {
        let (rules, garden) = self
            .store
            .run(|s| Ok((s.mac_rules()?, s.garden()?)))
            .await?;
        let config = self.settings();
        let mut block: BTreeSet<String> = config.block_macs.iter().cloned().collect();
        block.extend(
            rules
                .iter()
                .filter(|r| r.kind == "block")
                .map(|r| r.mac.clone()),
        );
        let mut allow: BTreeSet<String> = config.allow_macs.iter().cloned().collect();
        allow.extend(
            rules
                .iter()
                .filter(|r| r.kind == "allow")
                .map(|r| r.mac.clone()),
        );
        allow.retain(|m| !block.contains(m));
        let mut nets: BTreeSet<_> = config.garden.iter().copied().collect();
        nets.extend(garden.iter().filter_map(|g| parse_destination(&g.cidr)));
        // Overlapping networks would make the interval set refuse the batch: keep the widest.
        let nets: Vec<_> = nets
            .iter()
            .filter(|n| !nets.iter().any(|o| o != *n && o.contains(*n)))
            .copied()
            .collect();
        Ok(AccessLists {
            allow: allow.into_iter().collect(),
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
            .filter(|m| lists.block.contains(m))
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
