//! MAC auto-login of a device that verified an email or SMS code: within its method's guest
//! validity, while its guest's profile runs, without a new code.

use std::net::Ipv4Addr;

use tracing::{info, warn};

use crate::gateway::{ClientView, Gateway, now};
use crate::model::otp::Channel;

impl Gateway {
    /// Logs the device at `ip` in again if it verified a code within its method's guest
    /// validity, its guest's profile has not ended, and the method has MAC auto-login on.
    /// `None`: nothing to do (the splash is shown).
    pub async fn auto_login(&self, ip: Ipv4Addr) -> Option<ClientView> {
        // Every splash view asks: a hotspot without the option pays no device lookup.
        let channels: Vec<_> = [Channel::Sms, Channel::Email]
            .into_iter()
            .filter_map(|c| Some((c, self.code_method(c).ok()?)))
            .filter(|(_, options)| options.mac_auto_login)
            .collect();
        if channels.is_empty() {
            return None;
        }
        let mac = self.device_at(ip).ok()?;
        for (channel, options) in channels {
            let since = now() - i64::try_from(options.guest_validity_secs).unwrap_or(i64::MAX);
            let m = mac.clone();
            let Ok(Some(target)) = (self.store)
                .run(move |s| s.last_verified(&m, channel, since))
                .await
            else {
                continue;
            };
            let user = match self.returning_guest_user(channel.method(), &target).await {
                Ok(Some(user)) => user,
                Ok(None) => continue,
                Err(e) => {
                    warn!(error = %e, %mac, "MAC auto-login could not look the guest up");
                    continue;
                }
            };
            match self.admit(mac.clone(), ip, user).await {
                Ok(view) => {
                    info!(%mac, %ip, channel = channel.as_str(), "returning device logged in again");
                    self.note_credential_guest((channel.method(), target), mac)
                        .await;
                    return Some(view);
                }
                Err(e) => info!(%mac, %ip, reason = %e, "returning device not logged in again"),
            }
        }
        None
    }
}
