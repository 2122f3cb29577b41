//! The only module that speaks nftables. The rest of the daemon uses verbs: rebuild the table,
//! allow a client, revoke a client, read counters. Changes that arrive together are applied
//! in one transaction: per-client changes and counter reads over netlink in-process, the
//! table and access lists through the `nft` binary.

mod access;
mod clients;
mod conntrack;
mod counters;
mod handle;
mod netlink;
mod nft;
mod ops;
mod render;
mod shaping;
mod watch;

use std::time::Instant;

use serde_json::{Value, json};
use thiserror::Error;
use tracing::{info, warn};

use ops::Op;
use shaping::{ClassLookup, Shaping};

pub use access::{ALLOWED_FLOW_MARK, AccessLists, AllowedDevice};
pub use clients::{
    ClientGrant, ClientRevoke, Ipv6Drop, QuotaGrant, Quotas, down_counter, up_counter,
};
pub use counters::{KernelCounters, count_rules};
pub use handle::{FirewallHandle, LastCounts, Removed};
pub use netlink::{FlowFilter, NetlinkError, kill_flows};
pub use nft::Nft;
pub use render::{FAMILY, FirewallPolicy, TABLE, render, rule_count};
pub use watch::{TableChange, watch};

/// A firewall operation failed.
#[derive(Debug, Error)]
pub enum FirewallError {
    /// `nft` could not be started (not installed?).
    #[error("cannot run nft: {0}")]
    Spawn(#[source] std::io::Error),
    /// `nft` refused the batch.
    #[error("nft refused the change: {0}")]
    Nft(String),
    /// The kernel refused a per-client change sent over netlink.
    #[error("kernel refused the change: {0}")]
    Netlink(#[from] NetlinkError),
    /// A change sent to the firewall task failed there; the message is that failure's own
    /// (naming nft or the kernel), carried across the task's channel as text.
    #[error("{0}")]
    Task(String),
    /// The firewall task is gone (daemon shutting down).
    #[error("firewall task stopped")]
    Stopped,
}

/// One change to the kernel state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Let a client through.
    Allow(ClientGrant),
    /// Stop a client.
    Revoke(ClientRevoke),
    /// Take an IPv6 address out of a client's session, which goes on.
    DropIpv6(Ipv6Drop),
    /// Replace the access lists.
    Access(AccessLists),
    /// Open addresses of walled-garden domains for some seconds.
    GardenDns(Vec<(std::net::Ipv4Addr, u32)>),
}

/// Consecutive changes of one kind, so each set gets one element operation per group (order
/// between kinds is kept, so a revoke followed by a new grant for the same device works in
/// one batch).
fn runs(changes: &[Change]) -> impl Iterator<Item = &[Change]> {
    changes.chunk_by(|a, b| std::mem::discriminant(a) == std::mem::discriminant(b))
}

/// Kernel operations for a run of client or garden changes (access lists have none: they
/// flush and refill sets, which is nft's job).
fn run_ops(run: &[Change], classes: &ClassLookup) -> Vec<Op> {
    let (mut grants, mut revokes, mut openings) = (Vec::new(), Vec::new(), Vec::new());
    let mut dropped6 = Vec::new();
    for change in run {
        match change {
            Change::Allow(g) => grants.push(g),
            Change::Revoke(r) => revokes.push(r),
            Change::DropIpv6(d) => dropped6.push(d),
            // One add/delete/add of the garden set for all answers that arrived together.
            Change::GardenDns(o) => openings.extend_from_slice(o),
            Change::Access(_) => {}
        }
    }
    let mut ops = clients::grant_ops(&grants, classes);
    ops.extend(clients::revoke_ops(&revokes, classes));
    ops.extend(clients::drop_ipv6_ops(&dropped6, classes));
    ops.extend(access::garden_dns_ops(&openings));
    ops
}

/// The operations of `changes` when all of them can go over netlink.
fn netlink_ops(changes: &[Change], classes: &ClassLookup) -> Option<Vec<Op>> {
    if changes.iter().any(|c| matches!(c, Change::Access(_))) {
        return None;
    }
    Some(
        runs(changes)
            .flat_map(|run| run_ops(run, classes))
            .collect(),
    )
}

/// The revocations among `changes` that end their sessions.
fn ended_sessions(changes: &[Change]) -> Vec<&ClientRevoke> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Revoke(r) if r.ends_session => Some(r),
            _ => None,
        })
        .collect()
}

