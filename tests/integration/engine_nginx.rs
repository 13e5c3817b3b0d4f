//! The download engine against nginx, a third-party server: a whole file verified by SHA-256, a
//! paused download resumed with `Range` + `If-Range` (206), a 404 that fails at once, and a file
//! changed on the server between pause and resume (its ETag changes, so nginx answers 200 and
//! the engine starts over from byte 0). nginx's access log shows what was asked and answered.
//!
//! The tests run on a multi-threaded runtime because the nginx helpers poll with blocking
//! sleeps on the test's own thread while the engine works on the runtime's workers.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bgassets::engine::{
    DownloadRequest, DownloadState, Engine, EngineConfig, EngineHandle, EventKind, Limits,
    RetryPolicy, Targets,
};
use bgassets::model::{ErrorKind, Sha256Digest};
use tokio::sync::broadcast;

use crate::support::nginx::Nginx;
use crate::support::random_bytes;

const MIB: usize = 1 << 20;
const TIMEOUT: Duration = Duration::from_secs(20);

/// A served root holding `name` with `bytes`, and a separate folder for downloads.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new(files: &[(&str, &[u8])]) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("root")).expect("root");
        std::fs::create_dir_all(dir.path().join("downloads")).expect("downloads");
        for (name, bytes) in files {
            std::fs::write(dir.path().join("root").join(name), bytes).expect("served file");
        }
        Site { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn download_path(&self, name: &str) -> PathBuf {
        self.dir.path().join("downloads").join(name)
    }
}

