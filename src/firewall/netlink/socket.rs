//! A NETLINK_NETFILTER socket, opened in our network namespace or a named one (tools and
//! tests drive a namespace from outside, like `ip netns exec`).

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::abi::NLM_F_DUMP_INTR;
use super::reply::{self, Message};

const NETLINK_NETFILTER: libc::c_int = 12;
const SOL_NETLINK: libc::c_int = 270;
/// Errors quote only the refused message's header, not the whole message.
const NETLINK_CAP_ACK: libc::c_int = 10;
const NETLINK_ADD_MEMBERSHIP: libc::c_int = 1;
/// nf_tables change notifications.
const NFNLGRP_NFTABLES: libc::c_int = 7;
/// A listener's buffer: our own per-client transactions notify too (thousands of element
/// messages for a big batch).
const LISTENER_BUFFER: usize = 16 << 20;
/// A dump or request not answered within this time is given up.
const REPLY_TIMEOUT: libc::timeval = libc::timeval {
    tv_sec: 5,
    tv_usec: 0,
};
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

fn set_option<T>(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, value: T) -> io::Result<()> {
    // SAFETY: `value` lives across the call and its size is passed with it.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// Sets a socket buffer size beyond the system maximum (needs CAP_NET_ADMIN, which the
/// daemon has for nftables anyway), else as far as the maximum allows: a batch larger than
/// that is then refused by the send, never applied in part.
fn buffer_size(
    fd: &OwnedFd,
    forced: libc::c_int,
    plain: libc::c_int,
    bytes: usize,
) -> io::Result<()> {
    let bytes = libc::c_int::try_from(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "batch over 2 GiB"))?;
    set_option(fd, libc::SOL_SOCKET, forced, bytes)
        .or_else(|_| set_option(fd, libc::SOL_SOCKET, plain, bytes))
}

/// Runs `f` in this process's namespace, or on a thread that enters `/run/netns/<netns>`
/// and then ends: a socket belongs to the namespace it was created in, whatever thread
/// uses it later.
pub fn in_netns<T: Send>(
    netns: Option<&str>,
    f: impl FnOnce() -> io::Result<T> + Send,
) -> io::Result<T> {
    let Some(name) = netns else {
        return f();
    };
    let path = format!("/run/netns/{name}");
    let ns = File::open(&path).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                // SAFETY: setns on a valid namespace fd affects only this thread.
                check(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) })?;
                f()
            })
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("namespace thread panicked")))
    })
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
        in_netns(netns, || Self::open_here(NETLINK_NETFILTER))
    }

    /// Opens a NETLINK_ROUTE socket (traffic control) the same way.
    pub fn open_route(netns: Option<&str>) -> io::Result<Self> {
        in_netns(netns, || Self::open_here(libc::NETLINK_ROUTE))
    }

    /// Opens a socket in this process's namespace or `/run/netns/<netns>` that receives the
    /// nf_tables change notifications (multicast group NFNLGRP_NFTABLES), with a large
    /// buffer and a read timeout of `wake`.
    pub fn open_listener(netns: Option<&str>, wake: libc::timeval) -> io::Result<Self> {
        let socket = Self::open(netns)?;
        set_option::<libc::c_int>(
            &socket.fd,
            SOL_NETLINK,
            NETLINK_ADD_MEMBERSHIP,
            NFNLGRP_NFTABLES,
        )?;
        buffer_size(
            &socket.fd,
            libc::SO_RCVBUFFORCE,
            libc::SO_RCVBUF,
            LISTENER_BUFFER,
        )?;
        set_option(&socket.fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, wake)?;
        Ok(socket)
    }

    /// Waits for the next datagram (up to the read timeout: `None`).
    pub fn next_datagram(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        self.receive(buf, 0)
    }

    fn open_here(protocol: libc::c_int) -> io::Result<Self> {
        // SAFETY: plain socket(2); the fd is owned from here on.
        let raw = check(unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                protocol,
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
        set_option::<libc::c_int>(&fd, SOL_NETLINK, NETLINK_CAP_ACK, 1)?;
        buffer_size(&fd, libc::SO_RCVBUFFORCE, libc::SO_RCVBUF, RECEIVE_BUFFER)?;
        set_option(&fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, REPLY_TIMEOUT)?;
        Ok(Socket { fd })
    }

    /// Sends a whole batch in one datagram (the kernel only applies a transaction that
    /// arrives in one piece) and returns `(sequence, errno)` of every reply; every other
    /// message (the answer to a request in the datagram) goes to `each`. The kernel handles
    /// the datagram inside the send call, so every reply is queued once it returns.
    pub fn transact(
        &self,
        batch: &[u8],
        mut each: impl FnMut(&Message),
    ) -> io::Result<Vec<(u32, i32)>> {
        buffer_size(
            &self.fd,
            libc::SO_SNDBUFFORCE,
            libc::SO_SNDBUF,
            batch.len() + 4096,
        )?;
        self.send(batch)?;
        let mut replies = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        while let Some(got) = self.receive(&mut buf, libc::MSG_DONTWAIT)? {
            for m in reply::messages(&buf[..got]) {
                match m.errno() {
                    Some(errno) => replies.push((m.seq, errno)),
                    None => each(&m),
                }
            }
        }
        Ok(replies)
    }

    /// Sends one request and hands each reply message to `each` until the dump ends or an
    /// error or acknowledgement arrives.
    pub fn request(&self, message: &[u8], mut each: impl FnMut(&Message)) -> io::Result<End> {
        self.send(message)?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut interrupted = false;
        loop {
            let got = self.receive(&mut buf, 0)?.ok_or_else(|| {
                io::Error::new(io::ErrorKind::TimedOut, "no reply from the kernel")
            })?;
            for message in reply::messages(&buf[..got]) {
                interrupted |= message.flags & NLM_F_DUMP_INTR != 0;
                if let Some(errno) = message.end_status() {
                    return Ok(End { errno, interrupted });
                }
                each(&message);
            }
        }
    }

    fn send(&self, bytes: &[u8]) -> io::Result<()> {
        let addr = kernel_address();
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

    /// One datagram into `buf`: its length, or `None` when nothing is waiting (non-blocking)
    /// or nothing came in time.
    fn receive(&self, buf: &mut [u8], flags: libc::c_int) -> io::Result<Option<usize>> {
        // SAFETY: reads at most `buf.len()` bytes into `buf`.
        let got = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                flags,
            )
        };
        if got >= 0 {
            return Ok(Some(got as usize));
        }
        let err = io::Error::last_os_error();
        match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Ok(None),
            _ => Err(err),
        }
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End {
    /// 0: acknowledged or dump complete; else the negative errno.
    pub errno: i32,
    /// The dump was interrupted by a change: read it again.
    pub interrupted: bool,
}
