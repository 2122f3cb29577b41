//! Noticing at once when someone else changes our table: nf_tables announces every committed
//! transaction to listeners, ending with a generation message that names the committing
//! process. A transaction that touched our table's structure (the table, a chain, a rule or a
//! set) and was not committed by us or an `nft` we started asks for a repair.

use std::collections::VecDeque;
use std::sync::Mutex;

use tracing::{debug, warn};

use super::netlink::{TableEvent, TableListener};

/// `nft` processes we started lately: their transactions are ours.
static OUR_NFT: Mutex<VecDeque<u32>> = Mutex::new(VecDeque::new());
/// Enough for every `nft` a busy minute starts; older ones have long committed.
const REMEMBERED: usize = 64;

/// Notes a process id as ours (an `nft` we just started).
pub fn ours(pid: u32) {
    let mut pids = OUR_NFT.lock().unwrap_or_else(|p| p.into_inner());
    if pids.len() == REMEMBERED {
        pids.pop_front();
    }
    pids.push_back(pid);
}

fn is_ours(pid: u32) -> bool {
    pid == std::process::id() || (OUR_NFT.lock().unwrap_or_else(|p| p.into_inner())).contains(&pid)
}

/// What the watcher tells its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableChange {
    /// Someone else changed or deleted our table: rebuild it.
    Foreign,
    /// Notifications were lost (the buffer overflowed): check the table.
    Unknown,
}

/// Watches nf_tables in our namespace or `/run/netns/<netns>` on a thread of its own and calls
/// `changed` for every foreign transaction that touched our table. Fails only if the
/// listening socket cannot be opened.
pub fn watch(
    netns: Option<String>,
    changed: impl Fn(TableChange) + Send + 'static,
) -> std::io::Result<()> {
    let mut listener = TableListener::open(netns.as_deref())?;
    std::thread::Builder::new()
        .name("nft-watch".into())
        .spawn(move || {
            // Structural changes to our table seen in the transaction being announced.
            let mut touched = false;
            loop {
                match listener.next() {
                    Ok(events) => {
                        for event in events {
                            match event {
                                TableEvent::OurTable => touched = true,
                                TableEvent::Committed { pid } => {
                                    if touched && !is_ours(pid) {
                                        warn!(pid, "another process changed our nftables table");
                                        changed(TableChange::Foreign);
                                    } else if touched {
                                        debug!(pid, "our own table change announced");
                                    }
                                    touched = false;
                                }
                            }
                        }
                    }
                    Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                        warn!("nftables notifications were lost; checking the table");
                        touched = false;
                        changed(TableChange::Unknown);
                    }
                    Err(e) => {
                        warn!(error = %e, "watching nftables failed; the once-a-second check remains");
                        return;
                    }
                }
            }
        })?;
    Ok(())
}
