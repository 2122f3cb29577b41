//! The three-namespace lab (guests ⇄ gateway ⇄ upstream) with the real daemon binary running
//! in the gateway namespace. Everything is removed on drop, also when the test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::netns::{require_root, unique_prefix};

pub const GATEWAY: &str = "10.77.0.1";
pub const PORTAL: &str = "http://10.77.0.1:2050";

/// Guest `i` (1-based) has this MAC.
pub fn guest_mac(i: usize) -> String {
    format!("02:77:00:00:00:{:02x}", 10 + i)
}

/// Guest `i` has this IP.
pub fn guest_ip(i: usize) -> String {
    format!("10.77.0.{}", 10 + i)
}

/// Guest `i` has this IPv6 address (besides any the test adds).
pub fn guest_ip6(i: usize) -> String {
    format!("2001:db8:77::{}", 10 + i)
}

/// The upstream server's IPv6 address.
pub const UPSTREAM6: &str = "2001:db8:88::2";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Lab {
    pub prefix: String,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    daemon: Option<Child>,
    /// Environment the daemon starts with, besides the lab's.
    pub daemon_env: Vec<(String, String)>,
}

/// Guest `i` (1-based) of the second network has this MAC.
pub fn net2_guest_mac(i: usize) -> String {
    format!("02:79:00:00:00:{:02x}", 10 + i)
}

/// Guest `i` of the second network has this IP.
pub fn net2_guest_ip(i: usize) -> String {
    format!("10.79.0.{}", 10 + i)
}

/// The portal as guests of the second network reach it.
pub const NET2_PORTAL: &str = "http://10.79.0.1:2050";

/// Lab config: small timeouts can be set through `extra` (TOML lines in `[sessions]`). The
/// daemon serves both guest networks (bridges lan0 and lan1).
fn config_text(data_dir: &Path, sessions: &str) -> String {
    format!(
        r#"hotspot_name = "Test Café"
data_dir = "{}"
terms = "Be nice."
[[lan]]
interface = "lan0"
subnet = "10.77.0.0/24"
address = "10.77.0.1"
subnet6 = "2001:db8:77::/64"
[[lan]]
interface = "lan1"
subnet = "10.79.0.0/24"
address = "10.79.0.1"
subnet6 = "2001:db8:79::/64"
[wan]
interface = "wan0"
[sessions]
{sessions}
"#,
        data_dir.display()
    )
}

impl Lab {
    /// A lab with `guests` guest namespaces and a running daemon with default sessions.
    pub fn start(guests: usize) -> Lab {
        Lab::start_with(guests, "")
    }

    /// As [`Lab::start`], with extra `[sessions]` settings.
    pub fn start_with(guests: usize, sessions: &str) -> Lab {
        let mut lab = Lab::without_daemon(guests, sessions);
        lab.start_daemon();
        lab
    }

    /// The namespaces and lab services, no daemon yet.
    pub fn without_daemon(guests: usize, sessions: &str) -> Lab {
        Lab::with_net2_guests(guests, 0, sessions)
    }

