//! The fault matrix's harness: one download by a real engine (its state in a temp folder) of a
//! pack whose size and SHA-256 are declared, as the manager asks for them, watched to the end:
//! the final state and error kind, the attempts, and the most bytes that were ever on disk for
//! it (the partial file polled every few milliseconds, and every progress event). Each case
//! prints one markdown row, then asserts what it expected.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bgassets::engine::{
    DownloadRequest, DownloadState, Engine, EngineConfig, EventKind, Limits, RetryPolicy,
};
use bgassets::model::{ErrorKind, Sha256Digest};
use tokio::sync::broadcast::error::RecvError;

/// The size of the pack every case downloads.
pub const PACK: usize = 1_000_000;
/// The longest a case may take before it counts as a hang.
pub const HANG: Duration = Duration::from_secs(40);

/// Quick retries: four attempts, short backoff, 2 s for headers, 500 ms without a byte.
pub fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(2),
        stall_timeout: Duration::from_millis(500),
    }
}

/// Reproducible incompressible bytes.
pub fn pack_bytes() -> Vec<u8> {
    crate::support::random_bytes(PACK, 11)
}

/// What a case expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Finished,
    Failed(ErrorKind),
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Finished => write!(f, "finished"),
            Expect::Failed(kind) => write!(f, "failed `{}`", kind_name(*kind)),
        }
    }
}

/// An error kind as it appears in JSON (`sizeMismatch`).
pub fn kind_name(kind: ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{kind:?}"))
}

/// What happened to one download.
#[derive(Debug, Clone)]
pub struct Observed {
    /// `Finished`, `Failed(kind)`, or `None` when it did not end within [`HANG`].
    pub end: Option<Expect>,
    pub message: String,
    /// `Started` events: attempts the engine made.
    pub attempts: usize,
    /// The most bytes ever on disk for the download (partial or final file) or reported.
    pub max_bytes: u64,
    /// The destination holds exactly the pack.
    pub file_matches: bool,
    /// Names left in the download folder, and whether the canary beside it is untouched.
    pub left: Vec<String>,
    pub canary_untouched: bool,
    pub elapsed: Duration,
}

/// A download folder with a canary folder beside it.
pub struct Place {
    pub dir: tempfile::TempDir,
}

