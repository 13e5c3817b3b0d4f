//! How an engine is set up: where it keeps its state, the limits it enforces (changeable live)
//! and how patiently it retries.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Limits the scheduler and the workers honour; changeable while running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Downloads running at once.
    pub max_concurrent: usize,
    /// Downloads running at once from one host.
    pub max_per_host: usize,
    /// Bytes per second for all downloads together; `None` for no limit.
    pub bytes_per_second: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_concurrent: 4,
            max_per_host: 4,
            bytes_per_second: None,
        }
    }
}

/// Timeouts and the retry schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in a row that bring no new bytes before a transient failure becomes final; an
    /// attempt that writes new bytes starts the count (and the backoff) over.
    pub max_attempts: u32,
    /// The first delay; each later one doubles, up to `max_delay`, with ±20% jitter.
    pub base_delay: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
    /// Time allowed to connect and receive response headers.
    pub connect_timeout: Duration,
    /// Time allowed without a byte arriving before the attempt counts as stalled.
    pub stall_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(15),
            stall_timeout: Duration::from_secs(30),
        }
    }
}

/// When and how widely one download is split across several connections (issue 15: origins
/// that cap each connection's rate). See `engine::segments`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentConfig {
    /// Files at least this big (in bytes) are split, when the origin honours `Range`.
    pub threshold: u64,
    /// The most connections one download opens; each is also bounded by the per-host cap.
    /// `1` never splits.
    pub max_connections: usize,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        Self {
            threshold: 32 << 20,
            max_connections: 8,
        }
    }
}

/// Everything an engine needs to start.
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// Where the queue is saved (written atomically); `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
    /// How many downloads run at once, per host, and how fast.
    pub limits: Limits,
    /// Timeouts and the retry schedule.
    pub retry: RetryPolicy,
    /// Extra certificates (PEM files) to trust, e.g. the mock server's self-signed one.
    pub extra_root_certificates: Vec<PathBuf>,
    /// Maximum redirects followed.
    pub max_redirects: Option<usize>,
    /// Hosts plain HTTP may reach besides loopback (`--allow-insecure-host`); every other hop
    /// of every download, redirects included, must be HTTPS.
    pub insecure_hosts: Vec<String>,
    /// The largest body taken for a download whose size neither the request nor the server
    /// gives; `None` for [`super::transport::DEFAULT_MAX_BODY`] (64 GiB).
    pub max_body: Option<u64>,
    /// Restore saved downloads paused instead of resuming them at once (a client that is about
    /// to re-enqueue them with fresh expectations uses this).
    pub hold_restored: bool,
    /// When a download is split across several connections, and into how many at most.
    pub segments: SegmentConfig,
}
