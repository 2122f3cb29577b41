//! The real `hotspotd manager` binary, on a fresh SQLite database, optionally inside a
//! network namespace (where a browser in the same namespace reaches it on loopback).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::netns::Netns;

pub struct ManagerProcess {
    child: Child,
    /// The URL it was told it is reached at.
    pub url: String,
    /// The admin's one-time password, as printed at the first start.
    pub admin_password: String,
    /// `sqlite://…` of its database.
    pub database: String,
    _dir: tempfile::TempDir,
}

impl ManagerProcess {
    /// Starts the manager listening on `listen` (in `ns` if given) with `extra` arguments,
    /// reached at `url`; waits until it prints the admin's password and answers.
    pub fn start(ns: Option<&Netns>, listen: &str, url: &str, extra: &[&str]) -> ManagerProcess {
        let dir = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}/manager.db", dir.path().display());
        let bin = env!("CARGO_BIN_EXE_hotspotd");
        let mut cmd = match ns {
            Some(ns) => ns.command(&[bin]),
            None => Command::new(bin),
        };
        cmd.args([
            "manager",
            "--listen",
            listen,
            "--database",
            &database,
            "--public-url",
            url,
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start hotspotd manager");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the manager's first line");
        let admin_password = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|p| line.contains("one-time password") && p.len() == 20)
            .unwrap_or_else(|| panic!("no one-time password printed: {line:?}"))
            .to_string();
        let mut m = ManagerProcess {
            child,
            url: url.to_string(),
            admin_password,
            database,
            _dir: dir,
        };
        let probe = |m: &ManagerProcess| {
            let mut c = match ns {
                Some(ns) => ns.command(&["curl"]),
                None => Command::new("curl"),
            };
            c.args([
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
        while !probe(&m) {
            assert!(
                Instant::now() < deadline,
                "the manager did not answer at {}",
                m.url
            );
            if let Ok(Some(status)) = m.child.try_wait() {
                panic!("the manager exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        m.url = url.to_string();
        m
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
