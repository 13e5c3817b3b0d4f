//! The real `bgassets serve` binary against real third-party clients: curl (plain, resumed
//! after `--drop-after`, over `--tls`) and aria2c. It reads the one JSON line the binary
//! prints, and checks the request log through the control endpoint.
//!
//! curl and aria2c must be installed: a missing tool fails the test with a pointer to
//! `scripts/setup`, it is never skipped silently.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::support::serve::Fixture;
use crate::support::wait::{try_wait_for, wait_for};

/// A `bgassets serve` child process, killed when dropped.
struct Served {
    child: Child,
    /// The parsed JSON line.
    line: Value,
    /// Where the child's stderr (its request log) goes.
    stderr: PathBuf,
}

impl Served {
    /// Starts `bgassets serve ROOT ARGS…` and waits for its JSON line.
    fn start(fixture: &Fixture, args: &[&str]) -> Served {
        let stderr = fixture
            .dir
            .path()
            .join(format!("serve-{}.log", fastrand::u32(..)));
        let mut child = Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .arg("serve")
            .arg(fixture.root())
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("bgassets runs");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let mut served = Served {
            child,
            line: Value::Null,
            stderr,
        };
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_default();
        served.line = serde_json::from_str(&line).unwrap_or_else(|error| {
            panic!(
                "no JSON line from bgassets serve ({error}): {line:?}\nstderr:\n{}",
                served.log()
            )
        });
        served
    }

    fn url(&self) -> &str {
        self.line["listening"].as_str().expect("listening URL")
    }

    fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.url())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The request log, through the control endpoint (fetched with curl).
    fn requests(&self) -> Vec<Value> {
        let output = run(Command::new(tool("curl"))
            .args(["-sS", "--noproxy", "*"])
            .arg(self.url_of("_bgassets/requests")));
        assert!(output.status.success(), "curl failed: {output:?}");
        serde_json::from_slice::<Value>(&output.stdout)
            .ok()
            .and_then(|value| value.as_array().cloned())
            .expect("a JSON array of requests")
    }
}

impl Drop for Served {
    /// Stops the server with SIGTERM so it cleans up (its temporary certificate directory),
    /// and kills it if it has not stopped within a few seconds.
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let stopped = || self.child.try_wait().ok().flatten();
            if try_wait_for(Duration::from_secs(5), stopped).is_some() {
                return;
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The path of an installed tool; fails the test with the set-up step when it is missing.
fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("`{name}` is not installed; run scripts/setup (it installs curl and aria2c)")
    })
}

fn run(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .expect("the tool runs")
}

fn curl() -> Command {
    let mut command = Command::new(tool("curl"));
    command.args(["-sS", "--noproxy", "*", "--max-time", "30"]);
    command
}

fn same_file(a: &Path, b: &Path) {
    let (a_bytes, b_bytes) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert_eq!(
        a_bytes.len(),
        b_bytes.len(),
        "{} vs {}",
        a.display(),
        b.display()
    );
    assert!(
        a_bytes == b_bytes,
        "{} differs from {}",
        a.display(),
        b.display()
    );
}

#[test]
fn curl_downloads_an_identical_file() {
    let fixture = Fixture::new();
    let served = Served::start(&fixture, &[]);
    assert_eq!(
        served.line["manifest"].as_str().unwrap(),
        served.url_of("manifest.json")
    );
    assert_eq!(served.line["cert"], Value::Null);
    let out = fixture.dir.path().join("medium.zip");
    let output = run(curl()
        .arg("-o")
        .arg(&out)
        .arg(served.url_of("packs/medium.zip")));
    assert!(output.status.success(), "{output:?}");
    same_file(&out, &fixture.root().join("packs/medium.zip"));
    assert!(
        served.log().contains("/packs/medium.zip"),
        "stderr logs requests"
    );
}

#[test]
fn curl_resumes_a_dropped_download_to_an_identical_file() {
    let fixture = Fixture::new();
    let served = Served::start(&fixture, &["--drop-after", "300KB"]);
    let out = fixture.dir.path().join("resumed.zip");
    let mut attempts = Vec::new();
    for _ in 0..10 {
        let output = run(curl()
            .args(["-C", "-", "-o"])
            .arg(&out)
            .arg(served.url_of("packs/medium.zip")));
        attempts.push(output.status.code());
        if output.status.success() {
            break;
        }
    }
    // 1 MB in 300 kB pieces: three cut transfers (curl exit 18), then the rest.
    assert_eq!(attempts, [Some(18), Some(18), Some(18), Some(0)]);
    same_file(&out, &fixture.root().join("packs/medium.zip"));
    let requests = served.requests();
    let ranges: Vec<_> = requests
        .iter()
        .map(|record| (record["range"].as_str(), record["status"].as_u64()))
        .collect();
    assert_eq!(
        ranges,
        [
            (None, Some(200)),
            (Some("bytes=300000-"), Some(206)),
            (Some("bytes=600000-"), Some(206)),
            (Some("bytes=900000-"), Some(206)),
        ]
    );
}

