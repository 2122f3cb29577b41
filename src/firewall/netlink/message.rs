//! nf_tables netlink messages for our per-client operations (`linux/netfilter/nf_tables.h`):
//! a batch `BATCH_BEGIN, NEWOBJ/DELOBJ/NEWSETELEM/DELSETELEM…, BATCH_END` that the kernel
//! applies as one transaction, exactly as `nft` would send it, without nft's cache (nft
//! 1.0.6 lists every object of the table before each change: ~100 ms with 10,000 clients).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::super::ops::{Element, Key, Object, Op};
use super::super::render::TABLE;
use super::abi::*;

/// Element lists are one attribute, whose length is 16 bits: a message is closed and the
/// next one started (same set, same transaction) before its list reaches this size.
const ELEMENTS_PER_MESSAGE_BYTES: usize = 60_000;

/// An operation that cannot be written as a message.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// A MAC that is not six hex pairs.
    #[error("not a MAC address: {0:?}")]
    Mac(String),
    /// An attribute over 64 KiB (a name of thousands of characters).
    #[error("attribute too long for netlink")]
    TooLong,
}

/// A transaction ready to send: the bytes and, per command message, the operation it
/// belongs to (to name the operation the kernel refuses).
#[derive(Debug)]
pub struct Batch {
    /// Every message, back to back.
    pub bytes: Vec<u8>,
    /// Sequence number of the batch-begin message; command messages follow it.
    pub first_seq: u32,
    /// Index into the operations of each command message, in sequence order.
    pub op_of_message: Vec<usize>,
}

impl Batch {
    /// Sequence number of the last command message, the one the kernel acknowledges.
    pub fn last_seq(&self) -> u32 {
        self.first_seq
            .wrapping_add(u32::try_from(self.op_of_message.len()).unwrap_or(u32::MAX))
    }

    /// The operation a command message with this sequence number came from.
    pub fn op_index(&self, seq: u32) -> Option<usize> {
        let offset = seq.wrapping_sub(self.first_seq).checked_sub(1)?;
        self.op_of_message.get(offset as usize).copied()
    }
}

/// Writes netlink messages into one buffer.
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
    seq: u32,
    /// Where the last command message starts (its flags get the acknowledgement request).
    last_command: Option<usize>,
}

impl Writer {
    /// An empty buffer whose first message gets sequence number `seq`.
    pub(super) fn new(seq: u32) -> Self {
        Writer {
            buf: Vec::new(),
            seq,
            last_command: None,
        }
    }

    pub(super) fn message(&mut self, kind: u16, flags: u16, family: u8, res_id: u16) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0u32.to_ne_bytes()); // length, patched by `finish`
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf
            .extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
        self.buf.extend_from_slice(&self.seq.to_ne_bytes());
        self.buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
        self.buf.extend_from_slice(&[family, 0]); // nfgenmsg: family, NFNETLINK_V0
        self.buf.extend_from_slice(&res_id.to_be_bytes());
        self.seq = self.seq.wrapping_add(1);
        start
    }

    fn command(&mut self, msg: u16, flags: u16) -> usize {
        let start = self.message(NFNL_SUBSYS_NFTABLES << 8 | msg, flags, NFPROTO_INET, 0);
        self.last_command = Some(start);
        start
    }

    pub(super) fn finish(&mut self, start: usize) {
        let len = u32::try_from(self.buf.len() - start).unwrap_or(u32::MAX);
        self.buf[start..start + 4].copy_from_slice(&len.to_ne_bytes());
    }

    pub(super) fn attr(&mut self, kind: u16, payload: &[u8]) -> Result<(), EncodeError> {
        let len = u16::try_from(4 + payload.len()).map_err(|_| EncodeError::TooLong)?;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf.extend_from_slice(payload);
        self.pad();
        Ok(())
    }

    fn pad(&mut self) {
        while self.buf.len() % 4 != 0 {
            self.buf.push(0);
        }
    }

    fn string(&mut self, kind: u16, value: &str) -> Result<(), EncodeError> {
        let mut bytes = Vec::with_capacity(value.len() + 1);
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(0);
        self.attr(kind, &bytes)
    }

    fn u32(&mut self, kind: u16, value: u32) -> Result<(), EncodeError> {
        self.attr(kind, &value.to_be_bytes())
    }

    fn u64(&mut self, kind: u16, value: u64) -> Result<(), EncodeError> {
        self.attr(kind, &value.to_be_bytes())
    }

    pub(super) fn nest(&mut self, kind: u16) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf
            .extend_from_slice(&(kind | NLA_F_NESTED).to_ne_bytes());
        start
    }

    pub(super) fn end_nest(&mut self, start: usize) -> Result<(), EncodeError> {
        let len = u16::try_from(self.buf.len() - start).map_err(|_| EncodeError::TooLong)?;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        Ok(())
    }
}

