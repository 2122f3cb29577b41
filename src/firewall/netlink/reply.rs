//! Parsing what the kernel sends back: message headers, errors and the numbers of our
//! counters and quotas. Bounds-checked throughout: a malformed reply ends the parse, it never
//! panics.

use super::super::counters::KernelCounters;
use super::abi::*;

/// Type of an object message in a dump (nf_tables subsystem, NEWOBJ).
const OBJECT_MESSAGE: u16 = NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWOBJ;

/// One netlink message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// Message type.
    pub kind: u16,
    /// NLM_F_* flags.
    pub flags: u16,
    /// Sequence number of the request it answers.
    pub seq: u32,
    /// What follows the 16-byte header.
    pub payload: &'a [u8],
}

impl Message<'_> {
    /// For an error message: the errno (0 is an acknowledgement).
    pub fn errno(&self) -> Option<i32> {
        (self.kind == NLMSG_ERROR).then(|| self.leading_i32())?
    }

    /// For the message that ends a request (an error, an acknowledgement or the end of a
    /// dump): its errno, 0 when all went well.
    pub fn end_status(&self) -> Option<i32> {
        match self.kind {
            NLMSG_ERROR => self.leading_i32(),
            NLMSG_DONE => Some(self.leading_i32().unwrap_or(0)),
            _ => None,
        }
    }

    fn leading_i32(&self) -> Option<i32> {
        Some(i32::from_ne_bytes(self.payload.get(..4)?.try_into().ok()?))
    }
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// The messages of a datagram, up to the first malformed header.
pub fn messages(mut data: &[u8]) -> impl Iterator<Item = Message<'_>> {
    std::iter::from_fn(move || {
        let len = u32_at(data, 0)? as usize;
        if len < 16 || len > data.len() {
            return None;
        }
        let message = Message {
            kind: u16_at(data, 4)?,
            flags: u16_at(data, 6)?,
            seq: u32_at(data, 8)?,
            payload: &data[16..len],
        };
        data = &data[len.next_multiple_of(4).min(data.len())..];
        Some(message)
    })
}

/// The attributes `(type without flags, payload)` of an attribute stream.
pub(super) fn attributes(mut data: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let len = usize::from(u16_at(data, 0)?);
        if len < 4 || len > data.len() {
            return None;
        }
        let kind = u16_at(data, 2)? & 0x3fff;
        let payload = &data[4..len];
        data = &data[len.next_multiple_of(4).min(data.len())..];
        Some((kind, payload))
    })
}

fn be_u64(payload: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(payload.get(..8)?.try_into().ok()?))
}

pub(super) fn be_u32(payload: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(payload.get(..4)?.try_into().ok()?))
}

/// Adds a counter's bytes or a quota's consumption from one object message of a dump;
/// limits and anything unreadable are skipped.
pub fn add_object(message: &Message, into: &mut KernelCounters) {
    if message.kind != OBJECT_MESSAGE {
        return;
    }
    // After the 4-byte nfgenmsg header.
    let Some(attrs) = message.payload.get(4..) else {
        return;
    };
    let (mut name, mut kind, mut data) = (None, None, None);
    for (attr, payload) in attributes(attrs) {
        match attr {
            NFTA_OBJ_NAME => {
                let text = payload.split(|&b| b == 0).next().unwrap_or_default();
                name = std::str::from_utf8(text).ok();
            }
            NFTA_OBJ_TYPE => kind = be_u32(payload),
            NFTA_OBJ_DATA => data = Some(payload),
            _ => {}
        }
    }
    let (Some(name), Some(kind), Some(data)) = (name, kind, data) else {
        return;
    };
    let (wanted, table) = match kind {
        NFT_OBJECT_COUNTER => (NFTA_COUNTER_BYTES, &mut into.counters),
        NFT_OBJECT_QUOTA => (NFTA_QUOTA_CONSUMED, &mut into.quotas),
        _ => return,
    };
    if let Some(value) = attributes(data)
        .find(|(attr, _)| *attr == wanted)
        .and_then(|(_, payload)| be_u64(payload))
    {
        table.insert(name.to_string(), value);
    }
}

#[cfg(test)]
mod tests;
