//! Per-client changes written to the kernel over netlink, in-process: one socket, one
//! datagram per transaction, no `nft` process and no cache listing. Rules and the table
//! itself stay with `nft` (rebuilt rarely; its JSON is what the render tests check).

mod abi;
mod conntrack;
mod events;
mod message;
mod reply;
mod socket;
pub mod tc;

use std::io;

use tracing::debug;

use super::counters::KernelCounters;
use super::ops::Op;
pub use conntrack::{FlowFilter, kill_flows};
pub use events::{TableEvent, TableListener};
pub use message::EncodeError;

/// The kernel refused or could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    /// An operation could not be written as a message.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The socket failed.
    #[error("netlink socket: {0}")]
    Socket(#[from] io::Error),
    /// The kernel refused the transaction (nothing of it was applied).
    #[error("{what}: {error} ({count} refusal(s) in the transaction)")]
    Refused {
        /// The first refused operation.
        what: String,
        /// Why.
        error: io::Error,
        /// How many messages the kernel refused.
        count: usize,
    },
    /// No acknowledgement came back: whether the transaction applied is unknown.
    #[error("the kernel did not acknowledge the transaction")]
    NoAcknowledgement,
    /// Reading failed.
    #[error("reading {what}: {error}")]
    Read {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        error: io::Error,
    },
}

fn describe(op: Option<&Op>) -> String {
    match op {
        Some(Op::AddObject(o)) => format!("add object {}", o.name()),
        Some(Op::DeleteObject(o)) => format!("delete object {}", o.name()),
        Some(Op::AddElements(set, _)) => format!("add elements to {set}"),
        Some(Op::DeleteElements(set, _)) => format!("delete elements from {set}"),
        None => "the transaction".to_string(),
    }
}

/// Applies `ops` as one transaction in our namespace or `/run/netns/<netns>`: all or
/// nothing.
pub fn apply(netns: Option<&str>, ops: &[Op]) -> Result<(), NetlinkError> {
    let batch = message::encode(ops, 1)?;
    if batch.op_of_message.is_empty() {
        return Ok(());
    }
    let socket = socket::Socket::open(netns)?;
    let replies = socket.transact(&batch.bytes, |_| {})?;
    let refused: Vec<&(u32, i32)> = replies.iter().filter(|(_, errno)| *errno != 0).collect();
    if let Some((seq, errno)) = refused.first() {
        let op = batch.op_index(*seq).and_then(|i| ops.get(i));
        return Err(NetlinkError::Refused {
            what: describe(op),
            error: io::Error::from_raw_os_error(errno.saturating_neg()),
            count: refused.len(),
        });
    }
    if !replies.iter().any(|(seq, _)| *seq == batch.last_seq()) {
        return Err(NetlinkError::NoAcknowledgement);
    }
    debug!(
        operations = ops.len(),
        messages = batch.op_of_message.len(),
        bytes = batch.bytes.len(),
        "netlink transaction"
    );
    Ok(())
}

/// Named counters read per datagram: their answers (well under 1 KiB of receive buffer
/// each) always fit the socket's buffer.
const NAMED_READS_PER_DATAGRAM: usize = 256;

/// The bytes of the named counters, one small request each (no dump of every object); a
/// counter that does not exist is left out.
pub fn read_named_counters(
    netns: Option<&str>,
    names: &[String],
) -> Result<KernelCounters, NetlinkError> {
    let mut counters = KernelCounters::default();
    if names.is_empty() {
        return Ok(counters);
    }
    let socket = socket::Socket::open(netns)?;
    for chunk in names.chunks(NAMED_READS_PER_DATAGRAM) {
        let mut datagram = Vec::new();
        for (seq, name) in (1u32..).zip(chunk) {
            datagram.extend(message::get_counter(seq, name)?);
        }
        // Refusals (no such counter) are the counters left out.
        socket.transact(&datagram, |m| reply::add_object(m, &mut counters))?;
    }
    Ok(counters)
}

const ENOENT: i32 = 2;
/// Reads of the objects when the table changes meanwhile (a grant lands). The last one is
/// used even if interrupted: an object it missed is read at the next tick (counters are
/// totals), and on a busy gateway every read could be interrupted.
const DUMP_ATTEMPTS: u32 = 2;

/// Counter bytes and quota usage of our table, `None` when the table is gone (someone
/// flushed the ruleset). Two requests on one socket: does the table exist, then its objects.
pub fn read_counters(netns: Option<&str>) -> Result<Option<KernelCounters>, NetlinkError> {
    let socket = socket::Socket::open(netns)?;
    if !table_present_on(&socket)? {
        return Ok(None);
    }
    let mut attempt = 0;
    loop {
        let mut counters = KernelCounters::default();
        let end = socket.request(&message::dump_objects(2 + attempt), |m| {
            reply::add_object(m, &mut counters)
        })?;
        match end.errno {
            0 if end.interrupted && attempt + 1 < DUMP_ATTEMPTS => attempt += 1,
            0 => return Ok(Some(counters)),
            e if e == -ENOENT => return Ok(None),
            e => return Err(read_failed("the table's objects", e)),
        }
    }
}

fn read_failed(what: &'static str, errno: i32) -> NetlinkError {
    NetlinkError::Read {
        what,
        error: io::Error::from_raw_os_error(errno.saturating_neg()),
    }
}

fn table_present_on(socket: &socket::Socket) -> Result<bool, NetlinkError> {
    match socket.request(&message::get_table(1), |_| {})?.errno {
        0 => Ok(true),
        e if e == -ENOENT => Ok(false),
        e => Err(read_failed("the table", e)),
    }
}

/// Whether our table exists (one small request; no objects read).
pub fn table_present(netns: Option<&str>) -> Result<bool, NetlinkError> {
    table_present_on(&socket::Socket::open(netns)?)
}
