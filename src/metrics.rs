//! Counters for the Prometheus `/metrics` endpoint and `hotspotd status`.

mod codes;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub use codes::{CodeCounters, SmsMonth};

/// Latency of firewall transactions.
#[derive(Debug, Default)]
pub struct ApplyStats {
    count: AtomicU64,
    micros_sum: AtomicU64,
    micros_max: AtomicU64,
}

impl ApplyStats {
    /// Records one transaction.
    pub fn record(&self, micros: u64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.micros_sum.fetch_add(micros, Ordering::Relaxed);
        self.micros_max.fetch_max(micros, Ordering::Relaxed);
    }

    /// (count, total seconds, max seconds).
    pub fn snapshot(&self) -> (u64, f64, f64) {
        (
            self.count.load(Ordering::Relaxed),
            self.micros_sum.load(Ordering::Relaxed) as f64 / 1e6,
            self.micros_max.load(Ordering::Relaxed) as f64 / 1e6,
        )
    }
}

/// The gateway's counters since start.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Successful logins.
    pub logins: AtomicU64,
    /// Wrong codes or passwords.
    pub login_failures: AtomicU64,
    /// Logins refused for a reason other than wrong credentials (expired, limits, devices).
    pub login_refusals: AtomicU64,
    /// Bytes from guests.
    pub bytes_up: AtomicU64,
    /// Bytes to guests.
    pub bytes_down: AtomicU64,
    /// Times the table had to be rebuilt after it vanished.
    pub table_rebuilds: AtomicU64,
    /// Login codes sent and refused.
    pub codes: CodeCounters,
    ended: Mutex<BTreeMap<&'static str, u64>>,
}

/// What the daemon is doing right now, for the gauges.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Devices online.
    pub clients: usize,
    /// Users online.
    pub users: usize,
    /// Devices the capture has seen on the guest networks (bounded; a jump to the bound is
    /// a MAC flood).
    pub devices_seen: usize,
}

impl Metrics {
    /// Counts a session end.
    pub fn session_ended(&self, cause: &'static str) {
        let mut ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
        *ended.entry(cause).or_default() += 1;
    }

    /// Session ends by cause.
    pub fn ended(&self) -> BTreeMap<&'static str, u64> {
        self.ended.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The Prometheus text exposition.
    pub fn render(&self, gauges: Gauges, apply: &ApplyStats) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, lines: Vec<(String, String)>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in lines {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
        metric(
            "hotspotd_clients",
            "gauge",
            "Devices online.",
            vec![(String::new(), gauges.clients.to_string())],
        );
        metric(
            "hotspotd_users_online",
            "gauge",
            "Users with a device online.",
            vec![(String::new(), gauges.users.to_string())],
        );
        metric(
            "hotspotd_devices_seen",
            "gauge",
            "Devices seen on the guest networks (ARP, DHCP, IPv6), online or not.",
            vec![(String::new(), gauges.devices_seen.to_string())],
        );
        metric(
            "hotspotd_logins_total",
            "counter",
            "Successful logins.",
            vec![(String::new(), load(&self.logins))],
        );
        metric(
            "hotspotd_login_failures_total",
            "counter",
            "Wrong voucher codes or passwords.",
            vec![(String::new(), load(&self.login_failures))],
        );
        metric(
            "hotspotd_login_refusals_total",
            "counter",
            "Logins refused (expired, limits reached, too many devices).",
            vec![(String::new(), load(&self.login_refusals))],
        );
        metric(
            "hotspotd_sessions_ended_total",
            "counter",
            "Sessions ended, by terminate cause.",
            self.ended()
                .into_iter()
                .map(|(c, n)| (format!("{{cause=\"{c}\"}}"), n.to_string()))
                .collect(),
        );
        metric(
            "hotspotd_bytes_total",
            "counter",
            "Bytes forwarded for guests.",
            vec![
                ("{direction=\"up\"}".into(), load(&self.bytes_up)),
                ("{direction=\"down\"}".into(), load(&self.bytes_down)),
            ],
        );
        metric(
            "hotspotd_table_rebuilds_total",
            "counter",
            "Times the nftables table was found missing and rebuilt.",
            vec![(String::new(), load(&self.table_rebuilds))],
        );
        let (count, sum, max) = apply.snapshot();
        metric(
            "hotspotd_firewall_apply_seconds",
            "summary",
            "Latency of nftables transactions.",
            vec![
                ("_count".into(), count.to_string()),
                ("_sum".into(), format!("{sum:.6}")),
            ],
        );
        metric(
            "hotspotd_firewall_apply_max_seconds",
            "gauge",
            "Slowest nftables transaction since start.",
            vec![(String::new(), format!("{max:.6}"))],
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_format() {
        let m = Metrics::default();
        m.logins.fetch_add(3, Ordering::Relaxed);
        m.session_ended("idle-timeout");
        m.session_ended("idle-timeout");
        let apply = ApplyStats::default();
        apply.record(1500);
        apply.record(500);
        let text = m.render(
            Gauges {
                clients: 2,
                users: 1,
                devices_seen: 5,
            },
            &apply,
        );
        assert!(
            text.contains("# TYPE hotspotd_clients gauge\nhotspotd_clients 2\n"),
            "{text}"
        );
        assert!(text.contains("hotspotd_logins_total 3\n"));
        assert!(text.contains("hotspotd_devices_seen 5\n"), "{text}");
        assert!(text.contains("hotspotd_sessions_ended_total{cause=\"idle-timeout\"} 2\n"));
        assert!(
            text.contains("hotspotd_firewall_apply_seconds_count 2\n"),
            "{text}"
        );
        assert!(text.contains("hotspotd_firewall_apply_seconds_sum 0.002000\n"));
        assert!(text.contains("hotspotd_firewall_apply_max_seconds 0.001500\n"));
    }
}