impl Place {
    pub fn new() -> Place {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("out")).expect("out");
        std::fs::create_dir_all(dir.path().join("canary")).expect("canary");
        std::fs::write(dir.path().join("canary/keep.bin"), b"canary").expect("canary file");
        Place { dir }
    }

    pub fn destination(&self) -> PathBuf {
        self.dir.path().join("out/pack.bin")
    }

    fn canary_untouched(&self) -> bool {
        let canary = self.dir.path().join("canary");
        let names: Vec<_> = std::fs::read_dir(&canary)
            .map(|entries| entries.flatten().map(|entry| entry.file_name()).collect())
            .unwrap_or_default();
        names.len() == 1 && std::fs::read(canary.join("keep.bin")).is_ok_and(|b| b == b"canary")
    }

    fn left(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path().join("out"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// The request the manager would make for `url`: declared size and SHA-256 of the pack.
pub fn request(place: &Place, url: &str) -> DownloadRequest {
    let mut request = DownloadRequest::new("pack", url.parse().expect("url"), place.destination());
    request.expected_size = Some(PACK as u64);
    request.sha256 = Some(Sha256Digest::of(&pack_bytes()));
    request
}

/// Runs `request` on a fresh engine trusting `certificates` and watches it to the end.
pub async fn download(
    place: &Place,
    request: DownloadRequest,
    certificates: Vec<PathBuf>,
) -> Observed {
    let engine = Engine::start(EngineConfig {
        state_file: Some(place.dir.path().join("state/downloads.json")),
        limits: Limits::default(),
        retry: policy(),
        extra_root_certificates: certificates,
        ..EngineConfig::default()
    })
    .expect("engine starts");
    let handle = engine.handle();
    let mut events = handle.subscribe();
    let partial = request.partial_path();
    let destination = request.destination.clone();
    let id = request.id.clone();
    let started = Instant::now();
    handle.enqueue(request).await.expect("enqueued");
    let (mut attempts, mut max_bytes) = (0, 0u64);
    let mut end = None;
    let mut message = String::new();
    let deadline = tokio::time::sleep(HANG);
    tokio::pin!(deadline);
    let mut poll = tokio::time::interval(Duration::from_millis(2));
    while end.is_none() {
        tokio::select! {
            _ = &mut deadline => break,
            _ = poll.tick() => {
                for path in [&partial, &destination] {
                    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                    max_bytes = max_bytes.max(len);
                }
            }
            event = events.recv() => match event {
                Ok(event) if event.id == id => match event.kind {
                    EventKind::Started { .. } => attempts += 1,
                    EventKind::Progress { progress, .. } => {
                        max_bytes = max_bytes.max(progress.bytes_done);
                    }
                    EventKind::Finished { .. } => end = Some(Expect::Finished),
                    EventKind::Failed { error } => {
                        end = Some(Expect::Failed(error.kind));
                        message = error.message;
                    }
                    _ => {}
                },
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    }
    let elapsed = started.elapsed();
    if end.is_none()
        && let Ok(snapshot) = handle.snapshot().await
        && let Some(download) = snapshot.get(&id)
    {
        message = format!("still {:?} after {HANG:?}", download.state);
        if let DownloadState::Retrying { reason, .. } = &download.state {
            message = format!("{message}: {}", reason.message);
        }
    }
    engine.shutdown().await;
    Observed {
        end,
        message,
        attempts,
        max_bytes,
        file_matches: std::fs::read(&destination).is_ok_and(|bytes| bytes == pack_bytes()),
        left: place.left(),
        canary_untouched: place.canary_untouched(),
        elapsed,
    }
}

/// Prints the case's table row, then asserts: the expected end; never more bytes on disk than
/// declared; the pack in place exactly when finished; nothing but it (or its partial) in the
/// download folder; the canary untouched.
pub fn report(case: &str, server: &str, expect: Expect, observed: &Observed) {
    let seen = match observed.end {
        Some(end) => end.to_string(),
        None => format!("**no end within {} s**", HANG.as_secs()),
    };
    let within = observed.max_bytes <= PACK as u64;
    let ok = observed.end == Some(expect) && within;
    println!(
        "\n| {case} | {server} | {expect} | {seen} | {} | {}{} | {:.1} s | {} |",
        observed.attempts,
        observed.max_bytes,
        if within { "" } else { " **over**" },
        observed.elapsed.as_secs_f64(),
        if ok { "yes" } else { "**no**" },
    );
    assert_eq!(observed.end, Some(expect), "{case}: {}", observed.message);
    assert!(
        within,
        "{case}: {} bytes on disk for a pack of {PACK}",
        observed.max_bytes
    );
    let finished = expect == Expect::Finished;
    assert_eq!(observed.file_matches, finished, "{case}: destination");
    let allowed = ["pack.bin", "pack.bin.partial"];
    assert!(
        observed
            .left
            .iter()
            .all(|name| allowed.contains(&name.as_str()) && (finished || name != "pack.bin")),
        "{case}: left {:?}",
        observed.left
    );
    assert!(observed.canary_untouched, "{case}: the canary changed");
}

/// A served folder holding the pack as `pack.bin` and an empty folder `dir/`.
pub fn site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("www");
    std::fs::create_dir_all(root.join("dir")).expect("www");
    std::fs::write(root.join("pack.bin"), pack_bytes()).expect("pack");
    (dir, root)
}

/// The nginx binary, or why the nginx rows are skipped.
pub fn nginx_present() -> Result<(), String> {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("nginx").is_file()));
    if on_path || Path::new("/usr/sbin/nginx").is_file() {
        Ok(())
    } else {
        Err("nginx is not installed (scripts/setup installs it)".into())
    }
}
