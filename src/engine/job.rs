//! What a worker is given and what it reports: the [`Job`] of one attempt, the
//! [`WorkerContext`] every worker shares, and the [`Report`]s it sends the actor. Apart from
//! the worker itself, so the parts of an attempt (`transport`, `verify`) and the actor use
//! them without depending on one another.

// Public items still to be documented (issue 12): the lead's next commit.
#![allow(missing_docs)]

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
    pub request: DownloadRequest,
    pub validator: Validator,
    /// Discard the partial file first.
    pub restart: bool,
}

/// A finished, verified download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    pub sha256: Sha256Digest,
    pub size: u64,
}

/// What workers tell the engine.
#[derive(Debug)]
pub enum Report {
    /// The server answered: what to resume with next time, and the total size.
    Response {
        id: String,
        validator: Validator,
        total: Option<u64>,
        from: u64,
    },
    Progress {
        id: String,
        bytes_done: u64,
    },
    Verifying {
        id: String,
    },
    /// The attempt ended; the partial file is flushed and synced.
    Done {
        id: String,
        result: Result<Finished, Failure>,
    },
}

/// What every worker shares.
#[derive(Debug)]
pub struct WorkerContext {
    pub client: reqwest::Client,
    pub limiter: Arc<RateLimiter>,
    pub reports: mpsc::Sender<Report>,
    pub policy: RetryPolicy,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Hosts plain HTTP may reach besides loopback (`--allow-insecure-host`).
    pub insecure_hosts: Vec<String>,
    /// The largest body taken when neither the request nor the server says the size.
    pub max_body: u64,
}
