//! The manager under test: the real binary pinned to CPU 0, its RSS sampled every 100 ms.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

pub fn pin_to_cpu(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is valid; CPU_SET writes within it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

pub struct Manager {
    child: Child,
    pub base: String,
    peak_rss: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Manager {
    pub fn start(database: &str) -> Manager {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new("taskset")
            .args([
                "-c",
                "0",
                env!("CARGO_BIN_EXE_hotspotd"),
                "manager",
                "--listen",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--database", database, "--public-url", &base])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hotspotd manager (needs taskset, util-linux)");
        let (peak_rss, stop) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (peak, halt, pid) = (peak_rss.clone(), stop.clone(), child.id());
        std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Manager {
            child,
            base,
            peak_rss,
            stop,
        }
    }
}

impl Manager {
    /// For CPU time (the sync benches; benches/manager.rs does not).
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn rss(&self, when: &str) {
        let peak = self.peak_rss.load(Ordering::Relaxed) / 1024;
        let now = rss_kib(self.child.id()) / 1024;
        println!("manager RSS {when}: {now} MB (peak so far {peak} MB)");
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