/// nft JSON commands for a list of changes, in order.
fn commands(changes: &[Change], classes: &ClassLookup) -> Vec<Value> {
    let mut cmds = Vec::new();
    for run in runs(changes) {
        cmds.extend(run_ops(run, classes).iter().map(Op::to_json));
        for change in run {
            if let Change::Access(lists) = change {
                cmds.extend(access::commands(lists));
            }
        }
    }
    cmds
}

/// Clients serialised per step of a rebuild.
const REBUILD_CHUNK: usize = 500;

/// An nft JSON batch written command by command.
#[derive(Default)]
struct BatchWriter {
    bytes: Vec<u8>,
    commands: usize,
}

impl BatchWriter {
    fn push(&mut self, command: &Value) -> Result<(), FirewallError> {
        self.bytes.extend_from_slice(if self.commands == 0 {
            b"{\"nftables\":["
        } else {
            b","
        });
        self.commands += 1;
        serde_json::to_writer(&mut self.bytes, command)
            .map_err(|e| FirewallError::Nft(e.to_string()))
    }

    fn finish(mut self) -> Vec<u8> {
        if self.commands == 0 {
            self.bytes.extend_from_slice(b"{\"nftables\":[");
        }
        self.bytes.extend_from_slice(b"]}");
        self.bytes
    }
}

/// Blocking access to our table.
#[derive(Debug, Clone)]
pub struct Firewall {
    nft: Nft,
    policy: FirewallPolicy,
    /// Rate classes (none without a WAN interface in the policy: rates not enforced).
    shaping: Option<Shaping>,
}

impl Firewall {
    /// A firewall for this policy, using the `nft` on `PATH`.
    pub fn new(policy: FirewallPolicy) -> Self {
        Firewall {
            shaping: Shaping::new(&policy, None),
            nft: Nft::default(),
            policy,
        }
    }

    /// A firewall driving `nft` through `nft` (e.g. [`Nft::in_netns`]); its netlink socket
    /// opens in the same namespace.
    pub fn with_nft(policy: FirewallPolicy, nft: Nft) -> Self {
        Firewall {
            shaping: Shaping::new(&policy, nft.netns()),
            nft,
            policy,
        }
    }

    /// Runs `f` with the rate classes `changes` refer to (see `Shaping::apply`).
    fn classified<T>(
        &self,
        changes: &[Change],
        f: impl FnOnce(&ClassLookup) -> Result<T, FirewallError>,
    ) -> Result<T, FirewallError> {
        match &self.shaping {
            Some(shaping) => shaping.apply(changes, f),
            None => f(&ClassLookup::default()),
        }
    }

    /// Replaces our table with a fresh one holding exactly `clients` and `lists`, in one
    /// transaction, once the rate classes of `clients` are set (the shaping pools are made
    /// first if they are missing).
    pub fn rebuild(
        &self,
        clients: &[ClientGrant],
        lists: &AccessLists,
    ) -> Result<(), FirewallError> {
        match &self.shaping {
            Some(shaping) => shaping.rebuild(clients, |classes| {
                self.rebuild_table(clients, lists, classes)
            }),
            None => self.rebuild_table(clients, lists, &ClassLookup::default()),
        }
    }

    fn rebuild_table(
        &self,
        clients: &[ClientGrant],
        lists: &AccessLists,
        classes: &ClassLookup,
    ) -> Result<(), FirewallError> {
        let started = Instant::now();
        let mut batch = BatchWriter::default();
        if let Some(cmds) = render(&self.policy)["nftables"].as_array() {
            cmds.iter().try_for_each(|c| batch.push(c))?;
        }
        access::commands(lists)
            .iter()
            .try_for_each(|c| batch.push(c))?;
        // Serialised a slice at a time: the JSON tree of every client at once would cost the
        // daemon hundreds of MB for a moment with 10,000 clients. Still one transaction.
        for chunk in clients.chunks(REBUILD_CHUNK) {
            let chunk: Vec<&ClientGrant> = chunk.iter().collect();
            clients::grant_ops(&chunk, classes)
                .iter()
                .try_for_each(|op| batch.push(&op.to_json()))?;
        }
        self.nft.apply_bytes(&batch.finish())?;
        info!(policy = %self.policy, clients = clients.len(), elapsed_ms = started.elapsed().as_millis() as u64, "firewall table applied");
        Ok(())
    }

