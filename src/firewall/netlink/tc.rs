//! Traffic-control messages (`linux/rtnetlink.h`, `linux/pkt_sched.h`) written in-process
//! over NETLINK_ROUTE: the HTB root of a shaping pool, its classes and their TBF leaves.
//! What `tc` would send, without a process per change.

use std::io;

use super::NetlinkError;
use super::socket::{Socket, in_netns};

const RTM_NEWQDISC: u16 = 36;
const RTM_NEWTCLASS: u16 = 40;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
const NLA_F_NESTED: u16 = 0x8000;
const TCA_KIND: u16 = 1;
const TCA_OPTIONS: u16 = 2;
const TC_H_ROOT: u32 = 0xffff_ffff;
/// The kernel's clock tick for schedulers' times (`PSCHED_SHIFT`): 64 ns.
const PSCHED_TICK_NS: u128 = 64;
/// `tc_ratespec.linklayer`: rates count Ethernet frames, no rate table needed.
const TC_LINKLAYER_ETHERNET: u8 = 1;
const TCA_HTB_PARMS: u16 = 1;
const TCA_HTB_INIT: u16 = 2;
const TCA_HTB_DIRECT_QLEN: u16 = 5;
const TCA_HTB_RATE64: u16 = 6;
const TCA_HTB_CEIL64: u16 = 7;
/// `HTB_VER >> 16`.
const HTB_VERSION: u32 = 3;
const TCA_TBF_PARMS: u16 = 1;
const TCA_TBF_RATE64: u16 = 4;
const TCA_TBF_BURST: u16 = 6;
/// Unclassified packets (clients without a rate) wait in HTB's direct queue, sent at once:
/// as long as a usual transmit queue.
const DIRECT_QUEUE_PACKETS: u32 = 1000;
/// Messages per datagram: their errors (each a small message) always fit the socket's
/// receive buffer.
const MESSAGES_PER_DATAGRAM: usize = 256;
const EEXIST: i32 = 17;

/// The handle of a pool's HTB root, `4853:` ("HS"): distinctive, so an HTB root found
/// with it is ours (an earlier run's pool, kept) and packaging can find ours to remove.
pub const ROOT_HANDLE: u32 = 0x4853 << 16;

/// One class of a pool, at a rate: HTB class `4853:minor` with rate = ceil and a TBF leaf
/// `minor+1:` at the same rate, which cuts GSO super-packets into frames and holds a short
/// queue (README, "Rate limit precision").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassRate {
    /// Interface index.
    pub ifindex: u32,
    /// The class's minor number (1 to 65,534).
    pub minor: u16,
    /// Bits per second.
    pub bps: u64,
}

/// The index of interface `name` in our namespace or `/run/netns/<netns>`.
pub fn ifindex(netns: Option<&str>, name: &str) -> io::Result<u32> {
    let cname = std::ffi::CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name"))?;
    in_netns(netns, move || {
        // SAFETY: a NUL-terminated name; the call only reads it.
        match unsafe { libc::if_nametoindex(cname.as_ptr()) } {
            0 => Err(io::Error::last_os_error()),
            index => Ok(index),
        }
    })
}

struct Message {
    buf: Vec<u8>,
}

impl Message {
    fn new(kind: u16, flags: u16, seq: u32, ifindex: u32, handle: u32, parent: u32) -> Self {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(&0u32.to_ne_bytes()); // length, patched by `finish`
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes());
        // struct tcmsg: family, padding, ifindex, handle, parent, info.
        buf.extend_from_slice(&[0, 0, 0, 0]);
        buf.extend_from_slice(&ifindex.to_ne_bytes());
        buf.extend_from_slice(&handle.to_ne_bytes());
        buf.extend_from_slice(&parent.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes());
        Message { buf }
    }

    fn attr(&mut self, kind: u16, payload: &[u8]) {
        // Our payloads are a few dozen bytes: the length always fits.
        let len = (4 + payload.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf.extend_from_slice(payload);
        while self.buf.len() % 4 != 0 {
            self.buf.push(0);
        }
    }

    fn kind(&mut self, kind: &str) {
        let mut bytes = kind.as_bytes().to_vec();
        bytes.push(0);
        self.attr(TCA_KIND, &bytes);
    }

    fn options(&mut self, attrs: impl FnOnce(&mut Self)) {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        self.buf
            .extend_from_slice(&(TCA_OPTIONS | NLA_F_NESTED).to_ne_bytes());
        attrs(self);
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
    }

    fn finish(mut self) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

/// `struct tc_ratespec` for `bps`: bytes/s, saturated to 32 bits (the 64-bit attribute
/// carries larger rates).
fn ratespec(bps: u64) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[1] = TC_LINKLAYER_ETHERNET;
    let bytes = u32::try_from(bps / 8).unwrap_or(u32::MAX);
    out[8..12].copy_from_slice(&bytes.to_ne_bytes());
    out
}

