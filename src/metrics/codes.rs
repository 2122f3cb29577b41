//! Counters of codes sent by email and SMS, and the SMS budget, for `/metrics` and `status`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Codes sent and refused since start (the month's SMS count comes from the store).
#[derive(Debug, Default)]
pub struct CodeCounters {
    /// Codes accepted by the SMTP server.
    pub email_sent: AtomicU64,
    /// Codes accepted by the SMS provider.
    pub sms_sent: AtomicU64,
    /// Email codes refused by a send limit (device, address, hotspot).
    pub email_refused_limits: AtomicU64,
    /// SMS codes refused by a send limit (device, number, hotspot).
    pub sms_refused_limits: AtomicU64,
    /// SMS codes refused because the month's budget was used up.
    pub sms_refused_budget: AtomicU64,
    /// Codes the server or provider did not take.
    pub send_failures: AtomicU64,
}

/// The month's SMS figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmsMonth {
    /// SMS sent this calendar month (UTC).
    pub sent: u32,
    /// The monthly budget (0: none).
    pub budget: u32,
}

impl CodeCounters {
    /// Counts one more.
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters as `status` shows them.
    pub fn status(&self, month: SmsMonth) -> serde_json::Value {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        serde_json::json!({
            "email_sent": load(&self.email_sent),
            "email_refused_by_limits": load(&self.email_refused_limits),
            "sms_sent": load(&self.sms_sent),
            "sms_sent_this_month": month.sent,
            "sms_monthly_budget": month.budget,
            "sms_refused_by_limits": load(&self.sms_refused_limits),
            "sms_refused_by_budget": load(&self.sms_refused_budget),
            "code_send_failures": load(&self.send_failures),
        })
    }

    /// The Prometheus lines.
    pub fn render(&self, month: SmsMonth) -> String {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, lines: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in lines {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        metric(
            "hotspotd_codes_sent_total",
            "counter",
            "Login codes accepted by the SMTP server or SMS provider.",
            &[
                ("{channel=\"email\"}", load(&self.email_sent)),
                ("{channel=\"sms\"}", load(&self.sms_sent)),
            ],
        );
        metric(
            "hotspotd_codes_refused_total",
            "counter",
            "Login codes not sent: a send limit or the SMS budget.",
            &[
                (
                    "{channel=\"email\",reason=\"limit\"}",
                    load(&self.email_refused_limits),
                ),
                (
                    "{channel=\"sms\",reason=\"limit\"}",
                    load(&self.sms_refused_limits),
                ),
                (
                    "{channel=\"sms\",reason=\"budget\"}",
                    load(&self.sms_refused_budget),
                ),
            ],
        );
        metric(
            "hotspotd_code_send_failures_total",
            "counter",
            "Login codes the SMTP server or SMS provider did not take.",
            &[("", load(&self.send_failures))],
        );
        metric(
            "hotspotd_sms_sent_month",
            "gauge",
            "SMS sent this calendar month (UTC).",
            &[("", u64::from(month.sent))],
        );
        metric(
            "hotspotd_sms_budget_month",
            "gauge",
            "The hotspot's monthly SMS budget (0: none).",
            &[("", u64::from(month.budget))],
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_counts_and_budget_are_exposed() {
        let c = CodeCounters::default();
        CodeCounters::add(&c.sms_sent);
        CodeCounters::add(&c.sms_refused_limits);
        let text = c.render(SmsMonth {
            sent: 7,
            budget: 10,
        });
        assert!(
            text.contains("hotspotd_codes_sent_total{channel=\"sms\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("hotspotd_codes_refused_total{channel=\"sms\",reason=\"limit\"} 1\n")
        );
        assert!(text.contains("hotspotd_sms_sent_month 7\n"));
        assert!(text.contains("hotspotd_sms_budget_month 10\n"));
        assert_eq!(
            c.status(SmsMonth {
                sent: 7,
                budget: 10
            })["sms_sent_this_month"],
            7
        );
    }
}
