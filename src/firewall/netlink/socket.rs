//! A NETLINK_NETFILTER socket, opened in our network namespace or a named one (tools and
//! tests drive a namespace from outside, like `ip netns exec`).

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const NETLINK_NETFILTER: libc::c_int = 12;
const SOL_NETLINK: libc::c_int = 270;
/// Errors quote only the refused message's header, not the whole message.
const NETLINK_CAP_ACK: libc::c_int = 10;
const NLMSG_ERROR: u16 = 2;
/// Room for the replies of a failed transaction (each error is its own small message).
const RECEIVE_BUFFER: usize = 1 << 20;

/// An open socket to the kernel's netfilter subsystem.
pub struct Socket {
    fd: OwnedFd,
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn set_option(
    fd: &OwnedFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `value` lives across the call and its size is passed with it.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

fn kernel_address() -> libc::sockaddr_nl {
    // SAFETY: sockaddr_nl is plain data; all zero is "the kernel, no groups".
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr
}

impl Socket {
    /// Opens a socket in this process's namespace, or in `/run/netns/<netns>`.
    pub fn open(netns: Option<&str>) -> io::Result<Self> {
        let Some(name) = netns else {
            return Self::open_here();
        };
        let path = format!("/run/netns/{name}");
        let ns = File::open(&path).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
        // A socket belongs to the namespace it was created in, whatever thread uses it
        // later: create it on a thread that enters the namespace and then ends.
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    // SAFETY: setns on a valid namespace fd affects only this thread.
                    check(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) })?;
                    Self::open_here()
                })
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("namespace thread panicked")))
        })
    }

    fn open_here() -> io::Result<Self> {
        // SAFETY: plain socket(2); the fd is owned from here on.
        let raw = check(unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                NETLINK_NETFILTER,
            )
        })?;
        // SAFETY: `raw` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let addr = kernel_address();
        // SAFETY: binding to port 0 lets the kernel pick our port id.
        check(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        })?;
        set_option(&fd, SOL_NETLINK, NETLINK_CAP_ACK, 1)?;
        set_option(
            &fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            RECEIVE_BUFFER as libc::c_int,
        )?;
        Ok(Socket { fd })
    }

    /// Sends a whole batch in one datagram (the kernel only applies a transaction that
    /// arrives in one piece) and returns `(sequence, errno)` of every reply. The kernel
    /// handles the batch inside the send call, so every reply is queued once it returns.
    pub fn transact(&self, batch: &[u8]) -> io::Result<Vec<(u32, i32)>> {
        let size = libc::c_int::try_from(batch.len() + 4096)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "batch over 2 GiB"))?;
        set_option(&self.fd, libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, size)?;
        let addr = kernel_address();
        // SAFETY: the buffer and address outlive the call; lengths are theirs.
        let sent = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                batch.as_ptr().cast(),
                batch.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut replies = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: reads at most `buf.len()` bytes into `buf`.
            let got = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if got < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::WouldBlock {
                    return Ok(replies);
                }
                return Err(err);
            }
            replies.extend(parse_errors(&buf[..got as usize]));
        }
    }
}

/// `(sequence, errno)` of each error/acknowledgement message in a datagram (errno 0 is an
/// acknowledgement). Stops at the first malformed header.
pub fn parse_errors(mut data: &[u8]) -> Vec<(u32, i32)> {
    let mut out = Vec::new();
    while data.len() >= 16 {
        let word =
            |at: usize| u32::from_ne_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
        let len = word(0) as usize;
        let kind = u16::from_ne_bytes([data[4], data[5]]);
        if len < 16 || len > data.len() {
            break;
        }
        if kind == NLMSG_ERROR && len >= 20 {
            out.push((word(8), word(16) as i32));
        }
        data = &data[len.next_multiple_of(4).min(data.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(seq: u32, errno: i32, kind: u16) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&36u32.to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&errno.to_ne_bytes());
        m.extend_from_slice(&[0; 16]);
        m
    }

    #[test]
    fn acknowledgements_and_errors_are_read_and_junk_ends_the_read() {
        let mut data = reply(4, -17, NLMSG_ERROR);
        data.extend(reply(5, 0, 3)); // NLMSG_DONE: not an error
        data.extend(reply(9, 0, NLMSG_ERROR));
        data.extend_from_slice(&[200, 0, 0, 0, 2, 0]); // truncated header
        assert_eq!(parse_errors(&data), [(4, -17), (9, 0)]);
        let mut lying = reply(1, 0, NLMSG_ERROR);
        lying[0] = 255; // longer than the datagram
        assert!(parse_errors(&lying).is_empty());
    }
}
