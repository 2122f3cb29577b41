//! Slowloris against the portal: one guest holds (or keeps trying to hold) 2,000 half-open
//! connections. Measured idle and under the attack: another guest's splash latency, and the
//! time from `nft delete table inet hotspotd` until the table is back (with whatever repair
//! mechanism the daemon has). The daemon starts with a soft open-file limit of 1,024 and this
//! process's hard limit, as under systemd without `LimitNOFILE`. Idle is measured before and
//! after the attack (their difference is the machine's noise). Prints figures; asserts nothing
//! about speed. Run as root: `cargo bench --bench slowloris`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::lab::{GATEWAY, Lab, PORTAL};

const ATTACK_CONNECTIONS: usize = 2000;
const SPLASH_SAMPLES: usize = 20;
const REBUILD_SAMPLES: usize = 10;

/// Seconds of one splash load by guest 2 (curl's total time), or `None` if it failed within 5 s.
fn splash_secs(lab: &Lab) -> Option<f64> {
    let out = lab.curl(
        2,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{time_total}",
            &format!("{PORTAL}/"),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    match text.split_once(' ') {
        Some(("200", secs)) => secs.parse().ok(),
        _ => None,
    }
}

/// Seconds from deleting the table until it is back (polled every 5 ms), `None` after 10 s.
fn rebuild_secs(lab: &Lab) -> Option<f64> {
    lab.in_ns(&lab.gw(), &["nft", "delete", "table", "inet", "hotspotd"]);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if lab.table_present() {
            return Some(start.elapsed().as_secs_f64());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn summary(name: &str, samples: &[Option<f64>]) {
    let mut ok: Vec<f64> = samples.iter().flatten().map(|s| s * 1e3).collect();
    ok.sort_by(f64::total_cmp);
    let failed = samples.len() - ok.len();
    if ok.is_empty() {
        println!("{name}: all {} failed", samples.len());
        return;
    }
    println!(
        "{name}: median {:.1} ms, max {:.1} ms ({} samples, {failed} failed)",
        ok[ok.len() / 2],
        ok[ok.len() - 1],
        samples.len()
    );
}

/// CPU time of a process so far, in clock ticks (1/100 s): utime + stime of /proc/PID/stat.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    // After the ')': state is token 0, utime and stime are tokens 11 and 12.
    field(11) + field(12)
}

/// Runs the measurements and prints them, with the CPU the daemon and `other` (the attacker,
/// if any) used meanwhile.
fn measure(lab: &Lab, label: &str, other: Option<u32>) {
    let daemon = lab.daemon_pid();
    let before = (cpu_ticks(daemon), other.map(cpu_ticks));
    let started = Instant::now();
    measure_latencies(lab, label);
    let secs = started.elapsed().as_secs_f64();
    let share = |ticks: u64| ticks as f64 / secs;
    print!(
        "{label}: daemon CPU {:.0}% of a core",
        share(cpu_ticks(daemon) - before.0)
    );
    if let (Some(pid), Some(was)) = (other, before.1) {
        print!(", attacker {:.0}%", share(cpu_ticks(pid) - was));
    }
    println!();
}

fn measure_latencies(lab: &Lab, label: &str) {
    let splash: Vec<_> = (0..SPLASH_SAMPLES).map(|_| splash_secs(lab)).collect();
    summary(&format!("{label}: another guest's splash"), &splash);
    let rebuild: Vec<_> = (0..REBUILD_SAMPLES)
        .map(|_| {
            let r = rebuild_secs(lab);
            std::thread::sleep(Duration::from_millis(300));
            r
        })
        .collect();
    summary(&format!("{label}: table deleted → back"), &rebuild);
}

fn slowloris(lab: &Lab, secs: u32) -> Child {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/slowloris.py");
    Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.guest(1),
            "python3",
            script,
            GATEWAY,
            "2050",
        ])
        .args([ATTACK_CONNECTIONS.to_string(), secs.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start slowloris")
}

fn main() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain libc calls on a struct we own; the daemon inherits the limits.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = 1024.min(lim.rlim_max);
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
    let lab = Lab::start(2);
    let limits =
        std::fs::read_to_string(format!("/proc/{}/limits", lab.daemon_pid())).unwrap_or_default();
    let line = limits.lines().find(|l| l.starts_with("Max open files"));
    println!("daemon: {}", line.unwrap_or("?"));

    measure(&lab, "idle", None);
    let attack = slowloris(&lab, 600);
    std::thread::sleep(Duration::from_secs(3));
    let label = format!("{ATTACK_CONNECTIONS} half-open connections");
    measure(&lab, &label, Some(attack.id()));
    let _ = Command::new("kill")
        .args(["-TERM", &attack.id().to_string()])
        .status();
    let out = attack.wait_with_output().expect("slowloris");
    println!("attacker: {}", String::from_utf8_lossy(&out.stdout).trim());
    // Once more idle: the machine's own noise between the two idle runs.
    measure(&lab, "idle again", None);
    let log = lab.log();
    println!(
        "daemon log: {} \"Too many open files\"",
        log.matches("Too many open files").count()
    );
}
