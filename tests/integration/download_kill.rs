//! `bgassets download` survives `kill -9`: the real binary downloads a large random file from
//! the mock server (slowed by its rate fault), is killed with SIGKILL three times mid-stream,
//! then run to completion. The file must be byte-identical, and every restart must have resumed
//! from its partial file: the server's request log shows `Range` requests answered 206.
//!
//! This is the one-connection path (`--connections 1`); a segmented download killed mid-stream
//! is `engine_segments::a_killed_segmented_download_resumes_only_its_holes`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use bgassets::model::Sha256Digest;
use bgassets::server::{Faults, ServeConfig, Server};

use crate::support::faults::FaultsExt;
use crate::support::random_bytes;
use crate::support::wait::try_wait_for;

const MIB: u64 = 1 << 20;
const FILE_SIZE: usize = 48 << 20;
/// The server's rate: the whole file takes about 2.5 s.
const RATE: u64 = 20_000_000;
const KILLS: u64 = 3;
const TIMEOUT: Duration = Duration::from_secs(30);

/// One run of `bgassets download`, its stderr kept in a file for failure messages.
struct Run {
    child: Child,
    stderr: PathBuf,
}

impl Run {
    fn start(dir: &Path, round: u64, url: &str, output: &Path, sha256: &str) -> Run {
        let stderr = dir.join(format!("stderr-{round}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .args([
                "download",
                url,
                "--connections",
                "1",
                "--sha256",
                sha256,
                "-o",
            ])
            .arg(output)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("bgassets download starts");
        Run { child, stderr }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Polls until `partial` holds at least `bytes`; panics if the run ends first.
    fn wait_for_partial(&mut self, partial: &Path, bytes: u64) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let length = std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
            if length >= bytes {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the download ended ({status}) with {length} of {bytes} bytes: {}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{length} of {bytes} bytes after {TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the run to end by itself.
    fn wait(&mut self) -> ExitStatus {
        let ended = try_wait_for(TIMEOUT, || self.child.try_wait().ok().flatten());
        ended.unwrap_or_else(|| panic!("still running after {TIMEOUT:?}: {}", self.stderr()))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_download_killed_three_times_resumes_to_the_exact_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).expect("root");
    let bytes = random_bytes(FILE_SIZE, 7);
    std::fs::write(root.join("big.bin"), &bytes).expect("served file");
    let sha256 = Sha256Digest::of(&bytes).to_hex();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut config = ServeConfig::new(&root);
    config.faults = Faults::default().rate(RATE);
    let server = runtime.block_on(Server::start(config)).expect("server");
    let url = server.url_of("big.bin");
    let output = dir.path().join("big.bin");
    let partial = dir.path().join("big.bin.partial");

    for round in 1..=KILLS {
        let mut run = Run::start(dir.path(), round, &url, &output, &sha256);
        run.wait_for_partial(&partial, round * 10 * MIB);
        run.child.kill().expect("SIGKILL");
        let status = run.child.wait().expect("reaped");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "killed by SIGKILL, not finished: {}",
            run.stderr()
        );
        assert!(!output.exists(), "not installed before it was complete");
    }

    let mut last = Run::start(dir.path(), KILLS + 1, &url, &output, &sha256);
    let status = last.wait();
    assert!(status.success(), "{status}: {}", last.stderr());
    assert!(std::fs::read(&output).expect("downloaded") == bytes);
    assert!(!partial.exists());
    assert!(!dir.path().join("big.bin.bgassets-download.json").exists());

    let requests: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/big.bin")
        .collect();
    let summary: Vec<_> = requests
        .iter()
        .map(|r| (r.status, r.range.clone(), r.bytes_sent))
        .collect();
    assert_eq!(requests.len() as u64, KILLS + 1, "{summary:?}");
    assert_eq!(
        (requests[0].status, requests[0].range.as_deref()),
        (200, None)
    );
    for (round, request) in requests.iter().enumerate().skip(1) {
        assert_eq!(request.status, 206, "{summary:?}");
        let from = request
            .range
            .as_deref()
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.trim_end_matches('-').parse::<u64>().ok())
            .unwrap_or_else(|| panic!("a Range: bytes=N- request: {summary:?}"));
        assert!(from >= round as u64 * 10 * MIB, "{summary:?}");
        assert!(request.if_range.is_some(), "{summary:?}");
    }
    drop(server);
}
