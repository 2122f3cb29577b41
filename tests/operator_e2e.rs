//! The operator beside a running gateway: private state files, checking and breaking the
//! config while the daemon runs, reloads during start-up, grants that do not pile up users.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Child;
use std::time::{Duration, Instant};

use common::lab::{Lab, PORTAL, guest_ip, guest_mac};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Every file under `dir` with its mode, for files group or others can reach.
fn readable_by_others(dir: &std::path::Path) -> Vec<(String, u32)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            (e.file_name().to_string_lossy().into_owned(), mode)
        })
        .filter(|(_, mode)| mode & 0o077 != 0)
        .collect()
}

#[test]
fn state_files_are_private_whatever_the_data_dir_mode() {
    let mut lab = Lab::without_daemon(1, "");
    let data = lab.dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The desk makes vouchers before the daemon ever ran: the CLI creates the database.
    let code = lab.vouchers(&[])[0].clone();
    lab.start_daemon();
    assert_eq!(lab.login(1, &code, "").0, "303");
    assert!(
        data.join("hotspotd.db-wal").exists(),
        "no WAL file to check"
    );
    assert!(data.join("control.sock").exists());
    assert_eq!(readable_by_others(&data), vec![], "files others can read");

    // A database an older version (or a careless copy) left readable is made private.
    lab.stop_daemon("TERM");
    let db = data.join("hotspotd.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    lab.start_daemon();
    assert_eq!(readable_by_others(&data), vec![], "files others can read");
}

#[test]
fn check_config_validates_beside_the_running_daemon() {
    let lab = Lab::start_with(1, "[metrics]\nlisten = \"127.0.0.1:9108\"\n");
    let config = lab.config.to_string_lossy().into_owned();
    let check = || {
        lab.in_ns(
            &lab.gw(),
            &[
                env!("CARGO_BIN_EXE_hotspotd"),
                "-c",
                &config,
                "check-config",
            ],
        )
    };
    let out = check();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).ends_with(": ok\n"),
        "the running daemon's own config: {out:?}"
    );
    // Another program's port is still refused: an edit moving metrics onto it.
    let mut holder = lab.in_ns_spawn(
        &lab.gw(),
        &[
            "python3",
            "-c",
            "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',9200)); s.listen(); time.sleep(60)",
        ],
    );
    lab.wait_until(Duration::from_secs(5), "the other program listens", || {
        let ss = lab.in_ns(&lab.gw(), &["ss", "-ltnH", "sport = :9200"]);
        !ss.stdout.is_empty()
    });
    let original = std::fs::read_to_string(&lab.config).unwrap();
    std::fs::write(&lab.config, original.replace(":9108", ":9200")).unwrap();
    let out = check();
    let _ = holder.kill();
    let _ = holder.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("metrics.listen") && stderr.contains("in use"),
        "{out:?}"
    );
    // An edit to a free port passes, and so does a changed portal port.
    std::fs::write(&lab.config, original.replace(":9108", ":9201")).unwrap();
    assert!(check().status.success(), "{:?}", check());
}

