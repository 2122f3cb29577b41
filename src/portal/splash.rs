//! The splash page as a pure function of the hotspot's settings and the request's context:
//! the portal renders it for guests, and the manager's preview will render exactly the same
//! bytes from the same input.

use askama::Template;

use super::i18n::Texts;
use super::page::Page;
use crate::model::asset::AssetId;
use crate::model::settings::design::Day;
use crate::model::settings::{HotspotSettings, Lang};

/// Everything about the request the splash depends on.
#[derive(Debug, Clone)]
pub struct SplashContext {
    /// The guest's language.
    pub lang: Lang,
    /// The page first asked for (a checked http(s) URL, or empty).
    pub dst: String,
    /// The forms' token for this device.
    pub token: String,
    /// A failure to show (already in the guest's language).
    pub error: Option<String>,
    /// A notice to show (already in the guest's language).
    pub notice: Option<String>,
    /// Open the account form (the error was about it).
    pub account_open: bool,
    /// A well-formed voucher code to fill in (a printed voucher's QR code); never submitted
    /// by itself.
    pub code: String,
    /// Whether priced profiles exist (a "Buy access" link).
    pub has_offers: bool,
    /// Today, the gateway's local date (banners have date ranges).
    pub today: Day,
    /// Which of the banners shown today this view gets (a counter: each view the next one).
    pub rotation: usize,
    /// Offer the offline pass (the venue chose it and the manager is unreachable now).
    pub offline_pass: bool,
    // Per-device state of further login methods (a code sent, a resend's cooldown) goes
    // here, one field per method.
}

/// A banner as shown.
pub struct BannerView {
    /// `/assets/…`.
    pub src: String,
    /// Its text in the guest's language.
    pub alt: String,
    /// Where a tap goes (a checked http(s) URL).
    pub link: Option<String>,
}

#[derive(Template)]
#[template(path = "splash.html")]
struct SplashPage<'a> {
    t: Texts,
    s: &'a HotspotSettings,
    page: Page,
    token: &'a str,
    /// Where the login continues: the venue's after-login page when set, else the page
    /// first asked for.
    dst: &'a str,
    error: Option<&'a str>,
    notice: Option<&'a str>,
    account_open: bool,
    has_offers: bool,
    offline_pass: bool,
    code: &'a str,
    title: String,
    subtitle: &'a str,
    description: &'a str,
    logo: Option<String>,
    banner: Option<BannerView>,
    terms: String,
    privacy: String,
}

fn asset_url(id: &AssetId) -> Option<String> {
    id.check().ok().map(|()| format!("/assets/{id}"))
}

/// The splash page's HTML. The same input gives the same bytes.
pub fn render(s: &HotspotSettings, ctx: &SplashContext) -> Result<String, askama::Error> {
    let t = Texts::new(ctx.lang);
    let (lang, default) = (ctx.lang, s.default_language);
    let d = &s.design;
    let shown: Vec<_> = d.banners.iter().filter(|b| b.shown_on(ctx.today)).collect();
    let banner = (!shown.is_empty())
        .then(|| shown[ctx.rotation % shown.len()])
        .and_then(|b| {
            Some(BannerView {
                src: asset_url(&b.image)?,
                alt: b.alt.get(lang, default).to_owned(),
                link: b.link.clone(),
            })
        });
    let dst = d.after_login_url.as_deref().unwrap_or(&ctx.dst);
    SplashPage {
        page: Page::new(s, &t, "/", &ctx.dst),
        s,
        token: &ctx.token,
        dst,
        error: ctx.error.as_deref(),
        notice: ctx.notice.as_deref(),
        account_open: ctx.account_open,
        has_offers: ctx.has_offers,
        offline_pass: ctx.offline_pass,
        code: &ctx.code,
        title: d
            .title_in(lang, default)
            .map_or_else(|| t.with("welcome", "name", &s.name), str::to_owned),
        subtitle: d.subtitle.get(lang, default),
        description: d.description.get(lang, default),
        logo: d.logo.as_ref().and_then(asset_url),
        banner,
        terms: s.terms_text(lang),
        privacy: s.privacy_text(lang),
        t,
    }
    .render()
}

#[cfg(test)]
mod tests;
