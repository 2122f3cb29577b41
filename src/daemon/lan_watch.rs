//! The daemon's watch of the guest networks: captured DNS answers open walled-garden names,
//! and ARP, DHCP and IPv6 sightings feed the device table and follow devices' addresses.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::warn;

use crate::gateway::Gateway;
use crate::sniff::capture::{self, Event};
use crate::sniff::devices::Sighting;

/// Watches the LAN: DNS answers for walled-garden names, ARP and DHCP for the device table.
/// Without the capability to capture (CAP_NET_RAW) only those features are lost, so the
/// daemon goes on with a warning.
pub(super) fn spawn(gateway: &Arc<Gateway>, tracker: &TaskTracker, cancel: &CancellationToken) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watching = 0;
    for lan in &gateway.config.lans {
        match capture::spawn(lan, gateway.garden_domains(), tx.clone(), cancel.clone()) {
            Ok(_) => watching += 1,
            Err(e) => warn!(
                error = %e,
                interface = lan.interface,
                "walled-garden domains and device tracking are unavailable on this network"
            ),
        }
    }
    if watching == 0 {
        return;
    }
    let gw = gateway.clone();
    tracker.spawn(async move {
        // Claimed address moves are asked about and confirmed between sightings.
        let mut moves = tokio::time::interval(std::time::Duration::from_millis(250));
        loop {
            let first = tokio::select! {
                event = rx.recv() => match event {
                    Some(event) => event,
                    None => break,
                },
                _ = moves.tick() => {
                    gw.advance_moves().await;
                    continue;
                }
            };
            let mut openings = Vec::new();
            // The latest address per device: a batch often holds many ARP frames of one.
            let mut claims = std::collections::HashMap::new();
            let mut ipv6 = Vec::new();
            let mut pending = vec![first];
            while let Ok(more) = rx.try_recv() {
                pending.push(more);
            }
            for event in pending {
                match event {
                    Event::Garden(found) => openings.extend(found),
                    Event::Device(sighting) => {
                        match &sighting {
                            // A lease from our server, like ARP, is a claim to confirm.
                            Sighting::Arp { mac, ip } | Sighting::DhcpLease { mac, ip } => {
                                claims.insert(mac.clone(), *ip);
                            }
                            Sighting::Ipv6 { mac, ip } => ipv6.push((mac.clone(), *ip)),
                            Sighting::DhcpClient { .. } => {}
                        }
                        gw.observe(sighting);
                    }
                }
            }
            if !openings.is_empty()
                && let Err(e) = gw.open_garden(openings).await
            {
                warn!(error = %e, "could not open walled-garden addresses");
            }
            for (mac, ip) in claims {
                if let Err(e) = gw.follow_address(&mac, ip).await {
                    warn!(error = %e, mac, %ip, "could not follow a device to its new address");
                }
            }
            for (mac, ip) in ipv6 {
                if let Err(e) = gw.bind_ipv6(&mac, ip).await {
                    warn!(error = %e, mac, %ip, "could not authorise a device's IPv6 address");
                }
            }
        }
    });
}
