//! Segmented downloads (issue 15) against nginx capping each connection's rate
//! (`limit_rate`): a big file comes over several connections and verifies; an origin that
//! ignores `Range` keeps one; a paused download resumes only the ranges it lacks; a wrong byte
//! in one segment is never installed. nginx's access log shows every request, its range and when
//! it started. The crash and lying-server cases are in `engine_segments_faults`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use bgassets::engine::segments::sidecar;
use bgassets::engine::{
    DownloadRequest, DownloadState, Engine, EngineConfig, EngineHandle, EventKind, Limits,
    RetryPolicy, SegmentConfig, Targets,
};
use bgassets::model::{ErrorKind, Sha256Digest};

use crate::support::nginx::{AccessRecord, Nginx};
use crate::support::random_bytes;

pub const MIB: usize = 1 << 20;
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A served root holding `name` with `bytes`, and a folder for downloads.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new(name: &str, bytes: &[u8]) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("root")).expect("root");
        std::fs::create_dir_all(dir.path().join("downloads")).expect("downloads");
        std::fs::write(dir.path().join("root").join(name), bytes).expect("served file");
        Site { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    pub fn download_path(&self, name: &str) -> PathBuf {
        self.dir.path().join("downloads").join(name)
    }
}

/// An engine splitting files of 1 MiB or more over up to 4 connections.
pub fn engine() -> Engine {
    Engine::start(EngineConfig {
        limits: Limits::default(),
        retry: RetryPolicy {
            base_delay: Duration::from_millis(50),
            max_attempts: 2,
            ..RetryPolicy::default()
        },
        segments: SegmentConfig {
            threshold: MIB as u64,
            max_connections: 8,
        },
        ..EngineConfig::default()
    })
    .expect("engine starts")
}

pub fn request(id: &str, url: &str, destination: &Path, bytes: &[u8]) -> DownloadRequest {
    let mut request = DownloadRequest::new(id, url.parse().expect("url"), destination);
    request.sha256 = Some(Sha256Digest::of(bytes));
    request
}

pub async fn wait_done(handle: &EngineHandle, id: &str) -> bgassets::engine::Download {
    tokio::time::timeout(TIMEOUT, handle.wait_until_done(id))
        .await
        .unwrap_or_else(|_| panic!("{id} not done within {TIMEOUT:?}"))
        .expect("engine running")
}

/// `name`'s requests in the order they arrived, once nginx has logged them all: no new line
/// for half a second (an aborted response is logged when nginx notices the client went away).
pub fn settled_log(nginx: &Nginx, name: &str) -> Vec<AccessRecord> {
    let deadline = Instant::now() + TIMEOUT;
    let mut last = nginx.requests_for(name);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let mut now = nginx.requests_for(name);
        if now == last && !now.is_empty() || Instant::now() > deadline {
            now.sort_by(|a, b| a.started().total_cmp(&b.started()));
            return now;
        }
        last = now;
    }
}

