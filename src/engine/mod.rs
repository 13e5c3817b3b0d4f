//! The download engine: a background worker pool that downloads, resumes, verifies and
//! prioritises. It is also Background Assets' unmanaged API (`BADownloadManager` /
//! `BAURLDownload`), and everything the managed layer, the GUI and `ctl` show comes from it.
//!
//! One task, the [`actor`], owns every download's state; everything else holds an
//! [`EngineHandle`] and speaks the [`Command`] vocabulary, observing through [`Event`]s and
//! [`Snapshot`]s.
//!
//! - [`download`]: requests, states, the record kept per download.
//! - [`command`], [`event`]: what goes in and what comes out; `handle`: [`EngineHandle`].
//! - [`config`]: limits (live), retry policy, state file.
//! - [`scheduler`]: who runs next: essential, priority, age; per-host cap; preemption.
//! - `requests`: a new request against the download already under its id, and downloads whose
//!   bytes moved to another URL ([`Relocation`]); `verbs`: pause, resume, cancel, forget.
//! - [`worker`]: one HTTP attempt with Range resume (`resume`: where the partial file leaves
//!   off; [`job`]: what a worker is given and reports); [`transport`] checks every hop (HTTPS,
//!   allow list) and bounds the body; [`http`] reads the answer; [`sink`] hashes and writes on
//!   another thread, or [`held`] keeps a small body in memory until it is whole; `finishers`:
//!   the engine's threads that write held bodies, verify, rename and sync (`dirsync`: one
//!   folder sync shared by the renames of a moment); `verify` checks free space before and
//!   size and SHA-256 after.
//! - [`hosts`]: the connections open per host, claimed and given back, for the per-host cap.
//! - [`origins`]: mirrors: which origin a download uses, and moving to the next when it fails.
//! - [`segments`]: one big download over several connections (origins that cap each
//!   connection's rate), resumable per segment after a crash.
//! - [`limiter`]: the global bandwidth limit; [`retry`]: the progress-aware retry budget,
//!   backoff and `Retry-After`; `lifecycle`, `failure` and
//!   `waiting`: reports, retries, timers; `speed`:
//!   the bytes-per-second meter.
//! - [`persist`]: the queue on disk, saved atomically, restored forgivingly.
//! - [`allocator`]: glibc's thresholds raised at start-up, so streamed buffers are not faulted
//!   in again page by page.

pub mod actor;
pub mod allocator;
mod body;
mod clients;
pub mod command;
pub mod config;
mod destinations;
mod direct;
mod dirsync;
pub mod download;
pub mod event;
mod failover;
mod failure;
mod finishers;
mod handle;
pub mod held;
pub mod hosts;
pub mod http;
pub mod job;
mod lifecycle;
pub mod limiter;
mod namespace;
pub mod origins;
mod passes;
pub mod persist;
mod prepare;
mod requests;
mod resume;
pub mod retry;
pub mod scheduler;
pub mod segments;
pub mod sink;
mod speed;
pub mod transport;
mod verbs;
mod verify;
mod waiting;
pub mod worker;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

pub use command::{Command, Relocation, Targets};
pub use config::{EngineConfig, Limits, RetryPolicy, SegmentConfig};
pub use download::{Download, DownloadRequest, DownloadState, PauseReason, Priority, Validator};
pub use event::{Event, EventKind};
pub use handle::EngineHandle;
pub use scheduler::Wait;

use crate::model::ErrorKind;

