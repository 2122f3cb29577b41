//! Where the state lives (database, voucher key, control socket), found even when the config
//! file does not validate.
//!
//! A daemon that runs keeps its previous configuration when an edit breaks the file; the
//! commands beside it (`status`, `clients`, `kick`, vouchers, users, …) still need its data
//! directory and socket. Only `data_dir` and `control.socket` are read then, nothing else.

use std::path::PathBuf;

use toml::{Table, Value};

/// The files of the gateway's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatePaths {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The daemon's control socket.
    pub control_socket: PathBuf,
}

impl StatePaths {
    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("hotspotd.db")
    }

    /// The secret key for voucher hashes.
    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("voucher.key")
    }
}

/// The state named by config `text`: `data_dir`, and `control.socket` (default
/// `<data_dir>/control.sock`). Reads a file that is valid TOML with wrong values, and, when
/// the TOML itself is broken, the two keys line by line. `None` without a `data_dir`.
pub fn recover_state_paths(text: &str) -> Option<StatePaths> {
    let (data_dir, socket) = match toml::from_str::<Table>(text) {
        Ok(table) => (
            string(table.get("data_dir")),
            table
                .get("control")
                .and_then(Value::as_table)
                .and_then(|t| string(t.get("socket"))),
        ),
        Err(_) => line_by_line(text),
    };
    let data_dir = PathBuf::from(data_dir?);
    Some(StatePaths {
        control_socket: socket.map_or_else(|| data_dir.join("control.sock"), PathBuf::from),
        data_dir,
    })
}

fn string(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_string)
}

/// `data_dir` at the top and `socket` under `[control]`, each line parsed as TOML on its own
/// so that quoting and comments are read as the full parser would.
fn line_by_line(text: &str) -> (Option<String>, Option<String>) {
    let (mut data_dir, mut socket) = (None, None);
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[') {
            section = header
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            continue;
        }
        let Ok(pair) = toml::from_str::<Table>(line) else {
            continue;
        };
        match section.as_str() {
            "" => data_dir = string(pair.get("data_dir")).or(data_dir),
            "control" => socket = string(pair.get("socket")).or(socket),
            _ => {}
        }
    }
    (data_dir, socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn socket(text: &str) -> Option<PathBuf> {
        recover_state_paths(text).map(|p| p.control_socket)
    }

    #[test]
    fn wrong_values_still_name_the_state() {
        let text = "data_dir = \"/var/lib/h\"\nhotspot_name = 5\n[lan]\nsubnett = 1\n";
        let paths = recover_state_paths(text).unwrap();
        assert_eq!(
            paths.database_path(),
            PathBuf::from("/var/lib/h/hotspotd.db")
        );
        assert_eq!(
            paths.control_socket,
            PathBuf::from("/var/lib/h/control.sock")
        );
    }

    #[test]
    fn broken_toml_is_read_line_by_line() {
        let text = "data_dir = \"/d\" # ours\n[lan\naddress = 10.0.0.1\n[control]\nsocket = \"/run/h.sock\"\n[metrics]\nsocket = \"/x\"\n";
        assert_eq!(socket(text), Some(PathBuf::from("/run/h.sock")));
        assert_eq!(
            socket("data_dir = \"/d\"\n= oops\n"),
            Some(PathBuf::from("/d/control.sock"))
        );
        // A data_dir inside another table is not the top-level one.
        assert_eq!(socket("[lan]\ndata_dir = \"/d\"\n= x"), None);
    }
}