    /// As [`Lab::without_daemon`], plus `net2_guests` guests on the second network (lan1).
    pub fn with_net2_guests(guests: usize, net2_guests: usize, sessions: &str) -> Lab {
        require_root();
        let prefix = unique_prefix();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("hotspotd.toml");
        std::fs::write(&config, config_text(&dir.path().join("data"), sessions)).unwrap();
        let lab = Lab {
            prefix,
            dir,
            config,
            daemon: None,
            daemon_env: Vec::new(),
        };
        let out = Command::new(repo().join("lab/lab.sh"))
            .args([
                "up",
                &lab.prefix,
                &guests.to_string(),
                &net2_guests.to_string(),
            ])
            .output()
            .expect("run lab/lab.sh");
        assert!(
            out.status.success(),
            "lab up failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }

    pub fn gw(&self) -> String {
        format!("{}-gw", self.prefix)
    }

    pub fn guest(&self, i: usize) -> String {
        format!("{}-g{i}", self.prefix)
    }

    /// The namespace of guest `i` of the second network.
    pub fn net2_guest(&self, i: usize) -> String {
        format!("{}-n{i}", self.prefix)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("daemon.log")
    }

    /// The daemon's log so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Spawns `hotspotd run` in the gateway namespace and waits until the portal answers.
    pub fn start_daemon(&mut self) {
        assert!(self.daemon.is_none(), "daemon already running");
        let child = self.spawn_daemon();
        self.daemon = Some(child);
        // A first start on a /16 (the benches' wide lab) makes shaping pools of 10,240 classes
        // on two interfaces before the portal listens: 11-18 s on this machine.
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let status = self.in_ns(
                &self.gw(),
                &[
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-m",
                    "1",
                    &format!("{PORTAL}/api/captive"),
                ],
            );
            if status.status.success() {
                return;
            }
            if let Some(Ok(Some(exit))) = self.daemon.as_mut().map(|c| c.try_wait()) {
                panic!("daemon exited with {exit}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("portal did not come up:\n{}", self.log());
    }

    /// Spawns the daemon without waiting (for tests of failing start-ups). For profiling,
    /// `HOTSPOTD_WRAPPER` (e.g. `heaptrack -o /tmp/hotspotd`) is put in front of the binary.
    pub fn spawn_daemon(&self) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let wrapper = std::env::var("HOTSPOTD_WRAPPER").unwrap_or_default();
        Command::new("ip")
            .args(["netns", "exec", &self.gw()])
            .args(wrapper.split_whitespace())
            .args([env!("CARGO_BIN_EXE_hotspotd"), "-c"])
            .arg(&self.config)
            .arg("run")
            .env("RUST_LOG", "hotspotd=debug")
            .envs(self.daemon_env.iter().map(|(k, v)| (k, v)))
            // Both in the log: the embedded manager prints its first admin password on stdout.
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn hotspotd")
    }

    /// Stops the daemon with a signal (`KILL`, `TERM`) and waits for it.
    pub fn stop_daemon(&mut self, signal: &str) {
        let mut child = self.daemon.take().expect("daemon running");
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status();
        let _ = child.wait();
    }

    /// The PID of the daemon in the gateway namespace.
    pub fn daemon_pid(&self) -> u32 {
        let out = Command::new("ip")
            .args(["netns", "pids", &self.gw()])
            .output()
            .expect("ip netns pids");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|p| p.parse::<u32>().ok())
            .find(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .is_ok_and(|c| c.trim() == "hotspotd")
            })
            .expect("hotspotd pid")
    }

    /// Whether our table exists in the gateway namespace (asked with `nft`).
    pub fn table_present(&self) -> bool {
        self.in_ns(&self.gw(), &["nft", "list", "table", "inet", "hotspotd"])
            .status
            .success()
    }

    /// Runs a command in a namespace and returns its output (no assertion).
    pub fn in_ns(&self, ns: &str, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", ns])
            .args(args)
            .output()
            .expect("run ip netns exec")
    }

    /// Runs the CLI against this lab's config.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hotspotd"))
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .output()
            .expect("run hotspotd")
    }

    /// Creates vouchers (`voucher create --json` plus `args`) and returns their codes.
    pub fn vouchers(&self, args: &[&str]) -> Vec<String> {
        let mut full = vec!["voucher", "create", "--json"];
        full.extend_from_slice(args);
        let out = self.cli(&full);
        assert!(
            out.status.success(),
            "voucher create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["vouchers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_str().unwrap().to_string())
            .collect()
    }

    /// `hotspotd clients --json` as parsed JSON.
    pub fn clients(&self) -> Vec<serde_json::Value> {
        let out = self.cli(&["clients", "--json"]);
        assert!(
            out.status.success(),
            "clients failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// Polls `check` every 50 ms until it holds or `limit` passes; returns the time it took.
    pub fn wait_until(
        &self,
        limit: Duration,
        what: &str,
        mut check: impl FnMut() -> bool,
    ) -> Duration {
        let start = Instant::now();
        while start.elapsed() < limit {
            if check() {
                return start.elapsed();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "timed out after {limit:?} waiting for {what}\ndaemon log:\n{}",
            self.log()
        );
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut child) = self.daemon.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = Command::new(repo().join("lab/lab.sh"))
            .args(["down", &self.prefix])
            .output();
    }
}

impl Lab {
    /// Starts a long-running command in a namespace.
    pub fn in_ns_spawn(&self, ns: &str, args: &[&str]) -> Child {
        Command::new("ip")
            .args(["netns", "exec", ns])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn in namespace")
    }
}

impl Lab {
    /// Runs the CLI and panics with its output unless it succeeds; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "hotspotd {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Creates an account with a known password and returns nothing; `extra` adds options.
    pub fn account(&self, username: &str, password: &str, extra: &[&str]) {
        let mut args = vec!["user", "add", username, "--password-stdin"];
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_hotspotd"))
            .arg("-c")
            .arg(&self.config)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run hotspotd user add");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "user add failed: {out:?}");
    }

    /// The session of guest `i` as `clients --json` shows it.
    pub fn client(&self, i: usize) -> Option<serde_json::Value> {
        self.clients()
            .into_iter()
            .find(|c| c["mac"] == guest_mac(i))
    }
}

impl Lab {
    /// Sends a signal (`HUP`, …) to the running daemon.
    pub fn signal_daemon(&self, signal: &str) {
        let pid = self.daemon.as_ref().expect("daemon running").id();
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "cannot signal the daemon");
    }
}
