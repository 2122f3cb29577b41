//! The real `hotspotd manager` binary, on a fresh SQLite database (or a given one), optionally
//! inside a network namespace (where a browser in the same namespace reaches it on loopback);
//! it can be killed with SIGKILL and started again on the same database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::netns::Netns;

pub struct ManagerProcess {
    child: Child,
    /// The URL it was told it is reached at.
    pub url: String,
    /// The admin's one-time password, as printed at the first start ("" on a given database).
    pub admin_password: String,
    /// `sqlite://…` of its database.
    pub database: String,
    ns: Option<String>,
    listen: String,
    extra: Vec<String>,
    _dir: Option<tempfile::TempDir>,
}

/// `command` in namespace `ns`, or here.
fn in_ns(ns: Option<&str>, command: &str) -> Command {
    match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, command]);
            c
        }
        None => Command::new(command),
    }
}

impl ManagerProcess {
    /// Starts the manager listening on `listen` (in `ns` if given) with `extra` arguments,
    /// reached at `url`; waits until it prints the admin's password and answers.
    pub fn start(ns: Option<&Netns>, listen: &str, url: &str, extra: &[&str]) -> ManagerProcess {
        let dir = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}/manager.db", dir.path().display());
        let ns = ns.map(|n| n.name.as_str());
        let mut m = Self::launch(ns, listen, url, &database, extra, Some(dir));
        let mut line = String::new();
        BufReader::new(m.child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the manager's first line");
        m.admin_password = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|p| line.contains("one-time password") && p.len() == 20)
            .unwrap_or_else(|| panic!("no one-time password printed: {line:?}"))
            .to_string();
        m.wait_ready();
        m
    }

    /// Starts the manager on an existing database (its admin already made), in namespace
    /// `ns` if given; waits until it answers.
    pub fn start_on(ns: Option<&str>, listen: &str, url: &str, database: &str) -> ManagerProcess {
        let mut m = Self::launch(ns, listen, url, database, &[], None);
        m.wait_ready();
        m
    }

    fn launch(
        ns: Option<&str>,
        listen: &str,
        url: &str,
        database: &str,
        extra: &[&str],
        dir: Option<tempfile::TempDir>,
    ) -> ManagerProcess {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        ManagerProcess {
            child: Self::spawn(ns, listen, url, database, &extra),
            url: url.to_string(),
            admin_password: String::new(),
            database: database.to_string(),
            ns: ns.map(str::to_string),
            listen: listen.to_string(),
            extra,
            _dir: dir,
        }
    }

    fn spawn(ns: Option<&str>, listen: &str, url: &str, database: &str, extra: &[String]) -> Child {
        in_ns(ns, env!("CARGO_BIN_EXE_hotspotd"))
            .args([
                "manager",
                "--listen",
                listen,
                "--database",
                database,
                "--public-url",
                url,
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hotspotd manager")
    }

    fn wait_ready(&mut self) {
        let probe = |m: &ManagerProcess| {
            in_ns(m.ns.as_deref(), "curl")
                .args([
                    "-sk",
                    "-o",
                    "/dev/null",
                    "-m",
                    "2",
                    &format!("{}/login", m.url),
                ])
                .status()
                .is_ok_and(|s| s.success())
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !probe(self) {
            assert!(
                Instant::now() < deadline,
                "the manager did not answer at {}",
                self.url
            );
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the manager exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL, whatever it is doing, and waits for it to be gone.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same database and address; waits until it answers.
    pub fn restart(&mut self) {
        self.child = Self::spawn(
            self.ns.as_deref(),
            &self.listen,
            &self.url,
            &self.database,
            &self.extra,
        );
        self.wait_ready();
    }

    /// Runs `hotspotd manager <args> --database <this one>` and returns its output.
    pub fn command(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_hotspotd"))
            .arg("manager")
            .args(args)
            .args(["--database", &self.database])
            .output()
            .expect("run hotspotd manager")
    }
}

impl Drop for ManagerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
