//! A full disk: a logout or kick that cannot be recorded changes nothing, so what the guest
//! and the operator were told still holds after a restart.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::lab::{Lab, guest_mac};

/// A small tmpfs mounted on the lab's data directory, unmounted (lazily: the daemon may still
/// hold files) when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(path: &Path) -> SmallDisk {
        std::fs::create_dir_all(path).expect("data dir");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
            .arg(path)
            .status()
            .expect("run mount")
            .success();
        assert!(ok, "cannot mount a tmpfs on {}", path.display());
        SmallDisk {
            path: path.to_path_buf(),
        }
    }

    /// Empties the database's write-ahead log (so any write must grow it), then fills the
    /// disk to the last byte.
    fn fill(&self) {
        let db = self.path.join("hotspotd.db");
        let script = format!(
            "import sqlite3; c = sqlite3.connect('{}'); print(c.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone())",
            db.display()
        );
        let out = Command::new("python3")
            .args(["-c", &script])
            .output()
            .expect("python3");
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("(0,"),
            "checkpoint: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // dd stops with "No space left on device": that is the point.
        let _ = Command::new("dd")
            .args(["if=/dev/zero", "bs=64k"])
            .arg(format!("of={}", self.path.join("filler").display()))
            .output();
    }

    fn free(&self) {
        std::fs::remove_file(self.path.join("filler")).expect("remove filler");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn online(lab: &Lab) -> bool {
    lab.status(1, "http://example.com/") == "200"
}

#[test]
fn a_logout_or_kick_that_cannot_be_recorded_changes_nothing() {
    let mut lab = Lab::without_daemon(1, "");
    let disk = SmallDisk::mount(&lab.dir.path().join("data"));
    lab.start_daemon();
    let code = &lab.vouchers(&["--uses", "unlimited"])[0];
    assert_eq!(lab.login(1, code, "").0, "303");
    assert!(online(&lab));

    disk.fill();
    assert_eq!(lab.logout(1), "500", "the guest is told the logout failed");
    assert!(
        online(&lab),
        "a logout that was not recorded cut the guest off"
    );
    let kick = lab.cli(&["kick", &guest_mac(1)]);
    assert!(
        !kick.status.success(),
        "kick reported success on a full disk"
    );
    assert!(
        online(&lab),
        "a kick that was not recorded cut the guest off"
    );

    // What both were told holds after a restart.
    lab.stop_daemon("KILL");
    disk.free();
    lab.start_daemon();
    assert!(online(&lab), "the guest is online again after a restart");

    // With room again, a logout holds across a restart too.
    assert_eq!(lab.logout(1), "200");
    assert!(!online(&lab));
    lab.stop_daemon("KILL");
    lab.start_daemon();
    assert!(
        !online(&lab),
        "a recorded logout came undone after a restart"
    );
}