#[test]
fn daemon_commands_work_while_the_config_file_is_broken() {
    let lab = Lab::start(2);
    let codes = lab.vouchers(&["-n", "2"]);
    for i in 1..=2 {
        assert_eq!(lab.login(i, &codes[i - 1], "").0, "303");
    }
    let original = std::fs::read_to_string(&lab.config).unwrap();
    // Not even TOML any more.
    std::fs::write(&lab.config, original.replace("[wan]", "[wan")).unwrap();
    let out = lab.cli(&["status", "--json"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning"),
        "no warning about the file: {out:?}"
    );
    assert_eq!(
        json(&String::from_utf8_lossy(&out.stdout))["reload"],
        "none"
    );
    assert_eq!(lab.clients().len(), 2);

    // A reload of the broken file is refused, and status says so and why.
    lab.signal_daemon("HUP");
    lab.wait_until(Duration::from_secs(3), "refusal logged", || {
        lab.log().contains("reload refused")
    });
    let status = json(&lab.ok(&["status", "--json"]));
    assert_eq!(status["reload"], "refused", "{status}");
    let why = status["reload_error"].as_str().unwrap_or_default();
    assert!(
        why.contains("hotspotd.toml") && why.contains("wan"),
        "{status}"
    );
    let text = lab.ok(&["status"]);
    assert!(
        text.lines()
            .any(|l| l.starts_with("reload ") && l.ends_with("refused")),
        "{text}"
    );

    // The desk goes on: vouchers made and revoked (which logs the guest off).
    let made = json(&lab.ok(&["voucher", "create", "--json"]));
    assert_eq!(made["vouchers"].as_array().map(Vec::len), Some(1), "{made}");
    lab.ok(&["voucher", "revoke", "2"]);
    assert_eq!(
        lab.clients().len(),
        1,
        "the revoked voucher's guest stayed online"
    );
    assert_eq!(
        json(&lab.ok(&["sessions", "--json"]))
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // The access lists (the store's and the hotspot settings') need no valid file either.
    lab.ok(&["garden", "list"]);
    lab.ok(&["settings", "show"]);

    // Valid TOML with a wrong key: the same.
    std::fs::write(&lab.config, original.replace("subnet = ", "subnett = ")).unwrap();
    lab.ok(&["voucher", "list"]);
    lab.ok(&["kick", &guest_mac(1)]);
    assert_eq!(lab.clients().len(), 0);
    assert!(lab.ok(&["devices"]).contains(&guest_mac(1)));

    // Fixed and reloaded.
    std::fs::write(&lab.config, &original).unwrap();
    lab.signal_daemon("HUP");
    lab.wait_until(Duration::from_secs(3), "reload applied", || {
        json(&lab.ok(&["status", "--json"]))["reload"] == "applied"
    });
}

/// Kills the daemon this test spawned itself, also when the test fails.
struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether process `pid` catches or ignores SIGHUP (either way, SIGHUP no longer kills it).
fn sighup_handled(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    ["SigCgt:", "SigIgn:"].iter().any(|field| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << (libc::SIGHUP - 1)) != 0)
    })
}

/// Whether the portal port (2050) listens in process `pid`'s network namespace.
fn portal_listening(pid: u32) -> bool {
    listening_on(pid, 2050)
}

/// Whether the process listens on TCP `port` (IPv4) in its namespace.
fn listening_on(pid: u32, port: u16) -> bool {
    let tcp = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")).unwrap_or_default();
    let suffix = format!(":{port:04X}");
    tcp.lines().skip(1).any(|l| {
        let fields: Vec<&str> = l.split_whitespace().collect();
        fields.len() > 3 && fields[1].ends_with(&suffix) && fields[3] == "0A"
    })
}

