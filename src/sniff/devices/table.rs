//! The table of devices the sightings feed, bounded so that a flood of random MACs costs
//! neither memory nor, per frame, more than a constant amount of work.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::Sighting;

/// A device as the table knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    /// Addresses seen in ARP, latest last.
    pub ips: Vec<Ipv4Addr>,
    /// Routable IPv6 addresses seen, latest last.
    pub ips6: Vec<Ipv6Addr>,
    /// Address its DHCP lease gave it, if seen.
    pub leased_ip: Option<Ipv4Addr>,
    /// DHCP host name.
    pub hostname: Option<String>,
    /// DHCP vendor class.
    pub vendor: Option<String>,
    /// Unix time first seen.
    pub first_seen: i64,
    /// Unix time last seen.
    pub last_seen: i64,
}

/// Devices by MAC, fed by sightings, with the current holder of each leased address.
#[derive(Debug, Default)]
pub struct DeviceTable {
    devices: HashMap<String, DeviceInfo>,
    /// Leased address → the MAC of the latest lease of it: a login or an address move asks
    /// this for every guest, so it must not scan the devices.
    leases: HashMap<Ipv4Addr, String>,
}

/// Devices kept at most (a flood of random MACs must not exhaust memory).
const MAX_DEVICES: usize = 20_000;

/// Devices dropped at once when the table is full, the least recently seen: finding them
/// walks the whole table, so dropping a tenth at a time keeps a MAC flood at a constant
/// cost per new MAC instead of a walk per frame.
const EVICT_BATCH: usize = MAX_DEVICES / 10;

impl DeviceTable {
    /// Takes in a sighting.
    pub fn observe(&mut self, sighting: Sighting, now: i64) {
        let mac = sighting.mac().to_string();
        if !self.devices.contains_key(&mac) && self.devices.len() >= MAX_DEVICES {
            self.evict_least_recent(EVICT_BATCH);
        }
        let d = self.devices.entry(mac).or_insert_with(|| DeviceInfo {
            first_seen: now,
            ..DeviceInfo::default()
        });
        d.last_seen = now;
        match sighting {
            Sighting::Arp { ip, .. } => {
                d.ips.retain(|x| *x != ip);
                d.ips.push(ip);
                if d.ips.len() > 4 {
                    d.ips.remove(0);
                }
            }
            Sighting::DhcpClient {
                hostname, vendor, ..
            } => {
                d.hostname = hostname.or(d.hostname.take());
                d.vendor = vendor.or(d.vendor.take());
            }
            Sighting::DhcpLease { ip, mac } => {
                if let Some(old) = d.leased_ip.replace(ip)
                    && old != ip
                    && self.leases.get(&old) == Some(&mac)
                {
                    self.leases.remove(&old);
                }
                self.leases.insert(ip, mac);
            }
            Sighting::Ipv6 { ip, .. } => {
                d.ips6.retain(|x| *x != ip);
                d.ips6.push(ip);
                // Privacy addresses come and go; the latest few are the ones in use.
                if d.ips6.len() > 8 {
                    d.ips6.remove(0);
                }
            }
        }
    }

    /// Drops the `count` least recently seen devices, and their leases.
    fn evict_least_recent(&mut self, count: usize) {
        let mut by_age: Vec<(i64, &String)> = (self.devices.iter())
            .map(|(mac, d)| (d.last_seen, mac))
            .collect();
        let count = count.min(by_age.len());
        if count == 0 {
            return;
        }
        by_age.select_nth_unstable(count - 1);
        let gone: Vec<String> = by_age[..count]
            .iter()
            .map(|(_, mac)| (*mac).clone())
            .collect();
        for mac in gone {
            if let Some(leased) = self.devices.remove(&mac).and_then(|d| d.leased_ip)
                && self.leases.get(&leased) == Some(&mac)
            {
                self.leases.remove(&leased);
            }
        }
    }

    /// What is known about a MAC.
    pub fn get(&self, mac: &str) -> Option<&DeviceInfo> {
        self.devices.get(mac)
    }

    /// Every MAC known.
    pub fn macs(&self) -> Vec<String> {
        self.devices.keys().cloned().collect()
    }

    /// The MAC that was last given `ip` by DHCP, if any.
    pub fn lease_holder(&self, ip: Ipv4Addr) -> Option<&str> {
        self.leases.get(&ip).map(String::as_str)
    }

    /// Number of devices known.
    pub fn len(&self) -> usize {
        self.devices.len()
    }

    /// Whether no device is known.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }
}

#[cfg(test)]
mod tests;