fn engine(bytes_per_second: Option<u64>) -> Engine {
    Engine::start(EngineConfig {
        limits: Limits {
            bytes_per_second,
            ..Limits::default()
        },
        retry: RetryPolicy {
            base_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        ..EngineConfig::default()
    })
    .expect("engine starts")
}

fn request(id: &str, url: &str, destination: &Path) -> DownloadRequest {
    DownloadRequest::new(id, url.parse().expect("url"), destination)
}

async fn wait_done(handle: &EngineHandle, id: &str) -> bgassets::engine::Download {
    tokio::time::timeout(TIMEOUT, handle.wait_until_done(id))
        .await
        .unwrap_or_else(|_| panic!("{id} not done within {TIMEOUT:?}"))
        .expect("engine running")
}

/// Polls the snapshot until download `id` has at least `bytes` done.
async fn wait_for_bytes(handle: &EngineHandle, id: &str, bytes: u64) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let snapshot = handle.snapshot().await.expect("snapshot");
        let download = snapshot.get(id).expect("download known");
        if download.bytes_done >= bytes {
            return;
        }
        assert!(
            !download.state.is_terminal(),
            "{id} ended before {bytes} bytes: {download:?}"
        );
        assert!(
            Instant::now() < deadline,
            "{id} has {} of {bytes} bytes after {TIMEOUT:?}",
            download.bytes_done
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The `from_byte` of every `Started` event for `id` received so far.
fn started_from(events: &mut broadcast::Receiver<bgassets::engine::Event>, id: &str) -> Vec<u64> {
    let mut starts = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let (true, EventKind::Started { from_byte, .. }) = (event.id == id, &event.kind) {
            starts.push(*from_byte);
        }
    }
    starts
}

/// Starts `id` slowly, waits until a few MiB are in, pauses it and waits until nginx has logged
/// the aborted first response. Returns that first record.
async fn download_partly(
    handle: &EngineHandle,
    nginx: &Nginx,
    request: DownloadRequest,
    name: &str,
) -> crate::support::nginx::AccessRecord {
    let id = request.id.clone();
    handle.enqueue(request).await.expect("enqueue");
    wait_for_bytes(handle, &id, 2 * MIB as u64).await;
    assert_eq!(handle.pause(Targets::one(&id)).await.expect("pause"), 1);
    let first = nginx.wait_for_requests(name, TIMEOUT, |records| !records.is_empty());
    assert_eq!(first.len(), 1, "{first:#?}");
    assert_eq!((first[0].status, first[0].range.as_str()), (200, ""));
    first[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_file_is_downloaded_and_verified() {
    let bytes = random_bytes(8 * MIB + 123, 1);
    let site = Site::new(&[("whole.bin", &bytes)]);
    let nginx = Nginx::start(&site.root());
    let engine = engine(None);
    let handle = engine.handle();
    let destination = site.download_path("whole.bin");
    let mut request = request("whole", &nginx.url_of("whole.bin"), &destination);
    request.sha256 = Some(Sha256Digest::of(&bytes));
    request.expected_size = Some(bytes.len() as u64);
    handle.enqueue(request).await.expect("enqueue");

    let download = wait_done(&handle, "whole").await;
    assert_eq!(download.state, DownloadState::Finished, "{download:?}");
    assert_eq!(download.sha256, Some(Sha256Digest::of(&bytes)));
    assert_eq!(download.attempts, 1);
    assert!(std::fs::read(&destination).expect("downloaded") == bytes);
    assert!(!site.download_path("whole.bin.partial").exists());
    let log = nginx.wait_for_requests("whole.bin", TIMEOUT, |r| !r.is_empty());
    assert_eq!(log.len(), 1, "{log:#?}");
    assert_eq!((log[0].status, log[0].bytes), (200, bytes.len() as u64));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_download_resumes_with_a_range_request() {
    let bytes = random_bytes(24 * MIB, 2);
    let site = Site::new(&[("resume.bin", &bytes)]);
    let nginx = Nginx::start(&site.root());
    let engine = engine(Some(8 * MIB as u64));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    let destination = site.download_path("resume.bin");
    let mut request = request("resume", &nginx.url_of("resume.bin"), &destination);
    request.sha256 = Some(Sha256Digest::of(&bytes));
    download_partly(&handle, &nginx, request, "resume.bin").await;

    let limits = Limits {
        bytes_per_second: None,
        ..Limits::default()
    };
    handle.set_limits(limits).await.expect("limits");
    assert_eq!(
        handle.resume(Targets::one("resume")).await.expect("resume"),
        1
    );
    let download = wait_done(&handle, "resume").await;
    assert_eq!(download.state, DownloadState::Finished, "{download:?}");
    assert!(std::fs::read(&destination).expect("downloaded") == bytes);
    assert_eq!(download.sha256, Some(Sha256Digest::of(&bytes)));

    let log = nginx.wait_for_requests("resume.bin", TIMEOUT, |r| r.len() >= 2);
    assert_eq!(log.len(), 2, "{log:#?}");
    let resumed = &log[1];
    assert_eq!(resumed.status, 206, "{log:#?}");
    let from = resumed.range_start().expect("a Range: bytes=N- request");
    assert!(from >= 2 * MIB as u64, "{log:#?}");
    assert_eq!(resumed.bytes, bytes.len() as u64 - from, "{log:#?}");
    assert!(
        resumed.if_range.starts_with('"'),
        "If-Range carries the ETag: {log:#?}"
    );
    assert_eq!(started_from(&mut events, "resume"), [0, from]);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_file_fails_at_once_with_the_status() {
    let site = Site::new(&[]);
    let nginx = Nginx::start(&site.root());
    let engine = engine(None);
    let handle = engine.handle();
    let destination = site.download_path("missing.bin");
    let request = request("missing", &nginx.url_of("missing.bin"), &destination);
    handle.enqueue(request).await.expect("enqueue");

    let download = wait_done(&handle, "missing").await;
    let DownloadState::Failed { error } = &download.state else {
        panic!("expected a failure: {download:?}");
    };
    assert_eq!(error.kind, ErrorKind::HttpStatus, "{error:?}");
    assert!(error.message.contains("404"), "{error:?}");
    assert!(error.message.contains("missing.bin"), "{error:?}");
    assert_eq!(download.attempts, 1);
    assert!(!destination.exists());
    assert!(!site.download_path("missing.bin.partial").exists());
    let log = nginx.wait_for_requests("missing.bin", TIMEOUT, |r| !r.is_empty());
    assert_eq!(log.len(), 1, "no retry: {log:#?}");
    assert_eq!(log[0].status, 404);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_changed_on_the_server_restarts_from_zero() {
    let old = random_bytes(24 * MIB, 3);
    let site = Site::new(&[("changing.bin", &old)]);
    let nginx = Nginx::start(&site.root());
    let engine = engine(Some(8 * MIB as u64));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    let destination = site.download_path("changing.bin");
    let request = request("changing", &nginx.url_of("changing.bin"), &destination);
    download_partly(&handle, &nginx, request, "changing.bin").await;

    // Same size, new bytes and a modification time an hour later: nginx's ETag and
    // Last-Modified both change, so its If-Range check fails and it sends the whole file.
    let new = random_bytes(old.len(), 4);
    let served = site.root().join("changing.bin");
    std::fs::write(&served, &new).expect("rewrite");
    let later = std::time::SystemTime::now() + Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&served)
        .and_then(|file| file.set_modified(later))
        .expect("set mtime");

    handle
        .set_limits(Limits::default())
        .await
        .expect("no limit");
    assert_eq!(
        handle
            .resume(Targets::one("changing"))
            .await
            .expect("resume"),
        1
    );
    let download = wait_done(&handle, "changing").await;
    assert_eq!(download.state, DownloadState::Finished, "{download:?}");
    assert!(std::fs::read(&destination).expect("downloaded") == new);
    assert_eq!(download.sha256, Some(Sha256Digest::of(&new)));
    assert_eq!(download.bytes_done, new.len() as u64);

    let log = nginx.wait_for_requests("changing.bin", TIMEOUT, |r| r.len() >= 2);
    assert_eq!(log.len(), 2, "{log:#?}");
    let second = &log[1];
    assert!(
        second.range_start().is_some_and(|from| from > 0),
        "{log:#?}"
    );
    assert!(!second.if_range.is_empty(), "{log:#?}");
    assert_eq!((second.status, second.bytes), (200, new.len() as u64));
    let starts = started_from(&mut events, "changing");
    assert_eq!(starts.len(), 2, "{starts:?}");
    assert!(starts[1] > 0, "the engine asked to resume: {starts:?}");
    engine.shutdown().await;
}

/// A crash after the last byte was written but before the rename leaves a complete partial
/// file; resuming asks for the bytes after it, nginx answers 416 with `Content-Range: bytes
/// */SIZE` (and, like most servers, an HTML error page), and the engine must verify and install
/// the partial file rather than take the 416 page for a captive portal and retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_partial_file_is_installed_after_a_416() {
    let bytes = random_bytes(24 * MIB, 5);
    let site = Site::new(&[("done.bin", &bytes)]);
    let nginx = Nginx::start(&site.root());
    let state_file = site.dir.path().join("queue.json");
    let config = |bytes_per_second| EngineConfig {
        state_file: Some(state_file.clone()),
        limits: Limits {
            bytes_per_second,
            ..Limits::default()
        },
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        ..EngineConfig::default()
    };
    let destination = site.download_path("done.bin");
    let mut request = request("done", &nginx.url_of("done.bin"), &destination);
    request.sha256 = Some(Sha256Digest::of(&bytes));

    // First run: part of the file, then a clean stop (the partial file and validator are saved).
    let first = Engine::start(config(Some(8 * MIB as u64))).expect("engine starts");
    download_partly(&first.handle(), &nginx, request, "done.bin").await;
    first.shutdown().await;
    // The crash: every byte reached the partial file, the rename never happened.
    std::fs::write(site.download_path("done.bin.partial"), &bytes).expect("complete partial");

    let second = Engine::start(config(None)).expect("engine restarts");
    let handle = second.handle();
    assert_eq!(
        handle.resume(Targets::one("done")).await.expect("resume"),
        1
    );
    let download = wait_done(&handle, "done").await;
    let log: Vec<_> = nginx
        .requests_for("done.bin")
        .into_iter()
        .map(|r| (r.status, r.range))
        .collect();
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{download:?}\nnginx saw {log:?}"
    );
    assert!(std::fs::read(&destination).expect("installed") == bytes);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[1], (416, format!("bytes={}-", bytes.len())));
    second.shutdown().await;
}