/// Scheduler ticks to send `bytes` at `bps`.
fn ticks(bytes: u64, bps: u64) -> u32 {
    let ns = u128::from(bytes) * 8 * 1_000_000_000 / u128::from(bps.max(1));
    u32::try_from(ns / PSCHED_TICK_NS).unwrap_or(u32::MAX)
}

/// HTB's bucket: a GSO super-packet or 10 ms of the rate, whichever is larger.
fn htb_burst(bps: u64) -> u64 {
    (bps / 8 / 100).max(64 * 1024)
}

/// TBF's bucket: 10 ms of the rate, at least two full frames.
fn tbf_burst(bps: u64) -> u32 {
    u32::try_from((bps / 800).max(3028)).unwrap_or(u32::MAX)
}

/// TBF's queue: 50 ms of the rate, at least 32 full frames.
fn tbf_limit(bps: u64) -> u32 {
    u32::try_from((bps / 8 / 20).max(32 * 1514)).unwrap_or(u32::MAX)
}

fn root(seq: u32, ifindex: u32) -> Vec<u8> {
    let flags = NLM_F_CREATE | NLM_F_REPLACE | NLM_F_EXCL | NLM_F_ACK;
    let mut m = Message::new(RTM_NEWQDISC, flags, seq, ifindex, ROOT_HANDLE, TC_H_ROOT);
    m.kind("htb");
    m.options(|m| {
        // struct tc_htb_glob: version, rate2quantum, defcls 0 (unclassified packets go
        // unshaped through the direct queue), debug, direct_pkts.
        let mut glob = Vec::with_capacity(20);
        for v in [HTB_VERSION, 1000, 0, 0, 0] {
            glob.extend_from_slice(&v.to_ne_bytes());
        }
        m.attr(TCA_HTB_INIT, &glob);
        m.attr(TCA_HTB_DIRECT_QLEN, &DIRECT_QUEUE_PACKETS.to_ne_bytes());
    });
    m.finish()
}

fn class(seq: u32, c: &ClassRate, flags: u16) -> Vec<u8> {
    let classid = ROOT_HANDLE | u32::from(c.minor);
    let mut m = Message::new(RTM_NEWTCLASS, flags, seq, c.ifindex, classid, ROOT_HANDLE);
    m.kind("htb");
    let burst = ticks(htb_burst(c.bps), c.bps);
    m.options(|m| {
        // struct tc_htb_opt: rate, ceil, buffer, cbuffer, quantum, level, prio.
        let mut opt = Vec::with_capacity(44);
        opt.extend_from_slice(&ratespec(c.bps));
        opt.extend_from_slice(&ratespec(c.bps));
        for v in [burst, burst, 65_536, 0, 0] {
            opt.extend_from_slice(&v.to_ne_bytes());
        }
        m.attr(TCA_HTB_PARMS, &opt);
        if c.bps / 8 >= u64::from(u32::MAX) {
            m.attr(TCA_HTB_RATE64, &(c.bps / 8).to_ne_bytes());
            m.attr(TCA_HTB_CEIL64, &(c.bps / 8).to_ne_bytes());
        }
    });
    m.finish()
}

fn leaf(seq: u32, c: &ClassRate, flags: u16) -> Vec<u8> {
    let classid = ROOT_HANDLE | u32::from(c.minor);
    let handle = (u32::from(c.minor) + 1) << 16;
    let mut m = Message::new(RTM_NEWQDISC, flags, seq, c.ifindex, handle, classid);
    m.kind("tbf");
    m.options(|m| {
        // struct tc_tbf_qopt: rate, peakrate (none), limit, buffer (from the burst
        // attribute), mtu.
        let mut opt = Vec::with_capacity(36);
        opt.extend_from_slice(&ratespec(c.bps));
        opt.extend_from_slice(&[0u8; 12]);
        for v in [tbf_limit(c.bps), 0, 0] {
            opt.extend_from_slice(&v.to_ne_bytes());
        }
        m.attr(TCA_TBF_PARMS, &opt);
        if c.bps / 8 >= u64::from(u32::MAX) {
            m.attr(TCA_TBF_RATE64, &(c.bps / 8).to_ne_bytes());
        }
        m.attr(TCA_TBF_BURST, &tbf_burst(c.bps).to_ne_bytes());
    });
    m.finish()
}

