//! PostgreSQL LISTEN/NOTIFY between manager instances on one database: a transaction that
//! appends to a hotspot's sync feed notifies [`CHANNEL`] with the hotspot's id (`Db::tx`), and
//! each instance listens on a dedicated connection and wakes its own long-polls of that
//! hotspot. A dropped connection is reopened after a second; every waiter is woken then, as
//! notifications may have been missed meanwhile (a spurious wake costs one feed read).

use std::future::poll_fn;
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::{AsyncMessage, NoTls};

use crate::manager::sync::notify::Wakers;

/// The notification channel.
pub const CHANNEL: &str = "hotspotd_feed";

/// Listens for ever (until the runtime stops).
pub fn spawn(url: String, wakers: Arc<Wakers>) {
    tokio::spawn(async move {
        loop {
            match listen(&url, &wakers).await {
                Ok(()) => tracing::warn!("sync feed listener: connection closed; reconnecting"),
                Err(e) => tracing::warn!(error = %e, "sync feed listener failed; reconnecting"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen(url: &str, wakers: &Wakers) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // Polling the connection sends the client's requests and yields the notifications.
    let driver = tokio::spawn(async move {
        while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
            if let AsyncMessage::Notification(n) = message? {
                // A closed receiver means the listener is gone; the driver ends with it.
                if tx.send(n.payload().to_string()).is_err() {
                    break;
                }
            }
        }
        Ok::<_, tokio_postgres::Error>(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    tracing::info!("sync feed listener: listening");
    wakers.wake_all();
    while let Some(payload) = rx.recv().await {
        match payload.parse() {
            Ok(hotspot) => wakers.wake(hotspot),
            Err(_) => tracing::warn!(payload, "sync feed listener: not a hotspot id"),
        }
    }
    match driver.await {
        Ok(result) => result,
        Err(e) => {
            tracing::warn!(error = %e, "sync feed listener: connection task failed");
            Ok(())
        }
    }
}