fn finished_whole(download: &bgassets::engine::Download, destination: &Path, bytes: &[u8]) {
    assert_eq!(download.state, DownloadState::Finished, "{download:?}");
    assert_eq!(download.sha256, Some(Sha256Digest::of(bytes)));
    assert!(std::fs::read(destination).expect("downloaded") == bytes);
    let partial = bgassets::store::atomic::partial_path(destination);
    assert!(!partial.exists() && !sidecar::path(&partial).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_file_from_a_rate_capped_origin_comes_over_several_connections() {
    let bytes = random_bytes(16 * MIB + 5, 31);
    let site = Site::new("big.bin", &bytes);
    let nginx = Nginx::start_with(&site.root(), "limit_rate 2m;");
    let engine = engine();
    let handle = engine.handle();
    let destination = site.download_path("big.bin");
    let mut request = request("big", &nginx.url_of("big.bin"), &destination, &bytes);
    request.expected_size = Some(bytes.len() as u64);
    handle.enqueue(request).await.expect("enqueue");

    let download = wait_done(&handle, "big").await;
    finished_whole(&download, &destination, &bytes);
    let log = settled_log(&nginx, "big.bin");
    assert!(log.len() >= 2, "more than one connection: {log:#?}");
    assert_eq!(
        (log[0].status, log[0].range.as_str()),
        (200, ""),
        "{log:#?}"
    );
    for record in &log[1..] {
        assert_eq!(record.status, 206, "{log:#?}");
        assert!(
            record.if_range.starts_with('"'),
            "If-Range carries the ETag: {log:#?}"
        );
        assert!(record.range_bounds().is_some(), "{log:#?}");
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_that_ignores_range_keeps_one_connection() {
    let bytes = random_bytes(6 * MIB, 32);
    let site = Site::new("whole.bin", &bytes);
    let nginx = Nginx::start_with(&site.root(), "limit_rate 4m; max_ranges 0;");
    let engine = engine();
    let handle = engine.handle();
    let destination = site.download_path("whole.bin");
    let request = request("whole", &nginx.url_of("whole.bin"), &destination, &bytes);
    handle.enqueue(request).await.expect("enqueue");

    let download = wait_done(&handle, "whole").await;
    finished_whole(&download, &destination, &bytes);
    assert_eq!(download.attempts, 1, "no error, no retry: {download:?}");
    let log = settled_log(&nginx, "whole.bin");
    // The one connection brought the whole file; at most one range request was tried, answered
    // with the whole file and dropped, and none after it.
    assert_eq!(
        (log[0].status, log[0].bytes),
        (200, bytes.len() as u64),
        "{log:#?}"
    );
    assert!(log.len() <= 2, "{log:#?}");
    assert!(log.iter().all(|r| r.status == 200), "{log:#?}");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_segmented_download_resumes_only_the_ranges_it_lacks() {
    let bytes = random_bytes(16 * MIB, 33);
    let site = Site::new("pause.bin", &bytes);
    let nginx = Nginx::start_with(&site.root(), "limit_rate 1m;");
    let engine = engine();
    let handle = engine.handle();
    let destination = site.download_path("pause.bin");
    let partial = bgassets::store::atomic::partial_path(&destination);
    let request = request("pause", &nginx.url_of("pause.bin"), &destination, &bytes);
    handle.enqueue(request).await.expect("enqueue");
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let snapshot = handle.snapshot().await.expect("snapshot");
        if snapshot.get("pause").expect("known").bytes_done >= 5 * MIB as u64 {
            break;
        }
        assert!(Instant::now() < deadline, "no 5 MiB within {TIMEOUT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut events = handle.subscribe();
    assert_eq!(handle.pause(Targets::one("pause")).await.expect("pause"), 1);
    // The attempt has ended (every connection stopped, the file synced and its record saved)
    // when the engine says what it kept.
    let kept = tokio::time::timeout(TIMEOUT, async {
        loop {
            let event = events.recv().await.expect("events");
            if let (true, EventKind::Kept { bytes_done }) = (event.id == "pause", event.kind) {
                return bytes_done;
            }
        }
    })
    .await
    .expect("kept within the timeout");
    let record = sidecar::load(&partial).expect("a record").expect("one");
    assert_eq!(kept, record.extents.covered());
    assert!(
        record.extents.list().len() >= 2,
        "several segments: {record:?}"
    );
    let holes = record.extents.holes(bytes.len() as u64);
    let resumed_at = unix_now();

    assert_eq!(
        handle.resume(Targets::one("pause")).await.expect("resume"),
        1
    );
    let download = wait_done(&handle, "pause").await;
    finished_whole(&download, &destination, &bytes);
    let log = settled_log(&nginx, "pause.bin");
    let after: Vec<&AccessRecord> = log
        .iter()
        .filter(|r| r.started() >= resumed_at - 0.002)
        .collect();
    assert!(!after.is_empty(), "{log:#?}");
    let mut spans = Vec::new();
    for record in &after {
        assert_eq!(record.status, 206, "{log:#?}");
        let (first, last) = record.range_bounds().expect("bytes=FIRST-LAST");
        assert!(
            holes.iter().any(|&(s, e)| s <= first && last < e),
            "{first}-{last} is inside a hole of {holes:?}: {log:#?}"
        );
        spans.push((first, last + 1));
    }
    // The bytes asked for, each counted once: a split asks again for the end of a range its
    // connection already asked for (and stops reading there), by design.
    spans.sort_unstable();
    let (mut asked, mut reach) = (0, 0);
    for (first, end) in spans {
        let from = first.max(reach);
        if end > from {
            asked += end - from;
        }
        reach = reach.max(end);
    }
    let missing: u64 = holes.iter().map(|(s, e)| e - s).sum();
    assert!(
        asked <= missing,
        "asked {asked}, {missing} were missing: {log:#?}"
    );
    engine.shutdown().await;
}

pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_byte_in_one_segment_fails_verification_and_installs_nothing() {
    let bytes = random_bytes(12 * MIB, 34);
    let mut served = bytes.clone();
    served[9 * MIB + 17] ^= 0x40;
    let site = Site::new("bad.bin", &served);
    let nginx = Nginx::start_with(&site.root(), "limit_rate 2m;");
    let engine = engine();
    let handle = engine.handle();
    let destination = site.download_path("bad.bin");
    let request = request("bad", &nginx.url_of("bad.bin"), &destination, &bytes);
    handle.enqueue(request).await.expect("enqueue");

    let download = wait_done(&handle, "bad").await;
    let DownloadState::Failed { error } = &download.state else {
        panic!("failed: {download:?}");
    };
    assert_eq!(error.kind, ErrorKind::ChecksumMismatch, "{download:?}");
    assert!(!destination.exists());
    let partial = bgassets::store::atomic::partial_path(&destination);
    assert!(!partial.exists() && !sidecar::path(&partial).exists());
    let log = settled_log(&nginx, "bad.bin");
    assert!(log.iter().any(|r| r.status == 206), "segmented: {log:#?}");
    engine.shutdown().await;
}
