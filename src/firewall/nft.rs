//! The `nft` binary, spoken to in JSON. One process per batch: a batch of thousands of
//! elements costs about as much as one, so callers batch.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::FirewallError;
use super::render::{FAMILY, TABLE};

/// Runs `nft -j`.
#[derive(Debug, Clone)]
pub struct Nft {
    /// Program and leading arguments: `nft`, or `ip netns exec NS nft` for tools and tests
    /// that drive a namespace from outside.
    command: Vec<String>,
}

impl Default for Nft {
    fn default() -> Self {
        Nft {
            command: vec!["nft".to_string()],
        }
    }
}

impl Nft {
    /// `nft` inside the named network namespace.
    pub fn in_netns(name: &str) -> Self {
        Nft {
            command: ["ip", "netns", "exec", name, "nft"]
                .map(String::from)
                .to_vec(),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.command[0]);
        cmd.args(&self.command[1..]);
        cmd
    }

    /// Applies a batch atomically: all of it or none of it.
    pub fn apply(&self, batch: &Value) -> Result<(), FirewallError> {
        let input = serde_json::to_vec(batch).map_err(|e| FirewallError::Nft(e.to_string()))?;
        let mut child = self
            .command()
            .args(["-j", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(FirewallError::Spawn)?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(&input).map_err(FirewallError::Spawn)?;
        }
        let out = child.wait_with_output().map_err(FirewallError::Spawn)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(FirewallError::Nft(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ))
        }
    }

    /// Lists our table; `None` when it does not exist (someone flushed the ruleset).
    pub fn list_table(&self) -> Result<Option<Value>, FirewallError> {
        let out = self
            .command()
            .args(["-j", "list", "table", FAMILY, TABLE])
            .stdin(Stdio::null())
            .output()
            .map_err(FirewallError::Spawn)?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("No such file or directory") {
                return Ok(None);
            }
            return Err(FirewallError::Nft(err.trim().to_string()));
        }
        serde_json::from_slice(&out.stdout)
            .map(Some)
            .map_err(|e| FirewallError::Nft(format!("unreadable listing: {e}")))
    }
}
