//! Segmented downloads (issue 15): a big file from an origin that honours `Range` is fetched
//! over several connections at once, because real origins (CDNs, shared hosting) cap each
//! connection's rate. This module owns when to split ([`worth_splitting`]), the partial file's
//! segment record ([`sidecar`]), and the attempt itself ([`run`]).
//!
//! - The first response decides: a `200` for a file of at least
//!   [`SegmentConfig::threshold`](crate::engine::config::SegmentConfig) bytes with
//!   `Accept-Ranges: bytes` and a validator (or a pinned SHA-256) keeps streaming from byte 0 as
//!   the first connection; more connections ask for halves of what is left ([`plan`]), doubling
//!   while the total rate grows ([`ramp`]). An origin that ignores `Range` (a `200` to a range
//!   request) keeps the one connection it has.
//! - Connections per download: at most `max_connections` (8), and no more than the per-host cap
//!   leaves when the download starts (the connections other downloads hold there, and one for
//!   each queued one). Each further connection is claimed from the shared per-host count
//!   (`engine::hosts`) before it opens, so the cap holds while others start and end.
//! - Bytes go to the same `.partial` file (sparse, `total` bytes long) by positioned writes; the
//!   contiguous prefix is hashed as it grows ([`writer`]), so the SHA-256 needs no extra read.
//! - Crash safety: the record `PARTIAL.segments` is written (and synced) before the partial file
//!   is made `total` bytes long, and afterwards only after an `fdatasync` of the partial file,
//!   so the ranges it names are on disk; a resumed attempt fetches only the holes. No record
//!   (or one that does not fit the download) means the partial file is not trusted: it is
//!   deleted and the download starts over.

mod answer;
mod checkpoint;
mod connection;
pub mod extents;
pub mod plan;
pub mod ramp;
mod run;
pub mod sidecar;
pub mod window;
mod writer;

use std::path::Path;
use std::sync::Arc;

use reqwest::header::{ACCEPT_RANGES, HeaderMap};
use tokio_util::sync::CancellationToken;

use super::config::SegmentConfig;
use super::http::Failure;
use super::job::{Job, Report, WorkerContext};
use super::resume::validator_of;
use super::sink::{SinkDone, io_failure};
use extents::Extents;
use sidecar::Sidecar;

pub use ramp::connection_cap;

/// Whether a fresh download whose first answer was a `200` of `total` bytes with `headers` is
/// worth splitting: big enough, the origin says it serves ranges, and the bytes of different
/// requests can be told to belong together (a validator for `If-Range`, or a pinned SHA-256).
pub fn worth_splitting(config: &SegmentConfig, job: &Job, total: u64, headers: &HeaderMap) -> bool {
    let ranges = headers
        .get(ACCEPT_RANGES)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|unit| unit.trim().eq_ignore_ascii_case("bytes"))
        });
    let vouched = validator_of(headers).if_range().is_some() || job.request.sha256.is_some();
    job.connections > 1 && total >= config.threshold.max(1) && ranges && vouched
}

/// Takes over a fresh download whose `response` (a `200` of `total` bytes) is streaming: the
/// record first (synced), then the partial file made `total` bytes long, then the connections.
pub async fn take_over(
    context: &Arc<WorkerContext>,
    job: &Job,
    cancel: &CancellationToken,
    response: reqwest::Response,
    total: u64,
) -> Result<SinkDone, Failure> {
    let partial = job.request.partial_path();
    let validator = validator_of(response.headers());
    let record = Sidecar {
        total,
        validator: validator.if_range().map(str::to_string),
        extents: Extents::default(),
    };
    let prepare = || -> std::io::Result<std::fs::File> {
        sidecar::save(&partial, &record)?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&partial)?;
        file.set_len(total)?;
        Ok(file)
    };
    let file = prepare().map_err(|e| io_failure(&partial, e))?;
    let mut job = job.clone();
    job.validator = validator;
    run::run(context, job, cancel, Some(response), record, file).await
}

/// The segment record of `job`'s partial file when it can be resumed: it exists, fits the
/// download (size, validator) and the partial file has its size. The validator fits when it is
/// the download's, or when the download has none but pins its SHA-256 (it moved to another URL,
/// whose server has not answered yet: the final check catches bytes that do not belong
/// together). A record that does not fit makes the partial file untrusted: both are deleted,
/// and the download starts over.
pub fn restore(job: &Job) -> Option<Sidecar> {
    let partial = job.request.partial_path();
    // Not there (the usual case) is one failed open; a record that cannot be read is there.
    let (record, exists) = match sidecar::load(&partial) {
        Ok(record) => {
            let exists = record.is_some();
            (record, exists)
        }
        Err(_) => (None, true),
    };
    let fits = record.filter(|record| {
        let size = std::fs::metadata(&partial).map(|m| m.len()).ok();
        let pinned = job.request.sha256.is_some();
        let vouched = record.validator.is_some() || pinned;
        let validator = record.validator.as_deref() == job.validator.if_range()
            || (job.validator.if_range().is_none() && pinned);
        job.request.expected_size.is_none_or(|e| e == record.total)
            && validator
            && size == Some(record.total)
            && vouched
    });
    if fits.is_none() && exists {
        sidecar::remove_with_partial(&partial);
    }
    fits
}

/// Resumes a segmented download from its `record`: only the holes are fetched.
pub async fn resume(
    context: &Arc<WorkerContext>,
    job: &Job,
    cancel: &CancellationToken,
    record: Sidecar,
) -> Result<SinkDone, Failure> {
    let partial = job.request.partial_path();
    let report = Report::Response {
        id: job.request.id.clone(),
        validator: job.validator.clone(),
        total: Some(record.total),
        from: record.extents.covered(),
    };
    let _ = context.reports.send(report).await;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&partial)
        .map_err(|e| io_failure(&partial, e))?;
    run::run(context, job.clone(), cancel, None, record, file).await
}

/// The bytes a partial file holds: what its segment record names, or its length.
pub fn kept_bytes(partial: &Path) -> u64 {
    match sidecar::load(partial) {
        Ok(Some(record)) => record.extents.covered(),
        // A record that cannot be trusted: the next attempt starts over.
        Err(_) => 0,
        Ok(None) => std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0),
    }
}

/// Deletes a partial file and its segment record.
pub fn remove_partial(partial: &Path) {
    sidecar::remove_with_partial(partial);
}
