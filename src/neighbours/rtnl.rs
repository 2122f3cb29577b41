//! The kernel's neighbour table over rtnetlink, in-process: permanent entries written,
//! deleted and listed with one socket, many messages per datagram (the kernel handles them
//! in order and acknowledges each).

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const NETLINK_ROUTE: libc::c_int = 0;
const NLMSG_HDRLEN: usize = 16;
const NDMSG_LEN: usize = 12;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_CREATE: u16 = 0x400;
const NDA_DST: u16 = 1;
const NDA_LLADDR: u16 = 2;
const NDA_PROTOCOL: u16 = 12;
const NUD_STALE: u16 = 0x04;
const NUD_PERMANENT: u16 = 0x80;
/// Entry states with a usable link-layer address (`NUD_VALID`: reachable, stale, delay,
/// probe, noarp, permanent): what `/proc/net/arp` marks complete.
const NUD_VALID: u16 = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;
/// Replies not in within this time are given up (the kernel answers within the send).
const REPLY_TIMEOUT: libc::timeval = libc::timeval {
    tv_sec: 2,
    tv_usec: 0,
};

/// Requests per datagram.
const CHUNK: usize = 256;

/// The mark on the entries we pin (the `protocol` column of `ip neigh`), so a restart finds
/// and clears what a previous run left without touching anyone else's permanent entries.
pub const PROTOCOL: u8 = 0x68;

/// One change to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A permanent entry: `ip` on `ifindex` is at `mac`, whatever the network says.
    Pin {
        /// Interface index.
        ifindex: i32,
        /// The neighbour's address.
        ip: IpAddr,
        /// Its link-layer address.
        mac: [u8; 6],
    },
    /// The entry of `ip` on `ifindex` is the kernel's again: still at `mac`, but stale, so
    /// the kernel checks it on its next use and the network may change it. (Not deleted:
    /// tools that look a device up in the table, like `hotspotd auth IP`, still find it.)
    Unpin {
        /// Interface index.
        ifindex: i32,
        /// The neighbour's address.
        ip: IpAddr,
        /// Its link-layer address as pinned.
        mac: [u8; 6],
    },
    /// The entry of `ip` on `ifindex` goes: its device is known to have left, and the next
    /// device at the address must not wait for the kernel to find that out.
    Forget {
        /// Interface index.
        ifindex: i32,
        /// The neighbour's address.
        ip: IpAddr,
    },
}

fn family(ip: &IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => libc::AF_INET as u8,
        IpAddr::V6(_) => libc::AF_INET6 as u8,
    }
}

fn octets(ip: &IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn attribute(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
    let len = 4 + value.len();
    out.extend_from_slice(&(len as u16).to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + (4 - len % 4) % 4, 0);
}

/// `nlmsghdr` + `ndmsg` + attributes, the length filled in at the end.
fn message(
    kind: u16,
    flags: u16,
    seq: u32,
    ndm: [u8; NDMSG_LEN],
    attrs: &[(u16, &[u8])],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&0u32.to_ne_bytes());
    out.extend_from_slice(&ndm);
    for (k, v) in attrs {
        attribute(&mut out, *k, v);
    }
    let len = out.len() as u32;
    out[..4].copy_from_slice(&len.to_ne_bytes());
    out
}

