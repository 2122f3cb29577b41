//! The guest web portal: captured HTTP is redirected here, guests log in, see their status and
//! log out, and the OS asks the RFC 8908 API whether it is captive.

mod assets;
mod captive_api;
mod capture;
mod codes;
pub mod consent;
mod forgery;
mod guests;
pub mod i18n;
mod messages;
mod page;
mod pages;
mod questionnaire;
mod server;
mod signup;
mod social;
pub mod splash;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::gateway::{ClientView, Gateway};

/// What every handler needs.
#[derive(Clone)]
pub struct PortalState {
    /// The gateway core.
    pub gateway: Arc<Gateway>,
    /// The addresses and port under which the portal itself is addressed, one per guest
    /// network.
    portal_addrs: Arc<[(Ipv4Addr, u16)]>,
    /// Open connections, capped per address and in total, shared by every network's listener.
    connections: Arc<server::ConnectionLimiter>,
    /// Whether priced profiles exist, and when that was last asked (unix seconds): the splash
    /// shows a "Buy access" link without a database query per page view.
    offers_cache: Arc<(AtomicBool, AtomicI64)>,
    /// Splash images already read from the data directory.
    assets: Arc<assets::AssetCache>,
}

/// How long the "any offers?" answer is reused.
const OFFERS_TTL_SECS: i64 = 5;

impl PortalState {
    /// Whether the signup page has anything to sell.
    pub async fn has_offers(&self) -> bool {
        let (flag, asked) = &*self.offers_cache;
        let now = crate::gateway::now();
        if now - asked.load(Ordering::Relaxed) >= OFFERS_TTL_SECS {
            let any = self
                .gateway
                .offers()
                .await
                .map(|o| !o.is_empty())
                .unwrap_or(false);
            flag.store(any, Ordering::Relaxed);
            asked.store(now, Ordering::Relaxed);
        }
        flag.load(Ordering::Relaxed)
    }

    /// The portal's base URL for the guest at `peer`: the gateway's address on the guest's own
    /// network (the other networks' addresses may not be reachable from there).
    pub fn portal_url_for(&self, peer: SocketAddr) -> String {
        let config = &self.gateway.config;
        pages::client_ipv4(peer)
            .and_then(|ip| config.lan_of(ip))
            .map(|lan| config.portal_url_on(lan))
            .unwrap_or_else(|| config.portal_url())
    }

    /// The session of the device at `peer`, if it is online (the device, not merely the
    /// address: see `Gateway::client_at`).
    pub async fn client_at(&self, peer: SocketAddr) -> Option<ClientView> {
        let ip = pages::client_ipv4(peer)?;
        self.gateway.client_at(ip).await
    }

    /// Whether a `Host` header value (lower case) names the portal itself: one of its
    /// addresses, with its port or without one (a client may leave out any port).
    pub fn is_portal_host(&self, host: &str) -> bool {
        let (ip, port) = match host.rsplit_once(':') {
            Some((ip, port)) => (ip, Some(port)),
            None => (host, None),
        };
        let Ok(ip) = ip.parse::<Ipv4Addr>() else {
            return false;
        };
        (self.portal_addrs.iter())
            .any(|&(own, own_port)| own == ip && port.is_none_or(|p| p.parse() == Ok(own_port)))
    }

    /// State for a gateway, addressed as its config says, with connection caps for this
    /// process's file limit.
    pub fn new(gateway: Arc<Gateway>) -> Self {
        let c = &gateway.config;
        let connections = server::ConnectionLimiter::for_fd_limit(server::fd_limit());
        tracing::info!(
            per_address = server::PER_ADDRESS,
            total = connections.total(),
            "portal connection caps"
        );
        PortalState {
            portal_addrs: c.portal_addrs().into(),
            connections: Arc::new(connections),
            offers_cache: Arc::new((AtomicBool::new(false), AtomicI64::new(i64::MIN / 2))),
            assets: Arc::default(),
            gateway,
        }
    }
}

/// The portal's routes. Requests addressed to any other host were captured by the firewall and
/// are answered with a redirect to the splash page.
pub fn app(state: PortalState) -> Router {
    Router::new()
        .route("/", get(pages::splash))
        .route("/login", post(pages::login))
        .route("/login/click", post(guests::click))
        .route("/login/offline", post(guests::offline))
        .route("/consent/withdraw", post(guests::withdraw))
        .route(
            "/questionnaire",
            get(questionnaire::show).post(questionnaire::answer),
        )
        .route("/status", get(pages::status))
        .route("/logout", post(pages::logout))
        .route("/api/captive", get(captive_api::captive))
        .route("/signup", get(signup::offers).post(signup::order))
        .route("/order/{reference}", get(signup::progress))
        .route("/assets/{name}", get(assets::asset))
        .route("/code/{channel}", get(codes::page).post(codes::send))
        .route("/code/{channel}/{action}", post(codes::act))
        .route("/e/{token}", get(codes::link))
        .route("/social/return", get(social::back))
        .route("/social/browser", post(social::browser))
        .route("/social/{provider}", get(social::start))
        .layer(middleware::from_fn(no_store))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            forgery::same_origin_posts,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            capture::redirect_captured,
        ))
        .with_state(state)
}

/// Portal answers depend on who asks and when: nothing may be cached, but for answers that
/// say otherwise themselves (the content-addressed splash images).
async fn no_store(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    let mut res = next.run(req).await;
    res.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// Serves the portal until `cancel` fires, within the connection caps and timeouts of
/// [`server`].
pub async fn serve(
    listener: TcpListener,
    state: PortalState,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let limiter = state.connections.clone();
    server::serve(listener, app(state), limiter, cancel).await
}
