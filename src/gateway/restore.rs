//! Start-up: rebuild the kernel table from the database, the source of truth. Sessions whose
//! time ran out while the daemon was down are closed; the rest are authorised again at once.

use std::net::Ipv4Addr;

use tracing::{info, warn};

use super::registry::{Active, clock_of};
use super::{Gateway, GatewayError, now};
use crate::model::session::TerminateCause;
use crate::store::{SessionRow, Store, StoreError, VoucherRow};

/// Loads active sessions with their vouchers, closing the ones that must not resume.
fn load(store: &mut Store, now: i64) -> Result<Vec<(SessionRow, VoucherRow)>, StoreError> {
    let mut keep = Vec::new();
    for row in store.active_sessions()? {
        let voucher = store.voucher(row.voucher_id)?;
        let clock = clock_of(&row);
        let ip_ok = row.ip.parse::<Ipv4Addr>().is_ok();
        let cause = match &voucher {
            None => Some(TerminateCause::AdminReset),
            Some(v) if v.usage.revoked_at.is_some() => Some(TerminateCause::AdminReset),
            Some(_) if !ip_ok => Some(TerminateCause::NasError),
            Some(v) => {
                let left = v
                    .terms
                    .quota_bytes
                    .map(|q| q.saturating_sub(v.usage.bytes_used));
                clock.verdict(now, row.last_activity_at, left)
            }
        };
        match (cause, voucher) {
            (Some(cause), _) => {
                let progress = crate::store::SessionProgress {
                    id: row.id,
                    bytes_up: row.bytes_up,
                    bytes_down: row.bytes_down,
                    last_activity_at: row.last_activity_at,
                };
                store.end_session(&progress, cause, now)?;
                info!(
                    session = row.id,
                    mac = row.mac,
                    cause = cause.as_str(),
                    "session ended while the daemon was down"
                );
            }
            (None, Some(v)) => keep.push((row, v)),
            (None, None) => {}
        }
    }
    Ok(keep)
}

impl Gateway {
    /// Loads sessions from the database and installs the whole table with them in one
    /// transaction. Returns how many guests are online again.
    pub async fn restore(&self) -> Result<usize, GatewayError> {
        let now = now();
        let rows = self.store.run(move |s| load(s, now)).await?;
        let mut reg = self.sessions.lock().await;
        for (row, voucher) in rows {
            let Ok(ip) = row.ip.parse::<Ipv4Addr>() else {
                warn!(
                    session = row.id,
                    ip = row.ip,
                    "unreadable IP, session skipped"
                );
                continue;
            };
            reg.insert(Active::new(row, ip, &voucher));
        }
        self.rebuild_locked(&reg).await?;
        Ok(reg.len())
    }

    /// Replaces the kernel table with one holding exactly the registry's sessions.
    pub(super) async fn rebuild_locked(&self, reg: &super::Registry) -> Result<(), GatewayError> {
        let now = now();
        let grants: Vec<_> = reg.iter().map(|a| a.grant(now)).collect();
        self.firewall
            .blocking(move |fw| fw.rebuild(&grants))
            .await?;
        Ok(())
    }
}
