//! A throwaway PostgreSQL server from Debian's binaries (package `postgresql`, installed by
//! scripts/install-deps.sh): its own data directory in a temp dir, its own free port on
//! loopback, stopped and removed on drop. Missing binaries fail the test loudly.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
}

/// Runs a PostgreSQL binary as the `postgres` user when we are root (the server refuses to
/// run as root), as ourselves otherwise; panics if it fails.
fn pg(bin: &str, args: &[&str]) {
    let out = pg_command(bin, args)
        .output()
        .expect("run a PostgreSQL binary");
    assert!(
        out.status.success(),
        "{bin} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn pg_command(bin: &str, args: &[&str]) -> Command {
    let path = PathBuf::from(BIN).join(bin);
    assert!(
        path.exists(),
        "{} missing: install the Debian package postgresql (scripts/install-deps.sh does)",
        path.display()
    );
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&path);
        c
    } else {
        Command::new(&path)
    };
    cmd.args(args);
    cmd
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().unwrap().port()
}

impl Postgres {
    /// Starts a server; `url()` reaches its `postgres` database as the superuser.
    pub fn start() -> Postgres {
        let dir = tempfile::tempdir().expect("temp dir");
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            let out = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .output()
                .expect("chown");
            assert!(out.status.success(), "chown the PostgreSQL temp dir");
        }
        let data = dir.path().join("data");
        let data = data.to_str().unwrap();
        pg(
            "initdb",
            &[
                "-D",
                data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let port = free_port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off",
            dir.path().display()
        );
        let log = dir.path().join("log");
        pg(
            "pg_ctl",
            &[
                "-D",
                data,
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        Postgres { dir, port }
    }

    /// The URL of the server's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        // Not `pg`: a panic while a failed test unwinds would abort the whole binary.
        let stopped = pg_command(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )
        .output();
        if !stopped.is_ok_and(|o| o.status.success()) {
            eprintln!(
                "could not stop the test PostgreSQL server in {}",
                data.display()
            );
        }
    }
}
