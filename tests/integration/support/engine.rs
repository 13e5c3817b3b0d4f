//! Helpers for the engine's tests: a real mock server on 127.0.0.1 over a temp folder of random
//! files, an engine with its state in a temp folder, and waits on its events with timeouts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bgassets::engine::{
    Download, DownloadRequest, DownloadState, Engine, EngineConfig, EngineHandle, Event, EventKind,
    Limits, PauseReason, RetryPolicy, Targets,
};
use bgassets::model::Sha256Digest;
use bgassets::server::{Faults, ServeConfig, Server};
use tokio::sync::broadcast;

pub use super::random_bytes;

/// A served folder, a download folder and a running server.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub server: Server,
}

impl Site {
    /// Serves `files` (name, size) of random bytes.
    pub async fn start(files: &[(&str, usize)], faults: Faults) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("www");
        std::fs::create_dir_all(root.join("downloads")).unwrap();
        for (i, (name, size)) in files.iter().enumerate() {
            std::fs::write(root.join(name), random_bytes(*size, i as u64 + 1)).unwrap();
        }
        let mut config = ServeConfig::new(&root);
        config.faults = faults;
        let server = Server::start(config).await.unwrap();
        Self { dir, server }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("www")
    }

    pub fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.root().join(name)).unwrap()
    }

    pub fn sha256(&self, name: &str) -> Sha256Digest {
        Sha256Digest::of(&self.bytes(name))
    }

    /// Where downloads go.
    pub fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join("out").join(name)
    }

    /// A request for `name`, verified by size and SHA-256, saved as `out/name`.
    pub fn request(&self, name: &str) -> DownloadRequest {
        let url = url::Url::parse(&self.server.url_of(name)).unwrap();
        let mut request = DownloadRequest::new(name, url, self.out(name));
        request.expected_size = Some(self.bytes(name).len() as u64);
        request.sha256 = Some(self.sha256(name));
        request
    }

    /// The URL of `name` on this site.
    pub fn url(&self, name: &str) -> url::Url {
        url::Url::parse(&self.server.url_of(name)).unwrap()
    }

    /// [`Site::request`], with the same file on each of `mirrors` as the request's mirrors.
    pub fn mirrored(&self, name: &str, mirrors: &[&Site]) -> DownloadRequest {
        let mut request = self.request(name);
        request.mirrors = mirrors.iter().map(|site| site.url(name)).collect();
        request
    }

    /// The Range headers of the logged requests for `name`, with their statuses.
    pub fn ranges(&self, name: &str) -> Vec<(Option<String>, u16)> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.path.trim_start_matches('/') == name)
            .map(|r| (r.range, r.status))
            .collect()
    }

    pub fn state_file(&self) -> PathBuf {
        self.dir.path().join("state/downloads.json")
    }
}

/// Fast retries and timeouts for tests.
pub fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
        max_retry_after: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        stall_timeout: Duration::from_millis(500),
    }
}

/// An engine saving its queue in `state_file`.
pub fn engine(state_file: &Path, limits: Limits) -> Engine {
    Engine::start(EngineConfig {
        state_file: Some(state_file.to_path_buf()),
        limits,
        retry: quick_retry(),
        ..EngineConfig::default()
    })
    .unwrap()
}

/// Limits with `concurrent` slots, no per-host cap and `rate` bytes per second.
pub fn limits(concurrent: usize, rate: Option<u64>) -> Limits {
    Limits {
        max_concurrent: concurrent,
        max_per_host: concurrent,
        bytes_per_second: rate,
    }
}

/// Waits (at most 20 s) for download `id` to end.
pub async fn done(handle: &EngineHandle, id: &str) -> Download {
    tokio::time::timeout(Duration::from_secs(20), handle.wait_until_done(id))
        .await
        .unwrap_or_else(|_| panic!("{id} did not finish within 20 s"))
        .unwrap()
}

/// Waits for download `id` to end, and checks that it finished with the site's bytes in place.
pub async fn finished_whole(handle: &EngineHandle, site: &Site, id: &str) -> Download {
    let download = done(handle, id).await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert_eq!(std::fs::read(site.out(id)).unwrap(), site.bytes(id));
    download
}

/// Waits (at most 20 s) for an event matching `matches` and returns it.
pub async fn event(
    events: &mut broadcast::Receiver<Event>,
    what: &str,
    matches: impl Fn(&Event) -> bool,
) -> Event {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(event) if matches(&event) => return event,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(error) => panic!("events closed while waiting for {what}: {error}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("no {what} within 20 s"))
}

/// Waits for download `id` to have received at least `bytes`.
pub async fn progress_past(events: &mut broadcast::Receiver<Event>, id: &str, bytes: u64) {
    event(events, &format!("{id} past {bytes} bytes"), |e| {
        e.id == id
            && matches!(&e.kind, EventKind::Progress { progress, .. } if progress.bytes_done >= bytes)
    })
    .await;
}

/// Pauses download `id` once it has received `bytes`, and waits for the engine to say so.
pub async fn pause_past(
    handle: &EngineHandle,
    events: &mut broadcast::Receiver<Event>,
    id: &str,
    bytes: u64,
) {
    progress_past(events, id, bytes).await;
    assert_eq!(handle.pause(Targets::one(id)).await.unwrap(), 1);
    event(events, "pause", |e| {
        matches!(
            e.kind,
            EventKind::Paused {
                reason: PauseReason::Requested
            }
        )
    })
    .await;
}

/// The requests `server` answered for the file `name` (the path's end): Range, If-Range,
/// status and bytes sent.
pub fn served(server: &Server, name: &str) -> Vec<(Option<String>, Option<String>, u16, u64)> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.trim_start_matches('/').ends_with(name))
        .map(|r| (r.range, r.if_range, r.status, r.bytes_sent))
        .collect()
}

/// The first byte of a `Range: bytes=N-` header.
pub fn range_start(range: &Option<String>) -> Option<u64> {
    range
        .as_deref()?
        .strip_prefix("bytes=")?
        .strip_suffix('-')?
        .parse()
        .ok()
}
