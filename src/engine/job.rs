//! What a worker is given and what it reports: the [`Job`] of one attempt, the
//! [`WorkerContext`] every worker shares, and the [`Report`]s it sends the actor. Apart from
//! the worker itself, so the parts of an attempt (`transport`, `verify`) and the actor use
//! them without depending on one another.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::RetryPolicy;
use super::download::{DownloadRequest, Validator};
use super::http::Failure;
use super::limiter::RateLimiter;
use crate::model::Sha256Digest;

/// What a worker is asked to do.
#[derive(Debug, Clone)]
pub struct Job {
    /// The download this attempt is for.
    pub request: DownloadRequest,
    /// What the server said last time, to resume the same bytes (`If-Range`).
    pub validator: Validator,
    /// Discard the partial file first.
    pub restart: bool,
    /// The most connections this attempt may open (a segmented download; see
    /// `engine::segments`): `1` keeps it to one.
    pub connections: usize,
}

/// A finished, verified download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// The file's SHA-256, hashed while streaming.
    pub sha256: Sha256Digest,
    /// The file's size in bytes.
    pub size: u64,
}

/// What workers tell the engine.
#[derive(Debug)]
pub enum Report {
    /// The server answered: what to resume with next time, and the total size.
    Response {
        /// The download's id.
        id: String,
        /// The server's validator for the bytes, to resume them next time.
        validator: Validator,
        /// The file's total size, when the server says it.
        total: Option<u64>,
        /// The byte the transfer starts at (`0` when it starts over).
        from: u64,
    },
    /// More bytes are written to the partial file.
    Progress {
        /// The download's id.
        id: String,
        /// Bytes of the file written so far.
        bytes_done: u64,
    },
    /// A segmented download opened or closed connections: how many are open now (the per-host
    /// cap counts them).
    Connections {
        /// The download's id.
        id: String,
        /// Connections open.
        open: usize,
    },
    /// Every byte is in; the file is being checked.
    Verifying {
        /// The download's id.
        id: String,
    },
    /// The attempt ended; the partial file is flushed and synced.
    Done {
        /// The download's id.
        id: String,
        /// The verified file, or why the attempt failed.
        result: Result<Finished, Failure>,
    },
}

/// What every worker shares.
#[derive(Debug)]
pub struct WorkerContext {
    /// The HTTP clients every request goes through (plain HTTP, and HTTPS built on first use).
    pub clients: super::clients::Clients,
    /// The bandwidth limit shared by all workers.
    pub limiter: Arc<RateLimiter>,
    /// Where workers send their reports to the engine.
    pub reports: mpsc::Sender<Report>,
    /// How attempts time out and retry.
    pub policy: RetryPolicy,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Hosts plain HTTP may reach besides loopback (`--allow-insecure-host`).
    pub insecure_hosts: Vec<String>,
    /// The largest body taken when neither the request nor the server says the size.
    pub max_body: u64,
    /// Folder syncs after a finished download's rename, shared so that workers finishing
    /// together share one sync.
    pub(super) folders: Arc<super::dirsync::DirSyncer>,
    /// When a download is split across several connections.
    pub segments: super::config::SegmentConfig,
    /// The connections open per host, for the per-host cap.
    pub hosts: Arc<super::hosts::HostConnections>,
    /// The memory small bodies held until written may take together.
    pub(super) held: super::held::HeldBudget,
    /// The threads that finish downloads (writing a held body, checking, renaming, syncing):
    /// [`super::worker::FINISHING`] of them.
    pub(super) finishers: super::finishers::Finishers,
}