    /// Applies changes in one transaction: over netlink when they only touch clients and
    /// the garden's DNS addresses, else through nft. Over netlink, the counters of sessions
    /// that end are read once the transaction made them unreachable, then deleted: their
    /// last numbers come back (through nft: none).
    pub fn apply(&self, changes: &[Change]) -> Result<KernelCounters, FirewallError> {
        let over_netlink =
            self.classified(changes, |classes| match netlink_ops(changes, classes) {
                Some(ops) => netlink::apply(self.nft.netns(), &ops)
                    .map(|()| true)
                    .map_err(Into::into),
                None => self.nft_apply(changes, classes).map(|()| false),
            })?;
        if !over_netlink {
            return Ok(KernelCounters::default());
        }
        let ended = ended_sessions(changes);
        if ended.is_empty() {
            return Ok(KernelCounters::default());
        }
        let names: Vec<String> = ended
            .iter()
            .flat_map(|r| clients::counter_names(r.session_id))
            .collect();
        // The sessions are out already: a failure here loses their last bytes or leaves
        // unreachable counters behind (until the next rebuild), never a guest online.
        let last = netlink::read_named_counters(self.nft.netns(), &names).unwrap_or_else(|e| {
            warn!(error = %e, sessions = ended.len(), "cannot read the last counts of ended sessions");
            KernelCounters::default()
        });
        if let Err(e) = netlink::apply(self.nft.netns(), &clients::retire_counters(&ended)) {
            warn!(error = %e, "cannot delete the counters of ended sessions");
        }
        Ok(last)
    }

    /// Applies changes in one transaction through nft, whatever they are, deleting ended
    /// sessions' counters unread (benchmarks compare both ways; tests check both leave the
    /// same table).
    pub fn apply_with_nft(&self, changes: &[Change]) -> Result<(), FirewallError> {
        self.classified(changes, |classes| self.nft_apply(changes, classes))
    }

    fn nft_apply(&self, changes: &[Change], classes: &ClassLookup) -> Result<(), FirewallError> {
        let mut cmds = commands(changes, classes);
        cmds.extend(
            clients::retire_counters(&ended_sessions(changes))
                .iter()
                .map(Op::to_json),
        );
        self.nft.apply(&json!({ "nftables": cmds }))
    }

    /// Counters and quotas, or `None` when our table is gone (read over netlink: with
    /// 10,000 clients, once a second, nft's listing cost a tenth of a core).
    pub fn read(&self) -> Result<Option<KernelCounters>, FirewallError> {
        Ok(netlink::read_counters(self.nft.netns())?)
    }

    /// Whether our table exists, without reading its counters.
    pub fn table_present(&self) -> Result<bool, FirewallError> {
        Ok(netlink::table_present(self.nft.netns())?)
    }

    /// The raw listing of our table (`None` when missing), for diagnostics and benchmarks.
    pub fn listing(&self) -> Result<Option<Value>, FirewallError> {
        self.nft.list_table()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_batch_is_the_json_of_its_commands() {
        let commands = [
            json!({"add": {"table": {"family": "inet", "name": "t"}}}),
            json!({"flush": {"ruleset": null}}),
        ];
        let mut batch = BatchWriter::default();
        commands.iter().try_for_each(|c| batch.push(c)).unwrap();
        let parsed: Value = serde_json::from_slice(&batch.finish()).unwrap();
        assert_eq!(parsed, json!({"nftables": commands}));
        let empty: Value = serde_json::from_slice(&BatchWriter::default().finish()).unwrap();
        assert_eq!(empty, json!({"nftables": []}));
    }
}
