//! The `nft` binary, spoken to in JSON. One process per batch: a batch of thousands of
//! elements costs about as much as one, so callers batch.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use super::FirewallError;
use super::render::{FAMILY, TABLE};

/// Runs `nft -j`.
#[derive(Debug, Clone)]
pub struct Nft {
    /// Program and leading arguments: `nft`, or `ip netns exec NS nft` for tools and tests
    /// that drive a namespace from outside.
    command: Vec<String>,
    /// The namespace driven from outside, if any (netlink opens its socket there too).
    netns: Option<String>,
}

impl Default for Nft {
    fn default() -> Self {
        Nft {
            command: vec!["nft".to_string()],
            netns: None,
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
            netns: Some(name.to_string()),
        }
    }

    /// The namespace this `nft` runs in, when not our own.
    pub fn netns(&self) -> Option<&str> {
        self.netns.as_deref()
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.command[0]);
        cmd.args(&self.command[1..]);
        cmd
    }

    /// Runs `nft -j -f -` with `input` on stdin; returns its output whatever the exit status.
    fn run(&self, input: &Value) -> Result<Output, FirewallError> {
        let input = serde_json::to_vec(input).map_err(|e| FirewallError::Nft(e.to_string()))?;
        self.run_bytes(&input)
    }

    /// Runs nft on a JSON document already serialised.
    fn run_bytes(&self, input: &[u8]) -> Result<Output, FirewallError> {
        let mut child = self
            .command()
            .args(["-j", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(FirewallError::Spawn)?;
        // Its changes to our table are ours: the watcher must not repair them.
        super::watch::ours(child.id());
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input).map_err(FirewallError::Spawn)?;
        }
        child.wait_with_output().map_err(FirewallError::Spawn)
    }

    /// Applies a batch atomically: all of it or none of it.
    pub fn apply(&self, batch: &Value) -> Result<(), FirewallError> {
        let input = serde_json::to_vec(batch).map_err(|e| FirewallError::Nft(e.to_string()))?;
        self.apply_bytes(&input)
    }

    /// Applies a serialised batch (`{"nftables": [...]}`) atomically.
    pub fn apply_bytes(&self, batch: &[u8]) -> Result<(), FirewallError> {
        let out = self.run_bytes(batch)?;
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
        let docs = self.list(&[json!({"table": {"family": FAMILY, "name": TABLE}})])?;
        Ok(docs.map(|mut d| d.swap_remove(0)))
    }

    /// Runs list commands (JSON input: with `-j`, nft reads its input as JSON); one JSON
    /// document per command comes back, `None` when the table is missing.
    fn list(&self, what: &[Value]) -> Result<Option<Vec<Value>>, FirewallError> {
        let Some(out) = self.list_raw(what)? else {
            return Ok(None);
        };
        let docs = serde_json::Deserializer::from_slice(&out)
            .into_iter::<Value>()
            .collect::<Result<Vec<Value>, _>>()
            .map_err(|e| FirewallError::Nft(format!("unreadable listing: {e}")))?;
        if docs.is_empty() {
            return Err(FirewallError::Nft("nft listed nothing".into()));
        }
        Ok(Some(docs))
    }

    /// The raw output of list commands, `None` when the table is missing.
    fn list_raw(&self, what: &[Value]) -> Result<Option<Vec<u8>>, FirewallError> {
        let lists: Vec<Value> = what.iter().map(|w| json!({ "list": w })).collect();
        let out = self.run(&json!({ "nftables": lists }))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("No such file or directory") {
                return Ok(None);
            }
            return Err(FirewallError::Nft(err.trim().to_string()));
        }
        Ok(Some(out.stdout))
    }
}
