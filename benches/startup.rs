//! The real app under a virtual display: time from launch to the first frame, and resident
//! memory on the default scene after 10 s of racing.
//!
//! Targets (issue: desktop app): first frame ≤ 300 ms, resident memory ≤ 150 MB. Needs `Xvfb`
//! (Debian: `xvfb`); without it the benchmark says so and measures nothing. Run with
//! `cargo bench --bench startup`.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Kills the child when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    // Any exit status will do: the question is only whether Xvfb exists.
    if Command::new("Xvfb")
        .arg("-help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        println!("startup: skipped (no Xvfb on this machine)");
        return;
    }
    let display = (90..200)
        .find(|d| !Path::new(&format!("/tmp/.X{d}-lock")).exists())
        .unwrap_or(199);
    let _x = Guard(
        Command::new("Xvfb")
            .args([
                format!(":{display}"),
                "-screen".into(),
                "0".into(),
                "1600x1000x24".into(),
                "-nolisten".into(),
                "tcp".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    let socket = format!("/tmp/.X11-unix/X{display}");
    let t = Instant::now();
    while !Path::new(&socket).exists() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for run in 1..=3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_optiscope"))
            .env("DISPLAY", format!(":{display}"))
            .env("OPTISCOPE_TIMING", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the app starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let pid = child.id();
        let app = Guard(child);
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("stderr".into())
            .spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            })
            .expect("reader thread");
        let first = rx
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| "no first frame within 10 s".to_owned());
        std::thread::sleep(Duration::from_secs(10));
        let rss = rss_kib(pid).map_or_else(
            || "unavailable".into(),
            |k| format!("{:.1} MB", k as f64 / 1024.0),
        );
        println!(
            "startup run {run}: {first}; resident memory after 10 s = {rss}  (targets: 300 ms, 150 MB)"
        );
        drop(app);
    }
}
