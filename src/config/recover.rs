//! The control socket a config file names, found even when the file does not validate.
//!
//! A daemon that runs keeps its previous configuration when an edit breaks the file; the
//! commands that only talk to it (`status`, `clients`, `kick`, …) still need to find its
//! socket. Only `data_dir` and `control.socket` are read here, nothing else is trusted.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

/// The control socket named by config `text`: `control.socket`, else `<data_dir>/control.sock`.
/// Reads a file that is valid TOML with wrong values, and, when the TOML itself is broken,
/// the two keys line by line. `None` when neither key can be found.
pub fn recover_control_socket(text: &str) -> Option<PathBuf> {
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
    let default = || data_dir.map(|d| Path::new(&d).join("control.sock"));
    socket.map(PathBuf::from).or_else(default)
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

    #[test]
    fn wrong_values_still_name_the_socket() {
        let text = "data_dir = \"/var/lib/h\"\nhotspot_name = 5\n[lan]\nsubnett = 1\n";
        assert_eq!(
            recover_control_socket(text),
            Some(PathBuf::from("/var/lib/h/control.sock"))
        );
    }

    #[test]
    fn broken_toml_is_read_line_by_line() {
        let text = "data_dir = \"/d\" # ours\n[lan\naddress = 10.0.0.1\n[control]\nsocket = \"/run/h.sock\"\n[metrics]\nsocket = \"/x\"\n";
        assert_eq!(
            recover_control_socket(text),
            Some(PathBuf::from("/run/h.sock"))
        );
        assert_eq!(
            recover_control_socket("data_dir = \"/d\"\n= oops\n"),
            Some(PathBuf::from("/d/control.sock"))
        );
        // A data_dir inside another table is not the top-level one.
        assert_eq!(
            recover_control_socket("[lan]\ndata_dir = \"/d\"\n= x"),
            None
        );
    }
}