fn ndmsg(family: u8, ifindex: i32, state: u16) -> [u8; NDMSG_LEN] {
    let mut ndm = [0u8; NDMSG_LEN];
    ndm[0] = family;
    ndm[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    ndm[8..10].copy_from_slice(&state.to_ne_bytes());
    ndm
}

/// The request for one change, acknowledged under `seq`.
pub fn encode(entry: &Entry, seq: u32) -> Vec<u8> {
    match entry {
        Entry::Pin { ifindex, ip, mac } => message(
            libc::RTM_NEWNEIGH,
            NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
            seq,
            ndmsg(family(ip), *ifindex, NUD_PERMANENT),
            &[
                (NDA_DST, &octets(ip)),
                (NDA_LLADDR, mac),
                (NDA_PROTOCOL, &[PROTOCOL]),
            ],
        ),
        Entry::Unpin { ifindex, ip, mac } => message(
            libc::RTM_NEWNEIGH,
            NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
            seq,
            ndmsg(family(ip), *ifindex, NUD_STALE),
            &[(NDA_DST, &octets(ip)), (NDA_LLADDR, mac)],
        ),
        Entry::Forget { ifindex, ip } => message(
            libc::RTM_DELNEIGH,
            NLM_F_ACK,
            seq,
            ndmsg(family(ip), *ifindex, 0),
            &[(NDA_DST, &octets(ip))],
        ),
    }
}

/// Each message in a datagram from the kernel: (type, seq, body).
fn messages(buf: &[u8]) -> impl Iterator<Item = (u16, u32, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let header = buf.get(at..at + NLMSG_HDRLEN)?;
        let len = u32::from_ne_bytes(header[..4].try_into().ok()?) as usize;
        let kind = u16::from_ne_bytes(header[4..6].try_into().ok()?);
        let seq = u32::from_ne_bytes(header[8..12].try_into().ok()?);
        if len < NLMSG_HDRLEN {
            return None;
        }
        let body = buf.get(at + NLMSG_HDRLEN..at + len)?;
        at += (len + 3) & !3;
        Some((kind, seq, body))
    })
}

/// The errno of an `NLMSG_ERROR` body (0 is an acknowledgement).
fn errno(body: &[u8]) -> Option<i32> {
    Some(i32::from_ne_bytes(body.get(..4)?.try_into().ok()?))
}

/// A neighbour message read: interface, state, address, link-layer address, and whether we
/// pinned it.
struct Neighbour {
    ifindex: i32,
    state: u16,
    dst: Option<IpAddr>,
    mac: Option<[u8; 6]>,
    ours: bool,
}

/// A neighbour in a dump that we pinned, as its unpinning.
fn pinned_by_us(body: &[u8]) -> Option<Entry> {
    let n = neighbour(body)?;
    let (ip, mac) = (n.dst?, n.mac?);
    (n.ours && n.state & NUD_PERMANENT != 0).then_some(Entry::Unpin {
        ifindex: n.ifindex,
        ip,
        mac,
    })
}

fn neighbour(body: &[u8]) -> Option<Neighbour> {
    let ndm = body.get(..NDMSG_LEN)?;
    let ifindex = i32::from_ne_bytes(ndm[4..8].try_into().ok()?);
    let state = u16::from_ne_bytes(ndm[8..10].try_into().ok()?);
    let (mut dst, mut mac, mut ours) = (None, None, false);
    let mut at = NDMSG_LEN;
    while let Some(head) = body.get(at..at + 4) {
        let len = usize::from(u16::from_ne_bytes([head[0], head[1]]));
        let kind = u16::from_ne_bytes([head[2], head[3]]) & 0x3fff;
        let value = body.get(at + 4..at + len.max(4))?;
        match (kind, value.len()) {
            (NDA_DST, 4) => dst = <[u8; 4]>::try_from(value).ok().map(IpAddr::from),
            (NDA_DST, 16) => dst = <[u8; 16]>::try_from(value).ok().map(IpAddr::from),
            (NDA_LLADDR, 6) => mac = <[u8; 6]>::try_from(value).ok(),
            (NDA_PROTOCOL, 1) => ours = value[0] == PROTOCOL,
            _ => {}
        }
        at += (len.max(4) + 3) & !3;
    }
    Some(Neighbour {
        ifindex,
        state,
        dst,
        mac,
        ours,
    })
}

