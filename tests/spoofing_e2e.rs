//! A hostile guest claiming others' addresses: ARP replies and neighbour advertisements for
//! an online guest's address divert none of its traffic, one forged frame moves no session
//! (a real move still does), and an IPv6 address its holder stopped using goes to the next
//! device that uses it, while one its holder still answers for does not.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::lab::{GATEWAY, Lab, UPSTREAM6, guest_ip, guest_ip6, guest_mac};

const SPOOF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/spoof.py");
/// The download the victim runs through the spoof: 6 MB at 8 Mbit/s (see [`slow_upstream`]).
const BYTES: u64 = 6_000_000;

/// The upstream sends at 8 Mbit/s (a shaper on its link, nothing of the daemon's), so a
/// download lasts long enough to be under way through the whole spoof.
fn slow_upstream(lab: &Lab) {
    let up = format!("{}-up", lab.prefix);
    let shaper = "tc qdisc add dev eth0 root tbf rate 8mbit burst 16kb latency 200ms";
    let mut args: Vec<&str> = shaper.split(' ').collect();
    args.insert(0, "env");
    let out = lab.in_ns(&up, &args);
    assert!(out.status.success(), "{out:?}");
}

fn gateway_mac(lab: &Lab) -> String {
    let out = lab.in_ns(&lab.gw(), &["cat", "/sys/class/net/lan0/address"]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Starts guest `i`'s download of [`BYTES`] from `url`; prints "<bytes> <seconds>".
fn start_download(lab: &Lab, i: usize, url: &str) -> Child {
    Command::new("ip")
        .args(["netns", "exec", &lab.guest(i)])
        .args(["curl", "-s", "-m", "30", "-o", "/dev/null"])
        .args(["-w", "%{size_download} %{time_total}", url])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn curl")
}

/// (bytes, seconds) of a finished download.
fn finish_download(child: Child) -> (u64, f64) {
    let out = child.wait_with_output().expect("wait for curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut parts = text.split_whitespace();
    let bytes = parts.next().and_then(|b| b.parse().ok()).unwrap_or(0);
    let secs = parts
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::MAX);
    (bytes, secs)
}

/// Runs spoof.py in guest `i`'s namespace; returns what it printed.
fn run_spoof(lab: &Lab, i: usize, args: &[&str]) -> String {
    let mut full = vec!["python3", SPOOF, "wlan0"];
    full.extend_from_slice(args);
    let out = lab.in_ns(&lab.guest(i), &full);
    assert!(out.status.success(), "spoof.py {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs the spoofer in guest `i`'s namespace; returns how many frames addressed to the
/// victim reached it.
fn spoof(lab: &Lab, i: usize, args: &[&str]) -> u64 {
    let printed = run_spoof(lab, i, args);
    printed.parse().expect("spoof.py prints a count")
}

/// The gateway's neighbour entry for `ip` on lan0, as `ip neigh` shows it.
fn neighbour(lab: &Lab, ip: &str) -> String {
    let out = lab.in_ns(&lab.gw(), &["ip", "neigh", "show", ip, "dev", "lan0"]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The victim's download goes on through a 3-second spoof, and the spoofer receives none of
/// it; the victim's entry is pinned while it is online and released with its session.
fn download_survives_spoof(lab: &Lab, url: &str, victim_ip: &str, spoof_args: &[&str]) {
    slow_upstream(lab);
    let mut download = start_download(lab, 1, url);
    std::thread::sleep(Duration::from_millis(1500));
    let pinned = neighbour(lab, victim_ip);
    assert!(
        pinned.contains(&guest_mac(1)) && pinned.contains("PERMANENT"),
        "victim's entry not pinned: {pinned}"
    );
    let started = Instant::now();
    let diverted = spoof(lab, 2, spoof_args);
    assert!(started.elapsed() >= Duration::from_secs(3));
    let after = neighbour(lab, victim_ip);
    assert!(
        download.try_wait().expect("curl").is_none(),
        "the download ended before the spoof did: nothing was tested"
    );
    let (bytes, secs) = finish_download(download);
    eprintln!(
        "victim's download: {bytes} bytes in {secs:.2} s; frames to the spoofer: {diverted}; entry after: {after}"
    );
    assert_eq!(
        diverted, 0,
        "the spoofer received {diverted} frames meant for the victim"
    );
    assert!(
        after.contains(&guest_mac(1)),
        "entry after the spoof: {after}"
    );
    // 6 s at the limit; a diverted download stalls for the spoof and 10–20 s after it.
    assert_eq!(bytes, BYTES, "download cut short ({secs} s)");
    assert!(secs < 9.0, "download stalled: {secs} s for {bytes} bytes");
    // The pin goes with the session: the kernel resolves the address again.
    lab.ok(&["deauth", &guest_mac(1)]);
    lab.wait_until(Duration::from_secs(3), "the pin to go", || {
        !neighbour(lab, victim_ip).contains("PERMANENT")
    });
}

fn log_in(lab: &Lab, i: usize) {
    let code = lab.vouchers(&[])[0].clone();
    let (status, body, _) = lab.login(i, &code, "");
    assert_eq!(status, "303", "{body}\n{}", lab.log());
}

#[test]
fn arp_replies_for_a_guests_address_divert_none_of_its_download() {
    let lab = Lab::start(2);
    log_in(&lab, 1);
    let url = format!("http://example.com/bytes/{BYTES}");
    let (victim, mac) = (guest_ip(1), gateway_mac(&lab));
    download_survives_spoof(&lab, &url, &victim, &["arp", &victim, GATEWAY, &mac, "3"]);
}

#[test]
fn neighbour_advertisements_for_a_guests_address_divert_none_of_its_download() {
    let lab = Lab::start(2);
    log_in(&lab, 1);
    let victim = guest_ip6(1);
    let url = format!("http://[{UPSTREAM6}]/bytes/{BYTES}");
    // Its first IPv6 connection tells the gateway the address; the next ones pass.
    lab.wait_until(Duration::from_secs(15), "IPv6 to pass", || {
        lab.curl(
            1,
            &[
                "-o",
                "/dev/null",
                "--connect-timeout",
                "2",
                &format!("http://[{UPSTREAM6}]/"),
            ],
        )
        .status
        .success()
    });
    let mac = gateway_mac(&lab);
    download_survives_spoof(
        &lab,
        &url,
        &victim,
        &["na", &victim, "2001:db8:77::1", &mac, "3"],
    );
}

#[test]
fn one_forged_arp_frame_moves_no_session_but_a_real_move_does() {
    let lab = Lab::start(2);
    log_in(&lab, 1);
    let session = lab.client(1).expect("online")["session_id"].clone();
    // Guest 2 forges a frame with guest 1's MAC announcing a made-up address.
    run_spoof(&lab, 2, &["forge", &guest_mac(1), "10.77.0.99"]);
    // Past the confirmation time: still online at its own address, and working.
    std::thread::sleep(Duration::from_secs(5));
    let client = lab.client(1).expect("victim still online");
    assert_eq!(client["ip"], guest_ip(1), "{client}\n{}", lab.log());
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    // Because it answered at its own address when asked.
    assert!(
        lab.log().contains("the claim against it is refused"),
        "{}",
        lab.log()
    );

    // A real move: the device takes another address and leaves the old one.
    let g = lab.guest(1);
    lab.in_ns(&g, &["ip", "addr", "flush", "dev", "wlan0"]);
    lab.in_ns(&g, &["ip", "addr", "add", "10.77.0.50/24", "dev", "wlan0"]);
    lab.in_ns(&g, &["ip", "route", "add", "default", "via", GATEWAY]);
    lab.in_ns(&g, &["ping", "-c", "1", "-W", "1", GATEWAY]);
    lab.wait_until(Duration::from_secs(10), "the session to follow", || {
        lab.client(1).is_some_and(|c| c["ip"] == "10.77.0.50")
    });
    assert_eq!(lab.client(1).unwrap()["session_id"], session);
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    let pinned = neighbour(&lab, "10.77.0.50");
    assert!(pinned.contains("PERMANENT"), "{pinned}");
    assert!(!neighbour(&lab, &guest_ip(1)).contains("PERMANENT"));
}

/// curl's exit code over IPv6 from guest `i`, from `source`: 0 passed.
fn curl6_from(lab: &Lab, i: usize, source: &str) -> Option<i32> {
    let url = format!("http://[{UPSTREAM6}]/");
    lab.curl(
        i,
        &[
            "-o",
            "/dev/null",
            "--connect-timeout",
            "2",
            "--interface",
            source,
            &url,
        ],
    )
    .status
    .code()
}

#[test]
fn an_ipv6_address_goes_to_another_device_once_its_holder_stops_using_it() {
    let lab = Lab::start(2);
    log_in(&lab, 1);
    log_in(&lab, 2);
    let shared = "2001:db8:77::abcd";
    let add = |i: usize, cidr: &str| {
        let out = lab.in_ns(
            &lab.guest(i),
            &["ip", "-6", "addr", "add", cidr, "dev", "wlan0", "nodad"],
        );
        assert!(out.status.success(), "{out:?}");
    };
    add(1, &format!("{shared}/64"));
    lab.wait_until(Duration::from_secs(15), "guest 1's address to pass", || {
        curl6_from(&lab, 1, shared) == Some(0)
    });
    // Guest 2 takes the same address. Guest 1 goes silent but keeps the address: asked
    // after the lapse, it answers, and keeps it.
    add(2, &format!("{shared}/128"));
    let until = Instant::now() + Duration::from_secs(45);
    while Instant::now() < until {
        assert_ne!(
            curl6_from(&lab, 2, shared),
            Some(0),
            "guest 2 took an address its holder still has\n{}",
            lab.log()
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    assert!(
        lab.log().contains("asking whether it still uses it"),
        "{}",
        lab.log()
    );
    // Guest 1 gives the address up: it changes hands.
    let out = lab.in_ns(
        &lab.guest(1),
        &[
            "ip",
            "-6",
            "addr",
            "del",
            &format!("{shared}/64"),
            "dev",
            "wlan0",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    lab.wait_until(
        Duration::from_secs(60),
        "guest 2 to get the address",
        || curl6_from(&lab, 2, shared) == Some(0),
    );
    let has = |i: usize| lab.client(i).unwrap()["ip6"].to_string().contains(shared);
    assert!(has(2) && !has(1), "{:?}", lab.clients());
    let pinned = neighbour(&lab, shared);
    assert!(pinned.contains(&common::lab::guest_mac(2)), "{pinned}");
}

fn pinned(lab: &Lab, i: usize) -> bool {
    neighbour(lab, &guest_ip(i)).contains("PERMANENT")
}

#[test]
fn a_restart_pins_the_sessions_it_restores_and_clears_those_that_ended() {
    let mut lab = Lab::start_with(2, "session_timeout = \"12s\"\n");
    let started = Instant::now();
    log_in(&lab, 1);
    lab.wait_until(Duration::from_secs(3), "guest 1's pin", || pinned(&lab, 1));
    std::thread::sleep(Duration::from_secs(6).saturating_sub(started.elapsed()));
    log_in(&lab, 2);
    lab.wait_until(Duration::from_secs(3), "guest 2's pin", || pinned(&lab, 2));
    // While the daemon is away the guests stay authorised, and pinned.
    lab.stop_daemon("KILL");
    assert!(pinned(&lab, 1) && pinned(&lab, 2));
    // Guest 1's session runs out meanwhile; guest 2's does not.
    std::thread::sleep(Duration::from_secs(13).saturating_sub(started.elapsed()));
    lab.start_daemon();
    lab.wait_until(Duration::from_secs(3), "guest 1's pin to go", || {
        !pinned(&lab, 1)
    });
    assert!(
        lab.client(2).is_some() && pinned(&lab, 2),
        "guest 2 restored without its pin: {}\n{}",
        neighbour(&lab, &guest_ip(2)),
        lab.log()
    );
}

/// Has the gateway's DHCP server (its lan0 MAC and address) lease `ip` to `mac`, as
/// dnsmasq's ACK would.
fn lease(lab: &Lab, mac: &str, ip: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/dhcp_frame.py");
    let out = lab.in_ns(
        &lab.gw(),
        &["python3", script, "lan0", "ack", mac, ip, GATEWAY],
    );
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn an_address_another_device_takes_is_freed_once_its_session_device_is_gone() {
    let lab = Lab::start(2);
    log_in(&lab, 1);
    let taken = guest_ip(1);
    lab.wait_until(Duration::from_secs(3), "guest 1's pin", || pinned(&lab, 1));
    // Leased to guest 2 while guest 1 still uses it: guest 1 answers and stays.
    lease(&lab, &guest_mac(2), &taken);
    std::thread::sleep(Duration::from_secs(5));
    assert!(lab.client(1).is_some() && pinned(&lab, 1), "{}", lab.log());
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    // Guest 1 leaves; the address is leased to guest 2, which takes it: guest 1's session
    // ends (its device no longer answers there) and guest 2 logs in with the address. (A
    // claim right after an answer is ignored for 10 s: guest 2 keeps announcing itself.)
    lab.in_ns(&lab.guest(1), &["ip", "addr", "flush", "dev", "wlan0"]);
    lease(&lab, &guest_mac(2), &taken);
    let g = lab.guest(2);
    lab.in_ns(&g, &["ip", "addr", "flush", "dev", "wlan0"]);
    lab.in_ns(
        &g,
        &["ip", "addr", "add", &format!("{taken}/24"), "dev", "wlan0"],
    );
    lab.in_ns(&g, &["ip", "route", "add", "default", "via", GATEWAY]);
    lab.wait_until(Duration::from_secs(20), "guest 1's session to end", || {
        lab.in_ns(&g, &["ip", "neigh", "flush", "dev", "wlan0"]);
        lab.in_ns(&g, &["ping", "-c", "1", "-W", "1", GATEWAY]);
        lab.client(1).is_none() && !pinned(&lab, 1)
    });
    log_in(&lab, 2);
    assert_eq!(lab.status(2, "http://example.com/"), "200");
    assert!(lab.log().contains("lost-carrier"), "{}", lab.log());
}
