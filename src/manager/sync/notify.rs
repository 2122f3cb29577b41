//! In-process wakers of the change feed: one `tokio::sync::watch` channel per hotspot that
//! has a long-poll waiting. A waiting long-poll holds a receiver and costs no database work;
//! a commit that appended to the hotspot's feed (`Db::tx`), or a PostgreSQL notification from
//! another manager instance (`listen`), bumps the channel and every waiter reads the feed once.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

/// The wakers, by hotspot.
#[derive(Default)]
pub struct Wakers {
    channels: Mutex<HashMap<i64, watch::Sender<u64>>>,
}

impl Wakers {
    /// A receiver that changes when `hotspot`'s feed grows after this call.
    pub fn subscribe(&self, hotspot: i64) -> watch::Receiver<u64> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels
            .entry(hotspot)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Wakes every waiter (notifications from other instances may have been missed).
    pub fn wake_all(&self) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.retain(|_, sender| sender.receiver_count() > 0);
        for sender in channels.values() {
            sender.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Wakes `hotspot`'s waiters; forgets its channel once nobody waits on it.
    pub fn wake(&self, hotspot: i64) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = channels.get(&hotspot) {
            if sender.receiver_count() == 0 {
                channels.remove(&hotspot);
            } else {
                sender.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wake_reaches_every_waiter_of_its_hotspot_only() {
        let w = Wakers::default();
        let (mut a, mut b, mut other) = (w.subscribe(1), w.subscribe(1), w.subscribe(2));
        w.wake(1);
        assert!(a.has_changed().unwrap() && b.has_changed().unwrap());
        assert!(!other.has_changed().unwrap());
        a.mark_unchanged();
        b.mark_unchanged();
        other.mark_unchanged();
        drop((a, b));
        w.wake(1);
        assert_eq!(
            w.channels.lock().unwrap().len(),
            1,
            "the channel nobody waits on is forgotten"
        );
    }
}
