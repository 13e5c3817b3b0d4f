//! Where a download's bytes come from when its request lists mirrors (issue 16): the request's
//! `url` and its `mirrors` are origins of the same bytes (the pinned SHA-256 says so). This
//! module owns what the engine remembers of each origin (its measured speed, when it last
//! failed), the order origins are tried in ([`order`]), which failures another origin may not
//! have ([`may_fail_over`]), and the request one attempt sends to its origin ([`request_for`]).
//!
//! - A series of attempts (a new download, a resume) starts on the best origin: the ones that
//!   did not fail in the last [`FAILED_FOR`] first, the fastest measured first among them, then
//!   the unmeasured ones in the listed order; origins that failed recently come last, the one
//!   that failed longest ago first.
//! - A failure that is about the origin (a server error, a refused or reset connection, a
//!   stall, a missing file, an expired presigned URL, a redirect to a host not allowed) marks
//!   it failed and moves the download to the next origin, resuming its partial file there
//!   (the old server's validator is dropped: the pinned SHA-256 vouches for the bytes).
//! - The app's headers (a bearer token) go to the primary URL's origin only, never to a
//!   mirror.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use super::download::DownloadRequest;
use super::http::Failure;
use crate::model::ErrorKind;

/// The most mirrors one request may list.
pub const MAX_MIRRORS: usize = 16;

/// How long an origin that failed is tried after the others.
pub const FAILED_FOR: Duration = Duration::from_secs(300);

/// The least an attempt must move for its speed to be a measure of its origin (a few kilobytes
/// say more about latency than about bandwidth).
const MEASURE_BYTES: u64 = 256 << 10;
/// The shortest time a measure is taken over: a quarter MiB in less is "very fast", not
/// infinitely fast.
const MEASURE_TIME: Duration = Duration::from_millis(10);

/// How many origins `request` has: its URL and its mirrors.
pub fn count(request: &DownloadRequest) -> usize {
    1 + request.mirrors.len()
}

/// Origin `index` of `request` (0: its URL, then its mirrors in order); the URL when `index`
/// is past the end (a request replaced by one with fewer mirrors).
pub fn url(request: &DownloadRequest, index: usize) -> &Url {
    match index.checked_sub(1) {
        Some(mirror) => request.mirrors.get(mirror).unwrap_or(&request.url),
        None => &request.url,
    }
}

/// The key origins are remembered by: scheme, host and port.
pub fn key(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The request one attempt sends to origin `index`: that origin's URL, no mirrors, and the
/// app's headers only when it is the primary URL's origin.
pub fn request_for(request: &DownloadRequest, index: usize) -> DownloadRequest {
    let url = url(request, index).clone();
    let mut one = request.clone();
    if url.origin() != request.url.origin() {
        one.headers.clear();
    }
    one.url = url;
    one.mirrors.clear();
    one
}

/// What the engine remembers of one origin URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OriginStats {
    /// Bytes per second of the attempts its server (scheme, host, port) served, a moving
    /// average, once measured.
    pub bytes_per_second: Option<u64>,
    /// When this URL last failed in a way another origin may not. Kept per URL, not per
    /// server: an expired presigned URL fails where a fresh one on the same host does not.
    pub failed_at: Option<Instant>,
}

/// What is known of every origin: speeds by server ([`key`]), failures by URL (forgotten
/// after [`FAILED_FOR`]).
#[derive(Debug, Default)]
pub struct Stats {
    speeds: HashMap<String, u64>,
    failures: HashMap<String, Instant>,
}

impl Stats {
    /// What is known of `url`.
    pub fn of(&self, url: &Url) -> OriginStats {
        OriginStats {
            bytes_per_second: self.speeds.get(&key(url)).copied(),
            failed_at: self.failures.get(url.as_str()).copied(),
        }
    }

    /// An attempt on `url` moved `bytes` in `elapsed`: a measure of its server's speed when it
    /// moved enough to say, folded into the average (new measures weigh half).
    pub fn measured(&mut self, url: &Url, bytes: u64, elapsed: Duration) {
        if bytes < MEASURE_BYTES {
            return;
        }
        let speed = (bytes as f64 / elapsed.max(MEASURE_TIME).as_secs_f64()) as u64;
        let average = self.speeds.entry(key(url)).or_insert(speed);
        *average = *average / 2 + speed / 2;
    }

    /// `url` failed at `now`; failures older than [`FAILED_FOR`] are forgotten.
    pub fn failed(&mut self, url: &Url, now: Instant) {
        self.failures
            .retain(|_, at| now.saturating_duration_since(*at) < FAILED_FOR);
        self.failures.insert(url.as_str().to_string(), now);
    }
}

/// Whether `stats` failed within [`FAILED_FOR`] of `now`.
pub fn failed_recently(stats: &OriginStats, now: Instant) -> bool {
    stats
        .failed_at
        .is_some_and(|at| now.saturating_duration_since(at) < FAILED_FOR)
}

/// `request`'s origins, best first (see the module's documentation).
pub fn order(request: &DownloadRequest, stats: &Stats, now: Instant) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..count(request)).collect();
    indices.sort_by_key(|&index| {
        let of = stats.of(url(request, index));
        let failed = failed_recently(&of, now);
        // Failed ones: the one that failed longest ago first; the others: fastest first,
        // unmeasured after measured; ties keep the listed order (the sort is stable).
        let failed_order = of.failed_at.filter(|_| failed);
        let speed = std::cmp::Reverse(of.bytes_per_second.unwrap_or(0));
        (failed, failed_order, of.bytes_per_second.is_none(), speed)
    });
    indices
}

/// Whether another origin may not fail like this: trouble with the server or the way to it,
/// a file missing or refused there, a redirect to a host not allowed, bytes that did not fit.
/// Not the local disk, a cancellation or the app's allowance.
pub fn may_fail_over(failure: &Failure) -> bool {
    matches!(
        failure.error.kind,
        ErrorKind::HttpStatus
            | ErrorKind::Network
            | ErrorKind::Timeout
            | ErrorKind::HostNotAllowed
            | ErrorKind::SessionDownloadDisallowedByDomain
            | ErrorKind::SizeMismatch
            | ErrorKind::ChecksumMismatch
    )
}

/// The origin to move to after origin `current` of `request` failed (already marked in
/// `stats`): the best one that is not `current`, when there is one.
pub fn next(
    request: &DownloadRequest,
    current: usize,
    stats: &Stats,
    now: Instant,
) -> Option<usize> {
    order(request, stats, now)
        .into_iter()
        .find(|&index| index != current && url(request, index) != url(request, current))
}

#[cfg(test)]
#[path = "origins_tests.rs"]
mod tests;