#[test]
fn aria2c_downloads_an_identical_file() {
    let fixture = Fixture::new();
    let served = Served::start(&fixture, &[]);
    let dir = fixture.dir.path().join("aria2");
    let output = run(Command::new(tool("aria2c"))
        .args([
            "--allow-overwrite=true",
            "--auto-file-renaming=false",
            "--file-allocation=none",
            "--no-conf=true",
            "--quiet=true",
            "-d",
        ])
        .arg(&dir)
        .args(["-o", "medium.zip"])
        .arg(served.url_of("packs/medium.zip")));
    assert!(output.status.success(), "{output:?}");
    same_file(
        &dir.join("medium.zip"),
        &fixture.root().join("packs/medium.zip"),
    );
}

#[test]
fn aria2c_retries_through_dropped_connections() {
    let fixture = Fixture::new();
    let served = Served::start(&fixture, &["--drop-after", "400KB"]);
    let dir = fixture.dir.path().join("aria2-retry");
    let output = run(Command::new(tool("aria2c"))
        .args([
            "--allow-overwrite=true",
            "--auto-file-renaming=false",
            "--file-allocation=none",
            "--no-conf=true",
            "--quiet=true",
            "--max-tries=10",
            "--retry-wait=0",
            "-d",
        ])
        .arg(&dir)
        .args(["-o", "medium.zip"])
        .arg(served.url_of("packs/medium.zip")));
    assert!(output.status.success(), "{output:?}");
    same_file(
        &dir.join("medium.zip"),
        &fixture.root().join("packs/medium.zip"),
    );
    let requests = served.requests();
    assert!(
        requests.iter().any(|record| record["status"] == 206),
        "aria2c resumed with Range: {requests:?}"
    );
}

#[test]
fn curl_over_tls_trusts_the_printed_certificate() {
    let fixture = Fixture::new();
    let served = Served::start(&fixture, &["--tls"]);
    assert!(served.url().starts_with("https://127.0.0.1:"));
    let cert = PathBuf::from(served.line["cert"].as_str().expect("a cert path"));
    let out = fixture.dir.path().join("tls.zip");
    let output = run(curl()
        .arg("--cacert")
        .arg(&cert)
        .arg("-o")
        .arg(&out)
        .arg(served.url_of("packs/small.zip")));
    assert!(output.status.success(), "{output:?}");
    same_file(&out, &fixture.root().join("packs/small.zip"));
    // Without the certificate, curl refuses the server (exit 60: peer certificate).
    let output = run(curl()
        .arg("-o")
        .arg(&out)
        .arg(served.url_of("packs/small.zip")));
    assert_eq!(output.status.code(), Some(60), "{output:?}");
}

#[test]
fn fault_flags_reach_the_server() {
    let fixture = Fixture::new();
    let served = Served::start(
        &fixture,
        &[
            "--latency",
            "100ms",
            "--rate",
            "2MB",
            "--fail-rate",
            "0.5",
            "--retry-after",
            "9",
            "--seed",
            "3",
            "--drop-after",
            "1MB",
            "--stall-after",
            "2MiB",
            "--ignore-range",
            "--change-etag",
            "--corrupt",
        ],
    );
    let output = run(curl().arg(served.url_of("_bgassets/faults")));
    let faults: Value = serde_json::from_slice(&output.stdout).expect("faults JSON");
    assert_eq!(
        faults,
        serde_json::json!({
            "latency": 100, "rate": 2_000_000, "fail_rate": 0.5, "retry_after": 9, "seed": 3,
            "drop_after": 1_000_000, "stall_after": 2_097_152, "ignore_range": true,
            "change_etag": true, "corrupt": true
        })
    );
}

#[test]
fn bad_arguments_are_refused_with_clear_messages() {
    let fixture = Fixture::new();
    let missing = fixture.dir.path().join("no-such-dir");
    let output = run(Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("serve")
        .arg(&missing));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(stderr.contains("no such directory"), "{stderr}");
    assert!(output.stdout.is_empty(), "no JSON line on failure");

    let output = run(Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("serve")
        .arg(fixture.root())
        .args(["--rate", "fast"]));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`fast` is not a size"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_and_removes_its_temporary_certificate() {
    let fixture = Fixture::new();
    let mut served = Served::start(&fixture, &["--tls"]);
    let cert = PathBuf::from(served.line["cert"].as_str().expect("a cert path"));
    assert!(cert.exists());
    let status = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = wait_for(
        "bgassets serve stopped on SIGTERM",
        Duration::from_secs(10),
        || served.child.try_wait().expect("wait"),
    );
    assert!(exit.success(), "{exit:?}\n{}", served.log());
    assert!(
        !cert.exists(),
        "the temporary certificate directory is removed"
    );
}
