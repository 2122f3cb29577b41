//! Measuring a guest's rate-limited transfers through the lab's gateway (curl, iperf3).

use super::lab::Lab;

/// Bytes per second of each transfer curl made, from `-w` lines.
fn speeds(out: &std::process::Output) -> Vec<f64> {
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Asserts `measured` is within 10% of `want` (both bytes/s) and prints the figure.
pub fn assert_within(measured: f64, want: f64, what: &str) {
    let ratio = measured / want;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "{what}: measured {measured:.0} B/s, configured {want:.0} B/s ({:+.1}%)",
        (ratio - 1.0) * 100.0
    );
    eprintln!(
        "{what}: measured {measured:.0} B/s for {want:.0} B/s ({:+.1}%)",
        (ratio - 1.0) * 100.0
    );
}

/// Guest `i`'s download rate, bytes/s, when the policer is set to `expected` bytes/s. A
/// policer's bucket holds a second of traffic plus the burst (the kernel's `limit ... over`):
/// a first transfer of 1.5 s worth empties it, a second of 4 s worth (same connection, no
/// pause) is measured.
pub fn download_rate(lab: &Lab, i: usize, expected: f64) -> f64 {
    let warm_up = format!("http://example.com/bytes/{}", (expected * 1.5) as u64);
    let measured = format!("http://example.com/bytes/{}", (expected * 4.0) as u64);
    let out = lab.curl(
        i,
        &[
            "-m",
            "30",
            "-o",
            "/dev/null",
            "-o",
            "/dev/null",
            "-w",
            "%{speed_download}\n",
            &warm_up,
            &measured,
        ],
    );
    let down = speeds(&out);
    assert_eq!(down.len(), 2, "download failed: {}", lab.log());
    down[1]
}

/// Guest `i`'s upload rate, bytes/s (second of two 2.5 MB uploads, as for downloads).
pub fn upload_rate(lab: &Lab, i: usize) -> f64 {
    let data = lab.dir.path().join("upload.bin");
    std::fs::write(&data, vec![b'u'; 2_500_000]).expect("write upload data");
    let file = format!("@{}", data.display());
    let one = [
        "-o",
        "/dev/null",
        "-w",
        "%{speed_upload}\n",
        "--data-binary",
    ];
    let mut args = vec!["-m", "30"];
    args.extend(one);
    args.extend([file.as_str(), "http://example.com/upload", "--next"]);
    args.extend(one);
    args.extend([file.as_str(), "http://example.com/upload"]);
    let up = speeds(&lab.curl(i, &args));
    assert_eq!(up.len(), 2, "upload failed: {}", lab.log());
    up[1]
}

/// Receiver-side bits/s of each 1-second window of a `seconds`-long iperf3 run between guest
/// 1 and an iperf3 server (`-s -J`) on the upstream host: the guest receives (`-R`) for a
/// download; for an upload the server's own report is read (the sender's first second counts
/// what filled its socket buffer).
pub fn iperf3_windows(lab: &Lab, download: bool, seconds: usize) -> Vec<f64> {
    let time = seconds.to_string();
    let mode = if download {
        "-R"
    } else {
        "--get-server-output"
    };
    let args = ["iperf3", "-c", "10.88.0.2", "-t", &time, "-J", mode];
    for _ in 0..20 {
        let out = lab.in_ns(&lab.guest(1), &args);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if report.get("intervals").is_none() || report.get("error").is_some() {
            // The server is not listening yet.
            std::thread::sleep(std::time::Duration::from_millis(200));
            continue;
        }
        let intervals = if download {
            &report["intervals"]
        } else {
            &report["server_output_json"]["intervals"]
        };
        return intervals
            .as_array()
            .expect("iperf3 intervals")
            .iter()
            .filter_map(|i| i["sum"]["bits_per_second"].as_f64())
            .take(seconds)
            .collect();
    }
    panic!("iperf3 never ran: {}", lab.log());
}
