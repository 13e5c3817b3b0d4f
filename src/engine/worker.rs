//! One attempt at one download: ask for the bytes the partial file lacks, check what the server
//! answered, stream the body through the bandwidth limiter into the [`FileSink`], verify size and
//! SHA-256, and rename the partial file into place. The engine decides what a failure means.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{ACCEPT_ENCODING, ETAG, HeaderMap, IF_RANGE, LAST_MODIFIED, LOCATION, RANGE};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};
use tokio_util::sync::CancellationToken;

use super::RetryPolicy;
use super::download::{DownloadRequest, Validator};
use super::http::{self, Failure, Plan};
use super::limiter::RateLimiter;
use super::sink::{FileSink, io_failure};
use crate::model::{ErrorKind, Sha256Digest};

/// How often a worker reports progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

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
}

/// Runs one attempt and reports how it ended.
pub async fn run(context: Arc<WorkerContext>, job: Job, cancel: CancellationToken) {
    let id = job.request.id.clone();
    let result = attempt(&context, &job, &cancel).await;
    let _ = context.reports.send(Report::Done { id, result }).await;
}

fn cancelled(url: &str) -> Failure {
    Failure::fatal(ErrorKind::Cancelled, format!("{url}: stopped"))
}

async fn attempt(
    context: &WorkerContext,
    job: &Job,
    cancel: &CancellationToken,
) -> Result<Finished, Failure> {
    let request = &job.request;
    let url = request.url.as_str();
    let partial = request.partial_path();
    if let Some(dir) = partial.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_failure(dir, e))?;
    }
    let from = resume_offset(job);
    check_space(
        &partial,
        request.expected_size.map(|e| e.saturating_sub(from)),
    )?;

    let response = tokio::select! {
        _ = cancel.cancelled() => return Err(cancelled(url)),
        response = follow_redirects(context, job, from) => response?,
    };
    let final_url = response.url().to_string();
    let plan = http::plan(
        &final_url,
        response.status(),
        response.headers(),
        from,
        request.expected_size,
    )?;
    let (start, total) = match plan {
        Plan::Append { from, total } => (from, total),
        Plan::FromStart { total } => (0, total),
        Plan::Complete { total } => (total, Some(total)),
    };
    let report = Report::Response {
        id: request.id.clone(),
        validator: validator_of(response.headers()),
        total,
        from: start,
    };
    let _ = context.reports.send(report).await;
    if request.expected_size.is_none() {
        check_space(&partial, total.map(|t| t.saturating_sub(start)))?;
    }

    let mut sink = FileSink::open(partial.clone(), start);
    let streamed = if matches!(plan, Plan::Complete { .. }) {
        Ok(())
    } else {
        stream_body(context, job, response, &mut sink, start, cancel).await
    };
    let written = sink.finish().await;
    let written = match (streamed, written) {
        (_, Err(sink_failure)) => return Err(sink_failure),
        (Err(failure), _) => return Err(failure),
        (Ok(()), Ok(written)) => written,
    };
    if let Some(total) = total
        && written.length != total
    {
        return Err(Failure::transient(
            ErrorKind::Network,
            format!(
                "{final_url}: the connection closed after {} of {total} bytes",
                written.length
            ),
        ));
    }
    let _ = context
        .reports
        .send(Report::Verifying {
            id: request.id.clone(),
        })
        .await;
    verify_and_install(job, written.sha256, written.length)
}

/// Sends the GET (ranged from `from` when resuming), following redirects by hand so every hop's
/// host is checked against the request's allow list.
async fn follow_redirects(
    context: &WorkerContext,
    job: &Job,
    from: u64,
) -> Result<reqwest::Response, Failure> {
    let request = &job.request;
    let mut url = request.url.clone();
    for _ in 0..=context.max_redirects {
        check_host(&url, request)?;
        let mut builder = context
            .client
            .get(url.clone())
            .header(ACCEPT_ENCODING, "identity");
        if from > 0
            && let Some(validator) = job.validator.if_range()
        {
            builder = builder
                .header(RANGE, format!("bytes={from}-"))
                .header(IF_RANGE, validator);
        }
        let timeout_after = context.policy.connect_timeout;
        let response = match timeout(timeout_after, builder.send()).await {
            Err(_) => {
                return Err(Failure::transient(
                    ErrorKind::Timeout,
                    format!("{url}: no answer within {timeout_after:?}"),
                ));
            }
            Ok(Err(error)) => return Err(request_failure(url.as_str(), &error)),
            Ok(Ok(response)) => response,
        };
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok());
        match (response.status().is_redirection(), location) {
            (true, Some(location)) => {
                url = url.join(location).map_err(|e| {
                    Failure::fatal(
                        ErrorKind::DownloadInvalid,
                        format!("{url}: redirect to `{location}`, which is not a URL: {e}"),
                    )
                })?;
            }
            _ => return Ok(response),
        }
    }
    Err(Failure::fatal(
        ErrorKind::DownloadInvalid,
        format!(
            "{}: more than {} redirects",
            request.url, context.max_redirects
        ),
    ))
}

