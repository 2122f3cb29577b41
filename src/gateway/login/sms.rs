//! SMS code: the guest types a number (E.164, country allowlist), gets a code, types it. No
//! temporary session is needed. Every SMS counts against the hotspot's monthly budget; the
//! crossing of its warning threshold is logged once.

use std::net::Ipv4Addr;

use tracing::{info, warn};

use super::codes::{Asked, CodeTexts, OtpError, PendingView};
use crate::delivery::{DeliveryError, sms_sender};
use crate::gateway::{Gateway, now};
use crate::metrics::{CodeCounters, SmsMonth};
use crate::model::contact::parse_phone;
use crate::model::otp::{CODE_VALIDITY_SECS, Channel, code_hash, month_of, new_code};
use crate::store::NewPending;

impl Gateway {
    /// Sends a code to the number the guest typed. A live code already sent to this number
    /// from this device is not sent again.
    pub async fn request_sms_code(
        &self,
        ip: Ipv4Addr,
        typed: &str,
        asked: Asked,
        texts: &dyn CodeTexts,
    ) -> Result<PendingView, OtpError> {
        let mac = self.device_at(ip)?;
        let options = self.code_method(Channel::Sms)?;
        let number = parse_phone(typed, &self.hotspot().methods.sms.countries)?;
        let cooldown = options.limits.resend_cooldown_secs;
        let now = now();
        let m = mac.clone();
        let existing = (self.store)
            .run(move |s| s.newest_pending(&m, Channel::Sms, now))
            .await?;
        if let Some(p) = existing.filter(|p| p.target == number && p.is_live(now)) {
            return Ok(PendingView::of(&p, cooldown, now));
        }
        self.check_budget().await?;
        let code = new_code()?;
        let new = NewPending {
            channel: Channel::Sms,
            code_hash: code_hash(&self.key, &number, &code),
            token_hash: None,
            target: number,
            mac: mac.clone(),
            now,
            expires_at: now + CODE_VALIDITY_SECS,
            consents: asked.consents,
            lang: asked.lang,
        };
        let limits = options.limits;
        let started = self
            .store
            .run(move |s| s.start_pending(&new, &limits))
            .await?;
        let p = started.map_err(|hit| self.refused_by_limit(Channel::Sms, hit))?;
        self.deliver(Channel::Sms, &p, &code, "", texts).await?;
        info!(%mac, %ip, pending = p.id, "SMS code sent");
        Ok(PendingView::of(&p, cooldown, now))
    }

    /// Refuses when the month's budget is used up.
    async fn check_budget(&self) -> Result<(), OtpError> {
        let budget = self.hotspot().methods.sms.budget;
        let month = month_of(now());
        let sent = self.store.run(move |s| s.sms_sent_in(&month)).await?;
        if budget.allows(sent) {
            return Ok(());
        }
        CodeCounters::add(&self.metrics.codes.sms_refused_budget);
        warn!(
            sent,
            budget = budget.monthly,
            "SMS code refused: the monthly budget is used up"
        );
        Err(OtpError::Budget)
    }

    /// Sends one SMS through the configured provider and counts it in the month.
    pub(super) async fn send_sms(&self, to: &str, text: &str) -> Result<(), DeliveryError> {
        let config = self.live_config();
        let provider = (config.sms.as_ref())
            .ok_or_else(|| DeliveryError::Config("no [sms] provider configured".into()))?;
        sms_sender(provider)?.send(to, text).await?;
        CodeCounters::add(&self.metrics.codes.sms_sent);
        let month = month_of(now());
        let budget = self.hotspot().methods.sms.budget;
        match self.store.run(move |s| s.count_sms(&month)).await {
            Ok(before) if budget.crosses_warning(before) => warn!(
                sent = before + 1,
                budget = budget.monthly,
                percent = budget.warn_percent,
                "SMS budget warning: the month's SMS reached the warning threshold"
            ),
            Ok(_) => {}
            Err(e) => warn!(error = %e, "an SMS sent could not be counted in the month"),
        }
        Ok(())
    }

    /// This month's SMS and the budget, for `status` and `/metrics`.
    pub async fn sms_month(&self) -> SmsMonth {
        let month = month_of(now());
        let sent = self
            .store
            .run(move |s| s.sms_sent_in(&month))
            .await
            .unwrap_or(0);
        SmsMonth {
            sent,
            budget: self.hotspot().methods.sms.budget.monthly,
        }
    }
}