fn mac_bytes(mac: &str) -> Result<[u8; 6], EncodeError> {
    let bad = || EncodeError::Mac(mac.to_string());
    let mut out = [0u8; 6];
    let mut parts = mac.split(':');
    for byte in &mut out {
        let part = parts.next().filter(|p| p.len() == 2).ok_or_else(bad)?;
        *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
    }
    match parts.next() {
        Some(_) => Err(bad()),
        None => Ok(out),
    }
}

/// The key as the kernel stores it: addresses in network order; in a concatenation each
/// field padded to a 32-bit register (a MAC takes 8 bytes).
fn key_bytes(key: &Key) -> Result<Vec<u8>, EncodeError> {
    let concat = |mac: &str, addr: &[u8]| -> Result<Vec<u8>, EncodeError> {
        let mut out = mac_bytes(mac)?.to_vec();
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(addr);
        Ok(out)
    };
    match key {
        Key::Mac(mac) => Ok(mac_bytes(mac)?.to_vec()),
        Key::V4(ip) => Ok(ip.octets().to_vec()),
        Key::V6(ip) => Ok(ip.octets().to_vec()),
        Key::MacV4(mac, ip) => concat(mac, &Ipv4Addr::octets(ip)),
        Key::MacV6(mac, ip) => concat(mac, &Ipv6Addr::octets(ip)),
    }
}

fn element(w: &mut Writer, key: &Key, elem: Option<&Element>) -> Result<(), EncodeError> {
    let item = w.nest(NFTA_LIST_ELEM);
    let key_attr = w.nest(NFTA_SET_ELEM_KEY);
    w.attr(NFTA_DATA_VALUE, &key_bytes(key)?)?;
    w.end_nest(key_attr)?;
    if let Some(elem) = elem {
        if let Some(secs) = elem.timeout_secs {
            w.u64(NFTA_SET_ELEM_TIMEOUT, secs.saturating_mul(1000))?;
        }
        if let Some(object) = &elem.object {
            w.string(NFTA_SET_ELEM_OBJREF, object)?;
        }
        if let Some(class) = elem.class {
            // A class id is kept in host order, as `meta priority` holds it.
            let data = w.nest(NFTA_SET_ELEM_DATA);
            w.attr(NFTA_DATA_VALUE, &class.to_ne_bytes())?;
            w.end_nest(data)?;
        }
    }
    w.end_nest(item)
}

/// Writes element messages for one set: as many as the list needs.
fn elements<'a>(
    w: &mut Writer,
    msg: u16,
    set: &str,
    items: impl Iterator<Item = (&'a Key, Option<&'a Element>)>,
    messages: &mut usize,
) -> Result<(), EncodeError> {
    let flags = if msg == NFT_MSG_NEWSETELEM {
        NLM_F_CREATE
    } else {
        0
    };
    let mut open: Option<(usize, usize)> = None;
    for (key, elem) in items {
        let (start, list) = match open {
            Some((start, list)) if w.buf.len() - list < ELEMENTS_PER_MESSAGE_BYTES => (start, list),
            _ => {
                if let Some((start, list)) = open {
                    w.end_nest(list)?;
                    w.finish(start);
                }
                let start = w.command(msg, flags);
                w.string(NFTA_SET_ELEM_LIST_TABLE, TABLE)?;
                w.string(NFTA_SET_ELEM_LIST_SET, set)?;
                *messages += 1;
                (start, w.nest(NFTA_SET_ELEM_LIST_ELEMENTS))
            }
        };
        open = Some((start, list));
        element(w, key, elem)?;
    }
    if let Some((start, list)) = open {
        w.end_nest(list)?;
        w.finish(start);
    }
    Ok(())
}

