//! The venue's splash page under load: requests/second and p99 latency (wrk from a guest
//! namespace) of the plain page, the page with a logo and a banner, and the plain page again
//! (the difference of the two plain runs is the machine's noise), in one run against one
//! daemon; plus the page's weight, its images' throughput, and the renderer alone (in this
//! process, no HTTP). Prints figures; asserts nothing about speed. Run as root:
//! `cargo bench --bench splash`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::lab::{Lab, PORTAL};
use std::time::Instant;

use common::splash::{add_asset, banner, cafe_design, logo, set_design};
use hotspotd::model::settings::design::Day;
use hotspotd::model::settings::{HotspotSettings, Lang};
use hotspotd::portal::splash::{SplashContext, render};

/// (requests/second, p99) of `wrk -t2 -c32 -d5s` against `url` from guest 1.
fn wrk(lab: &Lab, url: &str) -> (String, String) {
    let out = lab.in_ns(
        &lab.guest(1),
        &["wrk", "-t2", "-c32", "-d5s", "--latency", url],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_string()
    };
    (field("Requests/sec"), field("99%"))
}

/// Bytes of a GET from guest 1.
fn size(lab: &Lab, url: &str) -> u64 {
    let out = lab.curl(1, &["-o", "/dev/null", "-w", "%{size_download}", url]);
    String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0)
}

/// Microseconds per `render` of `settings` (median of 5 rounds of 2,000).
fn render_micros(settings: &HotspotSettings) -> f64 {
    let ctx = SplashContext {
        lang: Lang::It,
        dst: "http://example.com/news".into(),
        token: "0123456789abcdef0123456789abcdef".into(),
        error: None,
        notice: None,
        account_open: false,
        code: String::new(),
        has_offers: false,
        today: Day(chrono::Local::now().date_naive()),
        rotation: 0,
        offline_pass: false,
    };
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..2_000 {
                std::hint::black_box(render(settings, &ctx).unwrap());
            }
            start.elapsed().as_secs_f64() * 1e6 / 2_000.0
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[2]
}

fn main() {
    let lab = Lab::start(1);
    let plain_doc = lab.ok(&["settings", "show", "--json"]);
    let page = format!("{PORTAL}/");
    let plain_bytes = size(&lab, &page);
    let (rps, p99) = wrk(&lab, &page);
    println!("plain splash: {rps} req/s, p99 {p99}, {plain_bytes} bytes");

    let (logo_id, banner_id) = (
        add_asset(&lab, "logo.png", &logo()),
        add_asset(&lab, "banner.jpg", &banner()),
    );
    set_design(&lab, cafe_design(&logo_id, &banner_id));
    let html = size(&lab, &page);
    let logo_bytes = size(&lab, &format!("{PORTAL}/assets/{logo_id}"));
    let banner_bytes = size(&lab, &format!("{PORTAL}/assets/{banner_id}"));
    let (rps, p99) = wrk(&lab, &page);
    println!(
        "splash with logo and banner: {rps} req/s, p99 {p99}; {html} bytes HTML + {logo_bytes} logo + {banner_bytes} banner = {} bytes",
        html + logo_bytes + banner_bytes
    );
    let (rps, p99) = wrk(&lab, &format!("{PORTAL}/assets/{banner_id}"));
    println!("the banner image ({banner_bytes} bytes): {rps} req/s, p99 {p99}");

    let designed: HotspotSettings =
        serde_json::from_str(&lab.ok(&["settings", "show", "--json"])).unwrap();
    println!(
        "render alone: plain {:.1} µs, with logo and banner {:.1} µs",
        render_micros(&HotspotSettings::default()),
        render_micros(&designed)
    );

    let path = lab.dir.path().join("plain.json");
    std::fs::write(&path, plain_doc).unwrap();
    lab.ok(&["settings", "import", path.to_str().unwrap()]);
    let (rps, p99) = wrk(&lab, &page);
    println!(
        "plain splash again: {rps} req/s, p99 {p99}, {} bytes",
        size(&lab, &page)
    );
}