/// Why the engine refused a command or could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The engine's actor is gone: nothing can be asked of it any more.
    #[error("the download engine has stopped")]
    Stopped,
    /// No download has this id.
    #[error("no download `{0}`")]
    UnknownDownload(String),
    /// A download with this id is already queued or running.
    #[error("download `{0}` is already scheduled")]
    AlreadyScheduled(String),
    /// A change that only means something for a scheduled download (its priority, its place)
    /// asked of one that is finished or cancelled.
    #[error("download `{id}` is not scheduled ({state}): {action} has nothing to change")]
    NotScheduled {
        /// The download's id.
        id: String,
        /// Where the download is instead: `finished` or `cancelled`.
        state: &'static str,
        /// The change asked for.
        action: &'static str,
    },
    /// A change that only means something for a scheduled download asked of one that failed:
    /// it must be scheduled again (or resumed) first.
    #[error("download `{id}` has already failed: {action} has nothing to change; resume it first")]
    AlreadyFailed {
        /// The download's id.
        id: String,
        /// The change asked for.
        action: &'static str,
    },
    /// The request cannot be downloaded as asked.
    #[error("download `{id}` is invalid: {problem}")]
    Invalid {
        /// The download's id.
        id: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A certificate file to trust could not be read.
    #[error("cannot read the certificate {path}")]
    Certificate {
        /// The certificate file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Http(String),
}

impl EngineError {
    /// The Background Assets error code for this refusal.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Stopped => ErrorKind::CallerConnectionNotAccepted,
            Self::UnknownDownload(_) => ErrorKind::DownloadDoesNotExist,
            Self::AlreadyScheduled(_) => ErrorKind::DownloadAlreadyScheduled,
            Self::NotScheduled { .. } => ErrorKind::DownloadNotScheduled,
            Self::AlreadyFailed { .. } => ErrorKind::DownloadAlreadyFailed,
            Self::Invalid { .. } => ErrorKind::DownloadInvalid,
            Self::Certificate { .. } | Self::Http(_) => ErrorKind::DownloadFailedToStart,
        }
    }
}

/// Every download's state at one moment, best ranked first.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Every download, best ranked first.
    pub downloads: Vec<Download>,
    /// The limits in force.
    pub limits: Limits,
}

impl Snapshot {
    /// The download `id`, if the engine has it.
    pub fn get(&self, id: &str) -> Option<&Download> {
        self.downloads.iter().find(|d| d.request.id == id)
    }
}

/// A running engine; dropping it without [`Engine::shutdown`] stops the actor abruptly.
pub struct Engine {
    handle: EngineHandle,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Engine {
    /// Starts an engine on the current tokio runtime, restoring its saved queue.
    pub fn start(config: EngineConfig) -> Result<Self, EngineError> {
        let clients = clients::Clients::new(&config)?;
        let (commands, command_receiver) = mpsc::channel(256);
        let (reports, report_receiver) = mpsc::channel(1024);
        let (events, _) = broadcast::channel(4096);
        let context = Arc::new(job::WorkerContext {
            clients,
            limiter: Arc::new(limiter::RateLimiter::new(config.limits.bytes_per_second)),
            reports,
            policy: config.retry.clone(),
            max_redirects: config.max_redirects.unwrap_or(10),
            insecure_hosts: config.insecure_hosts.clone(),
            max_body: config.max_body.unwrap_or(transport::DEFAULT_MAX_BODY),
            folders: Default::default(),
            segments: config.segments,
            hosts: hosts::HostConnections::new(config.limits.max_per_host),
            held: Default::default(),
            finishers: finishers::Finishers::new(worker::FINISHING),
        });
        let downloads = config
            .state_file
            .as_deref()
            .map(persist::load)
            .unwrap_or_default();
        let persister = config.state_file.clone().map(persist::Persister::start);
        let actor = actor::Actor::new(
            downloads,
            !config.hold_restored,
            config.limits,
            context,
            events.clone(),
            persister,
        );
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(actor.run(command_receiver, report_receiver, shutdown.clone()));
        Ok(Self {
            handle: EngineHandle { commands, events },
            shutdown,
            task,
        })
    }

    /// A handle to command and watch the engine.
    pub fn handle(&self) -> EngineHandle {
        self.handle.clone()
    }

    /// Stops every worker (keeping partial files), saves the queue and waits for the actor.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}