/// Refuses a URL whose host the request's allow list does not cover.
fn check_host(url: &url::Url, request: &DownloadRequest) -> Result<(), Failure> {
    if request.allowed_hosts.is_empty() {
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default();
    if request.allowed_hosts.iter().any(|p| p.matches(host)) {
        return Ok(());
    }
    let via = if url == &request.url {
        String::new()
    } else {
        format!(" (redirected from {})", request.url)
    };
    Err(Failure::fatal(
        ErrorKind::SessionDownloadDisallowedByDomain,
        format!("{url}{via}: host `{host}` is not in BADownloadDomainAllowList"),
    ))
}

/// Where to resume: the partial file's length, unless it cannot be trusted.
fn resume_offset(job: &Job) -> u64 {
    let partial = job.request.partial_path();
    if job.restart {
        let _ = std::fs::remove_file(&partial);
        return 0;
    }
    let length = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    let too_long = job.request.expected_size.is_some_and(|e| length > e);
    if too_long || job.validator.if_range().is_none() {
        0 // without a validator the server cannot tell us whether the bytes still match
    } else {
        length
    }
}

async fn stream_body(
    context: &WorkerContext,
    job: &Job,
    response: reqwest::Response,
    sink: &mut FileSink,
    start: u64,
    cancel: &CancellationToken,
) -> Result<(), Failure> {
    let url = response.url().to_string();
    let id = &job.request.id;
    let stall = context.policy.stall_timeout;
    let mut stream = response.bytes_stream();
    let mut done = start;
    let mut last_report = Instant::now();
    loop {
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(cancelled(&url)),
            next = timeout(stall, stream.next()) => next,
        };
        let chunk = match next {
            Err(_) => {
                return Err(Failure::transient(
                    ErrorKind::Timeout,
                    format!(
                        "{url}: no data for {} s after {done} bytes",
                        stall.as_secs()
                    ),
                ));
            }
            Ok(None) => return Ok(()),
            Ok(Some(Err(error))) => return Err(request_failure(&url, &error)),
            Ok(Some(Ok(chunk))) => chunk,
        };
        // Under a bandwidth limit a chunk (up to 1 MiB on loopback) is passed on in slices of
        // a fiftieth of a second's worth, each paid for on its own, so the rate holds over
        // short windows too.
        let slice = context.limiter.slice_size().unwrap_or(chunk.len()).max(1);
        let mut rest = chunk;
        while !rest.is_empty() {
            let piece = rest.split_to(slice.min(rest.len()));
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(cancelled(&url)),
                _ = context.limiter.acquire(piece.len() as u64) => {}
            }
            done += piece.len() as u64;
            if !sink.write(piece).await {
                return Ok(()); // the writer stopped; its error comes from finish()
            }
        }
        if last_report.elapsed() >= PROGRESS_EVERY {
            last_report = Instant::now();
            let report = Report::Progress {
                id: id.clone(),
                bytes_done: done,
            };
            let _ = context.reports.send(report).await;
        }
    }
}

fn verify_and_install(job: &Job, sha256: Sha256Digest, size: u64) -> Result<Finished, Failure> {
    let request = &job.request;
    let partial = request.partial_path();
    if let Some(expected) = request.expected_size
        && expected != size
    {
        let _ = std::fs::remove_file(&partial);
        return Err(Failure::fatal(
            ErrorKind::SizeMismatch,
            format!(
                "{}: {size} bytes received, {expected} expected",
                request.url
            ),
        )
        .restarting());
    }
    if let Some(expected) = request.sha256
        && expected != sha256
    {
        let _ = std::fs::remove_file(&partial);
        return Err(Failure::fatal(
            ErrorKind::ChecksumMismatch,
            format!("{}: SHA-256 is {sha256}, {expected} expected", request.url),
        )
        .restarting());
    }
    std::fs::rename(&partial, &request.destination)
        .map_err(|e| io_failure(&request.destination, e))?;
    crate::store::atomic::sync_parent(&request.destination);
    Ok(Finished { sha256, size })
}

/// Refuses to start when the disk holding `partial` has less than `needed` bytes free.
fn check_space(partial: &std::path::Path, needed: Option<u64>) -> Result<(), Failure> {
    let (Some(needed), Some(dir)) = (needed, partial.parent()) else {
        return Ok(());
    };
    match fs4::available_space(dir) {
        Ok(free) if free < needed => Err(Failure::fatal(
            ErrorKind::DiskFull,
            format!("{}: {needed} bytes needed, {free} free", dir.display()),
        )),
        _ => Ok(()),
    }
}

fn validator_of(headers: &HeaderMap) -> Validator {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Validator {
        etag: text(ETAG),
        last_modified: text(LAST_MODIFIED),
    }
}

/// A reqwest error as a failure: timeouts and connection trouble are transient.
fn request_failure(url: &str, error: &reqwest::Error) -> Failure {
    let mut message = format!("{url}: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    if error.is_timeout() {
        Failure::transient(ErrorKind::Timeout, message)
    } else if error.is_redirect() || error.is_builder() {
        Failure::fatal(ErrorKind::DownloadInvalid, message)
    } else {
        Failure::transient(ErrorKind::Network, message)
    }
}