fn refused(what: String, errno: i32, count: usize) -> NetlinkError {
    NetlinkError::Refused {
        what,
        error: io::Error::from_raw_os_error(errno.saturating_neg()),
        count,
    }
}

/// Makes an HTB root `4853:` on each interface unless one is there already: `true` per
/// interface where it is new (its classes must be made), `false` where an earlier run's
/// pool stands (its classes go on shaping until re-rated). Any other root qdisc is replaced.
pub fn ensure_roots(netns: Option<&str>, ifindexes: &[u32]) -> Result<Vec<bool>, NetlinkError> {
    let socket = Socket::open_route(netns)?;
    let mut fresh = Vec::with_capacity(ifindexes.len());
    for (seq, ifindex) in (1u32..).zip(ifindexes) {
        let replies = socket.transact(&root(seq, *ifindex), |_| {})?;
        match replies.iter().find(|(s, _)| *s == seq) {
            Some((_, 0)) => fresh.push(true),
            Some((_, e)) if *e == -EEXIST => fresh.push(false),
            Some((_, e)) => return Err(refused(format!("HTB root on interface {ifindex}"), *e, 1)),
            None => return Err(NetlinkError::NoAcknowledgement),
        }
    }
    Ok(fresh)
}

/// Sets each class's rate (and its leaf's), creating the class and leaf where missing;
/// `new_pool`: they are known to be missing (a fresh root), so the kernel need not look.
pub fn set_rates(
    netns: Option<&str>,
    classes: &[ClassRate],
    new_pool: bool,
) -> Result<(), NetlinkError> {
    if classes.is_empty() {
        return Ok(());
    }
    let socket = Socket::open_route(netns)?;
    let class_flags = NLM_F_CREATE | if new_pool { NLM_F_EXCL } else { 0 };
    let leaf_flags = NLM_F_CREATE | NLM_F_REPLACE;
    for chunk in classes.chunks(MESSAGES_PER_DATAGRAM / 2) {
        let mut datagram = Vec::with_capacity(chunk.len() * 2 * 128);
        let mut seq = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let last = i + 1 == chunk.len();
            datagram.extend(class(seq, c, class_flags));
            // The last message asks for an acknowledgement; errors come back regardless.
            datagram.extend(leaf(
                seq + 1,
                c,
                leaf_flags | if last { NLM_F_ACK } else { 0 },
            ));
            seq += 2;
        }
        let replies = socket.transact(&datagram, |_| {})?;
        let errors: Vec<&(u32, i32)> = replies.iter().filter(|(_, e)| *e != 0).collect();
        if let Some((s, e)) = errors.first() {
            let c = chunk.get(*s as usize / 2);
            let what = match c {
                Some(c) if s % 2 == 0 => {
                    format!("HTB class 4853:{:x} on interface {}", c.minor, c.ifindex)
                }
                Some(c) => format!("TBF leaf of 4853:{:x} on interface {}", c.minor, c.ifindex),
                None => "a traffic-control change".to_string(),
            };
            return Err(refused(what, *e, errors.len()));
        }
        if !replies.iter().any(|(s, _)| *s == seq - 1) {
            return Err(NetlinkError::NoAcknowledgement);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_message_carries_the_rate_and_a_bucket_in_ticks() {
        let c = ClassRate {
            ifindex: 3,
            minor: 0x12,
            bps: 8_000_000,
        };
        let m = class(5, &c, NLM_F_CREATE);
        assert_eq!(
            u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize,
            m.len()
        );
        assert_eq!(
            u32::from_ne_bytes(m[24..28].try_into().unwrap()),
            0x4853_0012
        );
        // 64 KiB at 1 MB/s: 65.5 ms, in 64 ns ticks.
        assert_eq!(ticks(65_536, 8_000_000), 1_024_000);
        assert_eq!(tbf_burst(8_000_000), 10_000);
        assert_eq!(tbf_limit(1_000_000), 32 * 1514);
    }
}
