//! The hotspot settings on a running gateway: changes applied live while a guest downloads,
//! bad changes refused with nothing changed, and an old config file's hotspot keys seeding
//! the settings once.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::lab::{Lab, PORTAL, guest_mac};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn settings(lab: &Lab) -> serde_json::Value {
    json(&lab.ok(&["settings", "show", "--json"]))
}

/// The in-force revision as the daemon reports it.
fn daemon_revision(lab: &Lab) -> u64 {
    json(&lab.ok(&["status", "--json"]))["settings_revision"]
        .as_u64()
        .unwrap()
}

/// `check-config` where the daemon runs (the gateway's namespace has its interfaces).
fn check_config(lab: &Lab) -> std::process::Output {
    let config = lab.config.to_string_lossy().into_owned();
    let bin = env!("CARGO_BIN_EXE_hotspotd");
    lab.in_ns(&lab.gw(), &[bin, "-c", &config, "check-config"])
}

fn page(lab: &Lab, i: usize, url: &str) -> String {
    String::from_utf8_lossy(&lab.curl(i, &[url]).stdout).into_owned()
}

#[test]
fn changes_apply_live_while_a_guest_downloads() {
    let lab = Lab::start(2);
    let code = lab.vouchers(&["--down", "4M"])[0].clone();
    assert_eq!(lab.login(1, &code, "").0, "303");
    assert_eq!(
        lab.status(2, "http://10.88.0.3/"),
        "302",
        "garden open before"
    );
    // 4 MB at 4 Mbit/s: about 8 s, across every change below.
    let bytes = 4_000_000;
    let mut download = Command::new("ip")
        .args(["netns", "exec", &lab.guest(1), "curl", "-s", "-m", "40"])
        .args(["-o", "/dev/null", "-w", "%{size_download}"])
        .arg(format!("http://example.com/bytes/{bytes}"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn curl");
    std::thread::sleep(Duration::from_secs(1));

    let started = std::time::Instant::now();
    let out = lab.ok(&["settings", "set", "name", "Bar Roma"]);
    eprintln!(
        "settings set (validated, saved, applied): {:?}",
        started.elapsed()
    );
    assert!(out.contains("(applied)"), "{out}");
    assert!(page(&lab, 2, &format!("{PORTAL}/")).contains("Bar Roma"));
    // An import: a walled garden and a short idle timeout, in force at once.
    let mut doc = settings(&lab);
    doc["access"]["garden"] = serde_json::json!(["10.88.0.3"]);
    doc["sessions"]["idle_timeout"] = serde_json::json!("2s");
    let file = lab.dir.path().join("new.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let started = std::time::Instant::now();
    lab.ok(&["settings", "import", file.to_str().unwrap()]);
    eprintln!(
        "settings import with new access lists: {:?}",
        started.elapsed()
    );
    assert_eq!(
        lab.status(2, "http://10.88.0.3/"),
        "200",
        "garden not applied"
    );
    assert_eq!(
        daemon_revision(&lab),
        settings(&lab)["revision"].as_u64().unwrap()
    );
    assert!(
        download.try_wait().unwrap().is_none(),
        "the download ended before the changes were made: the test proves nothing"
    );

    let done = download.wait_with_output().unwrap();
    let got: u64 = String::from_utf8_lossy(&done.stdout).parse().unwrap_or(0);
    assert_eq!(
        got,
        bytes,
        "download interrupted: {:?}\n{}",
        done,
        lab.log()
    );
    assert!(
        lab.client(1).is_some(),
        "guest 1 dropped by a settings change"
    );
    assert!(lab.log().contains("hotspot settings changed"));

    // A new session gets the new idle timeout: guest 2 logs in, stays silent, is logged off.
    let code = lab.vouchers(&[])[0].clone();
    assert_eq!(lab.login(2, &code, "").0, "303");
    lab.wait_until(Duration::from_secs(6), "idle guest 2 logged off", || {
        lab.clients().iter().all(|c| c["mac"] != guest_mac(2))
    });
    assert!(page(&lab, 1, &format!("{PORTAL}/status")).contains("Bar Roma"));
}

#[test]
fn bad_changes_are_refused_by_the_daemon_and_change_nothing() {
    let lab = Lab::start(1);
    lab.ok(&["settings", "set", "name", "Bar Roma"]);
    let before = daemon_revision(&lab);
    let refused = |args: &[&str], field: &str| {
        let out = lab.cli(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted: {args:?}");
        assert!(
            err.contains(&format!("settings field `{field}`")) && err.contains("fix:"),
            "{args:?}: {err}"
        );
    };
    refused(
        &["settings", "set", "sessions.rate_down", "fast"],
        "sessions.rate_down",
    );
    refused(&["settings", "set", "nmae", "x"], "nmae");
    let bad = lab.dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[access]\nblock_macs = [\"02:00:00:00:00:01\", \"x\"]\n",
    )
    .unwrap();
    refused(
        &["settings", "import", bad.to_str().unwrap()],
        "access.block_macs[1]",
    );
    // Refused by the daemon itself: a device blocked with `mac block` allowed in the
    // settings (the cross-check runs where the change is applied).
    lab.ok(&["mac", "block", "02:00:00:00:00:09"]);
    refused(
        &[
            "settings",
            "set",
            "access.allow_macs",
            r#"[{"mac": "02:00:00:00:00:09"}]"#,
        ],
        "access.allow_macs[0].mac",
    );
    assert_eq!(daemon_revision(&lab), before);
    assert_eq!(settings(&lab)["revision"].as_u64(), Some(before));
    assert!(page(&lab, 1, &format!("{PORTAL}/")).contains("Bar Roma"));
    assert_eq!(lab.log().matches("hotspot settings changed").count(), 1);
}

#[test]
fn an_old_config_seeds_the_settings_once_and_its_keys_are_then_no_longer_read() {
    // An install with data: vouchers made before this version's first start.
    let mut lab = Lab::without_daemon(
        1,
        "idle_timeout = \"5m\"\nrate_down = \"20M\"\n[access]\ngarden = [\"10.88.0.3\"]\n",
    );
    let code = lab.vouchers(&[])[0].clone();
    lab.start_daemon();
    assert_eq!(lab.login(1, &code, "").0, "303");
    lab.ok(&["kick", &guest_mac(1)]);
    let doc = settings(&lab);
    assert_eq!(doc["name"], "Test Café");
    assert_eq!(doc["legal"]["terms"]["en"], "Be nice.");
    assert_eq!(doc["sessions"]["idle_timeout"], "5m");
    assert_eq!(doc["sessions"]["rate_down"], "20M");
    assert_eq!(doc["access"]["garden"], serde_json::json!(["10.88.0.3/32"]));
    assert_eq!(lab.status(1, "http://10.88.0.3/"), "200");
    let log = lab.log();
    assert!(
        log.contains("hotspot settings seeded from the config file"),
        "{log}"
    );
    assert!(
        log.contains("the keys hotspot_name, terms, sessions.idle_timeout, sessions.rate_down, access.garden are no longer read"),
        "{log}"
    );
    let check = check_config(&lab);
    assert!(
        check.status.success()
            && String::from_utf8_lossy(&check.stderr).contains("are no longer read"),
        "{check:?}"
    );

    // The file's name changes and the daemon restarts: the settings keep theirs.
    let original = std::fs::read_to_string(&lab.config).unwrap();
    std::fs::write(&lab.config, original.replace("Test Café", "Renamed Café")).unwrap();
    lab.stop_daemon("TERM");
    lab.start_daemon();
    assert_eq!(settings(&lab)["name"], "Test Café");
    assert!(page(&lab, 1, &format!("{PORTAL}/")).contains("Test Café"));
    let history = json(&lab.ok(&["settings", "history", "--json"]));
    assert_eq!(
        history.as_array().map(Vec::len),
        Some(1),
        "seeded again: {history}"
    );
    let log = lab.log();
    let restart = log.rfind("hotspot settings seeded").unwrap();
    assert!(
        log[restart..].matches("are no longer read").count() >= 2,
        "{log}"
    );

    // The keys removed: no more notice.
    let machine_only: String = original
        .lines()
        .filter(|l| {
            ![
                "hotspot_name",
                "terms",
                "idle_timeout",
                "rate_down",
                "garden",
                "[access]",
            ]
            .iter()
            .any(|k| l.starts_with(k))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&lab.config, machine_only).unwrap();
    let check = check_config(&lab);
    assert!(
        check.status.success() && check.stderr.is_empty(),
        "{check:?}"
    );
    lab.stop_daemon("TERM");
    let before = lab.log().len();
    lab.start_daemon();
    assert!(
        !lab.log()[before..].contains("no longer read"),
        "{}",
        lab.log()
    );
    assert_eq!(settings(&lab)["sessions"]["idle_timeout"], "5m");
}
