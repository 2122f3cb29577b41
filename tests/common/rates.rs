//! Measuring a guest's policed transfer rates with curl through the lab's gateway.

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
