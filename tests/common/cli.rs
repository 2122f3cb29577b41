//! The CLI against a real database file in a temporary directory, without the daemon.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary data directory and a minimal config naming it.
pub struct CliSetup {
    pub dir: tempfile::TempDir,
}

impl CliSetup {
    pub fn new() -> CliSetup {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = format!(
            "hotspot_name = \"CLI\"\ndata_dir = \"{}\"\n[lan]\ninterface = \"lan0\"\nsubnet = \"10.0.0.0/24\"\naddress = \"10.0.0.1\"\n[wan]\ninterface = \"wan0\"\n",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("h.toml"), config).expect("write config");
        CliSetup { dir }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("h.toml")
    }

    /// Runs `hotspotd -c CONFIG args…`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    /// As [`CliSetup::run`], with extra environment variables.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hotspotd"))
            .arg("-c")
            .arg(self.config())
            .args(args)
            .envs(env.iter().copied())
            .output()
            .expect("run hotspotd")
    }
}
