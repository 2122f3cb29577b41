//! What an operator reads when a command fails or asks for help: one clear line, no
//! backtrace, and texts that name what exists. Runs the real binary, no daemon needed.

use std::process::{Command, Output};

mod common;

use common::cli::CliSetup;

/// The CLI run as an operator whose shell sets RUST_BACKTRACE=1.
struct Setup(CliSetup);

impl Setup {
    fn new() -> Setup {
        Setup(CliSetup::new())
    }

    fn run(&self, args: &[&str]) -> Output {
        self.0.run_with(
            args,
            &[("RUST_BACKTRACE", "1"), ("RUST_LIB_BACKTRACE", "1")],
        )
    }
}

/// The command failed with exactly one line, `error: …`, that contains `needle`.
fn one_line_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "more than one line:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(needle), "{stderr}");
    for leak in ["backtrace", "Backtrace", ".rs:", "Caused by"] {
        assert!(!stderr.contains(leak), "{leak:?} in:\n{stderr}");
    }
}

#[test]
fn errors_are_one_line_without_a_backtrace() {
    let s = Setup::new();
    // No daemon to ask.
    one_line_error(&s.run(&["status"]), "cannot reach the hotspotd daemon");
    // A bad argument.
    one_line_error(
        &s.run(&["kick", "not-a-mac"]),
        "<MAC>: \"not-a-mac\" is not a MAC",
    );
    // A missing config file.
    let out = Command::new(env!("CARGO_BIN_EXE_hotspotd"))
        .args(["-c", "/nonexistent/hotspotd.toml", "voucher", "list"])
        .env("RUST_BACKTRACE", "full")
        .output()
        .unwrap();
    one_line_error(&out, "cannot read config file /nonexistent/hotspotd.toml");
    // A refusal from the database layer.
    one_line_error(&s.run(&["user", "show", "nobody"]), "no user \"nobody\"");
}

#[test]
fn garden_texts_name_what_exists() {
    let s = Setup::new();
    let help = s.run(&["garden", "add", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success(), "{help:?}");
    assert!(
        text.contains("host name") && text.contains("*.example.com"),
        "help does not mention domains:\n{text}"
    );
    // A probe host is refused, naming the argument as --help shows it (there is no
    // --destination flag).
    let out = s.run(&["garden", "add", "connectivitycheck.gstatic.com"]);
    one_line_error(
        &out,
        "<DESTINATION>: \"connectivitycheck.gstatic.com\" would open",
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("--destination"));
    let out = s.run(&["garden", "add", "--destination", "10.0.0.9"]);
    assert!(
        !out.status.success(),
        "a --destination flag exists after all"
    );
}