fn object(w: &mut Writer, msg: u16, object: &Object) -> Result<(), EncodeError> {
    let flags = if msg == NFT_MSG_NEWOBJ {
        NLM_F_CREATE
    } else {
        0
    };
    let start = w.command(msg, flags);
    w.string(NFTA_OBJ_TABLE, TABLE)?;
    w.string(NFTA_OBJ_NAME, object.name())?;
    let kind = match object {
        Object::Counter { .. } => NFT_OBJECT_COUNTER,
        Object::Quota { .. } => NFT_OBJECT_QUOTA,
        Object::Limit { .. } => NFT_OBJECT_LIMIT,
    };
    w.u32(NFTA_OBJ_TYPE, kind)?;
    // Deleting names the object by table, name and type; the kernel wants no data.
    if msg == NFT_MSG_NEWOBJ {
        let data = w.nest(NFTA_OBJ_DATA);
        match object {
            Object::Counter { .. } => {
                w.u64(NFTA_COUNTER_BYTES, 0)?;
                w.u64(NFTA_COUNTER_PACKETS, 0)?;
            }
            Object::Quota { bytes, used, .. } => {
                w.u64(NFTA_QUOTA_BYTES, *bytes)?;
                w.u32(NFTA_QUOTA_FLAGS, NFT_QUOTA_F_INV)?;
                w.u64(NFTA_QUOTA_CONSUMED, *used)?;
            }
            Object::Limit {
                bytes_per_sec,
                burst,
                ..
            } => {
                w.u64(NFTA_LIMIT_RATE, *bytes_per_sec)?;
                w.u64(NFTA_LIMIT_UNIT, 1)?; // per second
                w.u32(NFTA_LIMIT_BURST, *burst)?;
                w.u32(NFTA_LIMIT_TYPE, NFT_LIMIT_PKT_BYTES)?;
                w.u32(NFTA_LIMIT_FLAGS, NFT_LIMIT_F_INV)?;
            }
        }
        w.end_nest(data)?;
    }
    w.finish(start);
    Ok(())
}

/// The transaction for `ops`, numbered from `first_seq`; the last command asks for an
/// acknowledgement (errors are reported whatever the flags), so the reply is one message
/// when all goes well.
pub fn encode(ops: &[Op], first_seq: u32) -> Result<Batch, EncodeError> {
    let mut w = Writer::new(first_seq);
    let begin = w.message(NFNL_MSG_BATCH_BEGIN, 0, 0, NFNL_SUBSYS_NFTABLES);
    w.finish(begin);
    let mut op_of_message = Vec::new();
    for (index, op) in ops.iter().enumerate() {
        let mut messages = 0;
        match op {
            Op::AddObject(o) => {
                object(&mut w, NFT_MSG_NEWOBJ, o)?;
                messages = 1;
            }
            Op::DeleteObject(o) => {
                object(&mut w, NFT_MSG_DELOBJ, o)?;
                messages = 1;
            }
            Op::AddElements(set, elems) => {
                let items = elems.iter().map(|e| (&e.key, Some(e)));
                elements(&mut w, NFT_MSG_NEWSETELEM, set, items, &mut messages)?;
            }
            Op::DeleteElements(set, keys) => {
                let items = keys.iter().map(|k| (k, None));
                elements(&mut w, NFT_MSG_DELSETELEM, set, items, &mut messages)?;
            }
        }
        op_of_message.extend(std::iter::repeat_n(index, messages));
    }
    if let Some(start) = w.last_command {
        let flags = u16::from_ne_bytes([w.buf[start + 6], w.buf[start + 7]]) | NLM_F_ACK;
        w.buf[start + 6..start + 8].copy_from_slice(&flags.to_ne_bytes());
    }
    let end = w.message(NFNL_MSG_BATCH_END, 0, 0, NFNL_SUBSYS_NFTABLES);
    w.finish(end);
    Ok(Batch {
        bytes: w.buf,
        first_seq,
        op_of_message,
    })
}

fn request(seq: u32, msg: u16, flags: u16, name_attr: u16) -> Vec<u8> {
    let mut w = Writer::new(seq);
    let start = w.command(msg, flags);
    // Our table's name is a short constant: always fits an attribute.
    let _ = w.string(name_attr, TABLE);
    w.finish(start);
    w.buf
}

/// Asks for our table: the kernel answers with the table and an acknowledgement, or with
/// "no such file or directory" when it is gone.
pub fn get_table(seq: u32) -> Vec<u8> {
    request(seq, NFT_MSG_GETTABLE, NLM_F_ACK, NFTA_TABLE_NAME)
}

/// Asks for one counter of our table by name: the kernel answers with the object or an
/// error.
pub fn get_counter(seq: u32, name: &str) -> Result<Vec<u8>, EncodeError> {
    let mut w = Writer::new(seq);
    let start = w.command(NFT_MSG_GETOBJ, 0);
    w.string(NFTA_OBJ_TABLE, TABLE)?;
    w.string(NFTA_OBJ_NAME, name)?;
    w.u32(NFTA_OBJ_TYPE, NFT_OBJECT_COUNTER)?;
    w.finish(start);
    Ok(w.buf)
}

/// Asks for every named object of our table (counters, quotas, limits) with its numbers.
pub fn dump_objects(seq: u32) -> Vec<u8> {
    request(seq, NFT_MSG_GETOBJ, NLM_F_DUMP, NFTA_OBJ_TABLE)
}

#[cfg(test)]
mod tests;
