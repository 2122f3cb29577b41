//! nf_tables change notifications, read from the multicast group every committed transaction
//! is announced to: which of them touch our table's structure, and who committed them.

use std::io;

use super::abi::{NFNL_SUBSYS_NFTABLES, NFPROTO_INET};
use super::reply::{Message, attributes, be_u32, messages};
use super::socket::Socket;
use crate::firewall::render::TABLE;

/// Table, chain, rule and set messages (new and delete): a change of the ruleset's shape.
/// Elements and objects are left out: our own per-client changes are made of those.
const STRUCTURAL: [u16; 8] = [0, 2, 3, 5, 6, 8, 9, 11];
/// The message that ends each transaction's announcement.
const NFT_MSG_NEWGEN: u16 = 15;
/// The table name: attribute 1 of every structural message (table, chain, rule, set).
const TABLE_NAME: u16 = 1;
const NFTA_GEN_PROC_PID: u16 = 2;

/// What an announcement says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableEvent {
    /// The transaction changed our table's structure.
    OurTable,
    /// The transaction committed; `pid` is the process that committed it.
    Committed {
        /// Process id.
        pid: u32,
    },
}

fn event(m: &Message) -> Option<TableEvent> {
    if m.kind >> 8 != NFNL_SUBSYS_NFTABLES {
        return None;
    }
    let msg = m.kind & 0xff;
    let attrs = attributes(m.payload.get(4..)?);
    if msg == NFT_MSG_NEWGEN {
        let pid = attrs
            .filter(|(kind, _)| *kind == NFTA_GEN_PROC_PID)
            .find_map(|(_, p)| be_u32(p))?;
        return Some(TableEvent::Committed { pid });
    }
    let ours = STRUCTURAL.contains(&msg)
        && *m.payload.first()? == NFPROTO_INET
        && attrs
            .filter(|(kind, _)| *kind == TABLE_NAME)
            .any(|(_, name)| name.split(|&b| b == 0).next() == Some(TABLE.as_bytes()));
    ours.then_some(TableEvent::OurTable)
}

/// A socket subscribed to nf_tables notifications.
pub struct TableListener {
    socket: Socket,
    buf: Vec<u8>,
}

impl TableListener {
    /// Subscribes in our namespace or `/run/netns/<netns>`.
    pub fn open(netns: Option<&str>) -> io::Result<Self> {
        // No read timeout: the watcher has nothing else to do.
        let forever = libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        Ok(TableListener {
            socket: Socket::open_listener(netns, forever)?,
            buf: vec![0; 256 * 1024],
        })
    }

    /// The events of the next datagram (an overflow of the socket's buffer is the error
    /// ENOBUFS: notifications were lost).
    pub fn next(&mut self) -> io::Result<Vec<TableEvent>> {
        loop {
            if let Some(got) = self.socket.next_datagram(&mut self.buf)? {
                return Ok(messages(&self.buf[..got])
                    .filter_map(|m| event(&m))
                    .collect());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, payload: &[u8]) -> Vec<u8> {
        let mut a = ((4 + payload.len()) as u16).to_ne_bytes().to_vec();
        a.extend_from_slice(&kind.to_ne_bytes());
        a.extend_from_slice(payload);
        while a.len() % 4 != 0 {
            a.push(0);
        }
        a
    }

    fn message(msg: u16, family: u8, attrs: &[u8]) -> (u16, Vec<u8>) {
        let mut payload = vec![family, 0, 0, 0];
        payload.extend_from_slice(attrs);
        (NFNL_SUBSYS_NFTABLES << 8 | msg, payload)
    }

    fn read(kind: u16, payload: &[u8]) -> Option<TableEvent> {
        event(&Message {
            kind,
            flags: 0,
            seq: 0,
            payload,
        })
    }

    #[test]
    fn structural_changes_of_our_table_and_commits_are_told_apart_from_the_rest() {
        let ours = attr(TABLE_NAME, b"hotspotd\0");
        let theirs = attr(TABLE_NAME, b"filter\0");
        let (k, p) = message(2, NFPROTO_INET, &ours); // DELTABLE
        assert_eq!(read(k, &p), Some(TableEvent::OurTable));
        let (k, p) = message(8, NFPROTO_INET, &ours); // DELRULE
        assert_eq!(read(k, &p), Some(TableEvent::OurTable));
        let (k, p) = message(2, NFPROTO_INET, &theirs);
        assert_eq!(read(k, &p), None, "another table");
        let (k, p) = message(2, 2, &ours);
        assert_eq!(read(k, &p), None, "an ip-family table of the same name");
        let (k, p) = message(12, NFPROTO_INET, &ours); // NEWSETELEM: our own logins
        assert_eq!(read(k, &p), None);
        let gen_msg = [
            attr(1, &7u32.to_be_bytes()),
            attr(2, &4242u32.to_be_bytes()),
        ]
        .concat();
        let (k, p) = message(NFT_MSG_NEWGEN, 0, &gen_msg);
        assert_eq!(read(k, &p), Some(TableEvent::Committed { pid: 4242 }));
        assert_eq!(read(2, &p), None, "not nf_tables");
    }
}