#[test]
fn sighups_during_start_up_neither_kill_the_daemon_nor_get_lost() {
    let lab = Lab::without_daemon(1, "");
    let original = std::fs::read_to_string(&lab.config).unwrap();
    let mut daemon = Spawned(lab.spawn_daemon());
    let pid = daemon.0.id();

    // No program survives a SIGHUP before its first instruction; the daemon must handle it
    // before it does anything else, so well before its portal listens.
    let deadline = Instant::now() + Duration::from_secs(15);
    let listening_when_handled = loop {
        assert!(
            Instant::now() < deadline,
            "SIGHUP never handled:\n{}",
            lab.log()
        );
        if let Ok(Some(exit)) = daemon.0.try_wait() {
            panic!("daemon exited with {exit}:\n{}", lab.log());
        }
        // Listening is read first: seen listening before SIGHUP is handled is the old order.
        let listening = portal_listening(pid);
        if sighup_handled(pid) {
            break listening;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert!(
        !listening_when_handled,
        "the portal served guests before SIGHUP was handled"
    );

    // Reloads asked for all through the start-up, with a new metrics address in the file
    // (which the reload reads, and says waits for a restart).
    std::fs::write(
        &lab.config,
        format!("{original}[metrics]\nlisten = \"127.0.0.1:9109\"\n"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut sent = 0;
    while !lab.log().contains("hotspotd running") {
        assert!(Instant::now() < deadline, "never came up:\n{}", lab.log());
        if let Ok(Some(exit)) = daemon.0.try_wait() {
            panic!("daemon died after {sent} SIGHUPs ({exit}):\n{}", lab.log());
        }
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGHUP) }, 0);
        sent += 1;
        std::thread::sleep(Duration::from_millis(3));
    }
    assert!(sent > 0);
    lab.wait_until(Duration::from_secs(5), "the pending reload", || {
        let log = lab.log();
        log.find("hotspotd running")
            .is_some_and(|up| log[up..].contains("configuration reloaded"))
    });
    assert!(daemon.0.try_wait().unwrap().is_none(), "{}", lab.log());
    // The file may be written before or after the start-up reads it (signal handlers come
    // first): either the start-up took the new address, or the reload read it and named it.
    let log = lab.log();
    let up = log.find("hotspotd running").unwrap();
    assert!(
        log[up..].contains("metrics.listen") || listening_on(pid, 9109),
        "the new file was not read: {log}"
    );
    let status = json(&lab.ok(&["status", "--json"]));
    assert_eq!(status["reload"], "applied");
    assert_eq!(lab.status(1, &format!("{PORTAL}/")), "200");
}

#[test]
fn operator_grants_reuse_one_user_and_views_name_profiles_alike() {
    let lab = Lab::start(1);
    lab.ok(&[
        "profile",
        "add",
        "staff",
        "--name-for-users",
        "Staff pass",
        "--validity",
        "unlimited",
    ]);
    assert_eq!(lab.status(1, &format!("{PORTAL}/")), "200");
    for _ in 0..3 {
        let out = lab.ok(&["auth", &guest_ip(1), "--profile", "staff"]);
        assert!(out.contains("authorised with staff"), "{out}");
        lab.ok(&["deauth", &guest_mac(1)]);
    }
    lab.ok(&["auth", &guest_mac(1), "--profile", "staff"]);
    let users = json(&lab.ok(&["voucher", "list", "--json"]));
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 1, "grants piled up users: {users:?}");
    let id = users[0]["id"].to_string();

    // One name in every operator view: the one `--profile` takes.
    let client = lab.client(1).expect("online");
    assert_eq!(client["profile"], "staff");
    assert_eq!(client["profile_for_users"], "Staff pass");
    let table = lab.ok(&["clients"]);
    assert!(
        table.contains(" staff ") && !table.contains("Staff pass"),
        "{table}"
    );
    let sessions = json(&lab.ok(&["sessions", "--json"]));
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 4);
    assert!(
        sessions.iter().all(|s| s["profile"] == "staff"),
        "{sessions:?}"
    );
    assert!(lab.ok(&["sessions"]).contains(" staff "));
    let shown = json(&lab.ok(&["user", "show", &id, "--json"]));
    assert_eq!(shown["profiles"][0]["profile"], "staff", "{shown}");
    assert!(lab.ok(&["user", "show", &id]).contains(" staff "));
    assert!(lab.ok(&["voucher", "list"]).contains(" staff "));
    // Guests still see the name for users.
    let page = lab.curl(1, &[&format!("{PORTAL}/status")]);
    assert!(String::from_utf8_lossy(&page.stdout).contains("Staff pass"));

    // A revoked grant logs the device off; granting again lets it back in, same user.
    lab.ok(&["voucher", "revoke", &id]);
    assert!(lab.client(1).is_none(), "still online after the revocation");
    lab.ok(&["auth", &guest_mac(1), "--profile", "staff"]);
    assert_eq!(
        lab.client(1).expect("online again")["user_id"].to_string(),
        id
    );
    let users = json(&lab.ok(&["voucher", "list", "--json"]));
    assert_eq!(users.as_array().map(Vec::len), Some(1), "{users}");
}