/// An open rtnetlink socket.
pub struct Socket {
    fd: OwnedFd,
    /// Sequence numbers keep growing across requests: a late acknowledgement of an earlier
    /// request (after a timeout) is never taken for one of the current.
    next_seq: std::cell::Cell<u32>,
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

impl Socket {
    /// Opens a socket in this process's namespace.
    pub fn open() -> io::Result<Self> {
        // SAFETY: plain socket(2); the fd is owned from here on.
        let raw = check(unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                NETLINK_ROUTE,
            )
        })?;
        // SAFETY: `raw` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: the timeval lives across the call and its size is passed with it.
        check(unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&REPLY_TIMEOUT as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        })?;
        Ok(Socket {
            fd,
            next_seq: std::cell::Cell::new(1),
        })
    }

    fn send(&self, bytes: &[u8]) -> io::Result<()> {
        // SAFETY: sockaddr_nl is plain data; all zero is "the kernel".
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: the buffer and address outlive the call; lengths are theirs.
        let sent = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn receive<'b>(&self, buf: &'b mut [u8]) -> io::Result<&'b [u8]> {
        // SAFETY: reads at most `buf.len()` bytes into `buf`.
        let got = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if got < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(&buf[..got as usize])
    }

    /// Applies `entries` in order; returns each refusal as (index, errno). Forgetting an
    /// entry that is not there is no refusal.
    pub fn apply(&self, entries: &[Entry]) -> io::Result<Vec<(usize, i32)>> {
        let mut refused = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        // A datagram's acknowledgements must fit the receive buffer, or the kernel stops
        // short: a chunk at a time.
        for (c, chunk) in entries.chunks(CHUNK).enumerate() {
            let first = c * CHUNK;
            let base = self.next_seq.get();
            self.next_seq.set(base.wrapping_add(chunk.len() as u32));
            let mut batch = Vec::with_capacity(chunk.len() * 48);
            for (i, e) in chunk.iter().enumerate() {
                batch.extend(encode(e, base.wrapping_add(i as u32)));
            }
            self.send(&batch)?;
            let mut acked = 0;
            while acked < chunk.len() {
                for (kind, seq, body) in messages(self.receive(&mut buf)?) {
                    let i = seq.wrapping_sub(base) as usize;
                    let ack = (kind == NLMSG_ERROR && i < chunk.len()).then(|| errno(body));
                    let Some(e) = ack.flatten() else {
                        continue;
                    };
                    acked += 1;
                    let index = first + i;
                    let missing = matches!(entries.get(index), Some(Entry::Forget { .. }))
                        && e == -libc::ENOENT;
                    if e != 0 && !missing {
                        refused.push((index, e));
                    }
                }
            }
        }
        Ok(refused)
    }

    /// The link-layer address of `ip` on `ifindex` if the kernel's entry is complete (as
    /// `/proc/net/arp` shows it): one request for one entry, however big the table.
    pub fn lookup(&self, ifindex: i32, ip: IpAddr) -> io::Result<Option<[u8; 6]>> {
        let seq = self.next_seq.get();
        self.next_seq.set(seq.wrapping_add(1));
        let dst = octets(&ip);
        let request = message(
            libc::RTM_GETNEIGH,
            0,
            seq,
            ndmsg(family(&ip), ifindex, 0),
            &[(NDA_DST, &dst)],
        );
        self.send(&request)?;
        let mut buf = vec![0u8; 4096];
        loop {
            let replies = messages(self.receive(&mut buf)?).filter(|(_, s, _)| *s == seq);
            for (kind, _, body) in replies {
                match kind {
                    NLMSG_ERROR => match errno(body) {
                        Some(e) if e == -libc::ENOENT => return Ok(None),
                        Some(0) | None => return Ok(None),
                        Some(e) => return Err(io::Error::from_raw_os_error(-e)),
                    },
                    libc::RTM_NEWNEIGH => {
                        let n = neighbour(body);
                        return Ok(n
                            .filter(|n| n.state & NUD_VALID != 0 && n.dst == Some(ip))
                            .and_then(|n| n.mac));
                    }
                    _ => {}
                }
            }
        }
    }

    /// Every entry we pinned (a previous run's included), as the request that unpins it.
    pub fn ours(&self) -> io::Result<Vec<Entry>> {
        let seq = self.next_seq.get();
        self.next_seq.set(seq.wrapping_add(1));
        let request = message(
            libc::RTM_GETNEIGH,
            NLM_F_DUMP,
            seq,
            ndmsg(libc::AF_UNSPEC as u8, 0, 0),
            &[],
        );
        self.send(&request)?;
        let mut found = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let replies = messages(self.receive(&mut buf)?).filter(|(_, s, _)| *s == seq);
            for (kind, _, body) in replies {
                match kind {
                    NLMSG_DONE => return Ok(found),
                    NLMSG_ERROR => match errno(body) {
                        Some(0) | None => return Ok(found),
                        Some(e) => return Err(io::Error::from_raw_os_error(-e)),
                    },
                    libc::RTM_NEWNEIGH => found.extend(pinned_by_us(body)),
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
