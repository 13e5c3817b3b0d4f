//! One attempt at one download: ask for the bytes the partial file lacks, check what the server
//! answered, stream the body through the bandwidth limiter into the [`FileSink`], verify size and
//! SHA-256, and rename the partial file into place. The engine decides what a failure means.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::body;
use super::finishers::Unfinished;
use super::held::HeldBody;
use super::http::{self, Failure, Plan};
use super::job::{Finished, Job, Report, WorkerContext};
use super::prepare::{self, Prepared};
use super::resume::{self, Resume};
use super::segments;
use super::sink::{FileSink, Written};
use super::transport;
use super::verify;
use crate::model::ErrorKind;

/// Downloads finishing at once (writing a held body, checking, renaming, syncing), at most:
/// the threads of [`Finishers`](super::finishers::Finishers); more wait in its queue. On two
/// cores 8 spent a sixth less CPU than a thread each for 500 small files, and 4 were too few
/// to keep the disk busy (docs/performance.md, finishing turns). Since held bodies are written
/// past the page cache ([`super::direct`]) a finishing thread mostly waits for the disk, and 16
/// kept it busier than 8 (the same page, "Direct writes").
pub(super) const FINISHING: usize = 16;

/// How often a worker reports progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// How an attempt is told to stop: `cancel` for any stop (it ends the transfer), `discard`
/// only when the download is cancelled (a file it has verified is then not put in place).
pub struct Stops {
    /// Any stop: pause, cancel, shutdown, relocation.
    pub cancel: CancellationToken,
    /// The download was cancelled.
    pub discard: CancellationToken,
}

/// Runs one attempt and reports how it ended.
pub async fn run(context: Arc<WorkerContext>, job: Job, stops: Stops) {
    let id = job.request.id.clone();
    let result = attempt(&context, &job, &stops).await;
    let _ = context.reports.send(Report::Done { id, result }).await;
}

pub(super) fn cancelled(url: &str) -> Failure {
    Failure::fatal(ErrorKind::Cancelled, format!("{url}: stopped"))
}

async fn attempt(
    context: &Arc<WorkerContext>,
    job: &Job,
    stops: &Stops,
) -> Result<Finished, Failure> {
    let cancel = &stops.cancel;
    let prepared = {
        let (context, job) = (Arc::clone(context), job.clone());
        tokio::task::spawn_blocking(move || {
            context.clients.warm(&job.request.url);
            prepare::prepare(&job)
        })
    };
    let prepared = prepared.await.map_err(|join| {
        let partial = job.request.partial_path();
        Failure::fatal(
            ErrorKind::Io,
            format!(
                "{}: the thread looking at its partial file stopped: {join}",
                partial.display()
            ),
        )
    })??;
    let written = match prepared {
        Prepared::Segmented(record) => {
            Written::Synced(segments::resume(context, job, cancel, record).await?)
        }
        Prepared::Single { resume, free } => fetch(context, job, cancel, resume, free).await?,
    };
    // Writing a held body, the checks, the rename and the folder sync block: off the async
    // threads, so that the other workers' streams keep flowing while this one waits for the disk.
    let final_url = crate::model::url_shown::shown_url(&job.request.url);
    let (folders, job) = (Arc::clone(&context.folders), job.clone());
    let discard = stops.discard.clone();
    let finished = context.finishers.run(move || {
        let written = written.into_synced()?;
        verify::verify_and_install(&job, written.sha256, written.length, &folders, &discard)
    });
    finished.await.unwrap_or_else(|unfinished| {
        Err(match unfinished {
            Unfinished::Stopped => Failure::fatal(
                ErrorKind::Io,
                format!("{final_url}: the thread installing the file stopped"),
            ),
            Unfinished::NoThread => Failure::transient(
                ErrorKind::Io,
                format!("{final_url}: no thread could be started to install the file"),
            ),
        })
    })
}

/// Fetches the bytes the partial file lacks over one connection (or hands the download to
/// [`segments`] when its first answer makes it worth splitting): the synced file's digest, or
/// a small body still held in memory ([`held`](super::held)).
async fn fetch(
    context: &Arc<WorkerContext>,
    job: &Job,
    cancel: &CancellationToken,
    Resume { from, found }: Resume,
    free: Option<u64>,
) -> Result<Written, Failure> {
    let request = &job.request;
    let url = &crate::model::url_shown::shown_url(&request.url);
    let partial = request.partial_path();
    prepare::check_space(
        &partial,
        request.expected_size.map(|e| e.saturating_sub(from)),
        free,
    )?;

    let response = tokio::select! {
        _ = cancel.cancelled() => return Err(cancelled(url)),
        response = transport::follow_redirects(context, job, from) => response?,
    };
    let final_url = crate::model::url_shown::shown_url(response.url());
    let plan = http::plan(
        &final_url,
        response.status(),
        response.headers(),
        from,
        request.expected_size,
    )?;
    let now = resume::validator_of(response.headers());
    // A 206 of another version (If-Range ignored): its bytes must not follow the old ones.
    if let (Plan::Append { .. }, Some(now), Some(then)) =
        (plan, now.if_range(), job.validator.if_range())
        && now != then
    {
        return Err(Failure::transient(
            ErrorKind::Network,
            format!("{final_url}: the file changed on the server (its validator is not the same); starting over"),
        )
        .restarting());
    }
    let (start, total) = match plan {
        Plan::Append { from, total } => (from, total),
        Plan::FromStart { total } => (0, total),
        Plan::Complete { total } => (total, Some(total)),
    };
    let report = Report::Response {
        id: request.id.clone(),
        validator: now,
        total,
        from: start,
    };
    let _ = context.reports.send(report).await;
    let cap = transport::Cap::of(request.max_size, context.max_body);
    if request.expected_size.is_none() {
        transport::check_unsized(&final_url, total, cap)?;
        prepare::check_space(&partial, total.map(|t| t.saturating_sub(start)), free)?;
    }
    let limit = transport::body_limit(request.expected_size, total, cap.bytes);
    if let Plan::FromStart { total: Some(total) } = plan
        && segments::worth_splitting(&context.segments, job, total, response.headers())
    {
        return Ok(Written::Synced(
            segments::take_over(context, job, cancel, response, total).await?,
        ));
    }

    let room = match plan {
        Plan::FromStart { .. } => context.held.reserve(limit),
        _ => None,
    };
    let mut sink = match room {
        Some(room) => {
            // Bytes of an earlier attempt go now, as the writer thread's truncation would
            // have dropped them (the held body reaches the disk only at its end): left there,
            // a resume after a crash could take them for the new version's. Neither that
            // truncation nor this unlink is synced: the same window as before.
            if found > 0 {
                segments::remove_partial(&partial);
            }
            FileSink::Held(HeldBody::new(partial.clone(), room))
        }
        None => FileSink::open(partial.clone(), start),
    };
    let streamed = if matches!(plan, Plan::Complete { .. }) {
        Ok(start)
    } else {
        let body = Body { start, limit };
        stream_body(context, job, response, &mut sink, body, cancel).await
    };
    // Every byte is in: the download leaves its transfer slot (the engine starts the next one)
    // while the file is synced (by the writer thread, or a held body written in `attempt`),
    // checked and renamed into place.
    if let Ok(end) = streamed
        && total.is_none_or(|total| total == end)
    {
        let verifying = Report::Verifying {
            id: request.id.clone(),
        };
        let _ = context.reports.send(verifying).await;
    }
    let written = sink.finish().await;
    let written = match (streamed, written) {
        (_, Err(sink_failure)) => return Err(sink_failure),
        (Err(failure), Ok(written)) => return Err(keep_for_resume(written, failure).await),
        (Ok(_), Ok(written)) => written,
    };
    if let Some(total) = total
        && written.length() != total
    {
        let cut = Failure::transient(
            ErrorKind::Network,
            format!(
                "{final_url}: the connection closed after {} of {total} bytes",
                written.length()
            ),
        );
        return Err(keep_for_resume(written, cut).await);
    }
    Ok(written)
}

/// A body that ended in `failure`: a held one is written out all the same (as the writer
/// thread would have), so the next attempt resumes from what arrived. A failure to write it
/// loses only those bytes (the next attempt starts from what the file holds); it is logged, and
/// the attempt's own failure is what is reported.
async fn keep_for_resume(written: Written, failure: Failure) -> Failure {
    if let Written::Held(body) = written {
        let partial = body.partial().to_path_buf();
        let kept = tokio::task::spawn_blocking(move || body.write()).await;
        let trouble = match kept {
            Ok(Ok(_)) => None,
            Ok(Err(write)) => Some(write.error.message),
            Err(join) => Some(format!("the thread writing it stopped: {join}")),
        };
        if let Some(trouble) = trouble {
            tracing::warn!(
                partial = %partial.display(),
                "the bytes of a cut-short download were not kept for its resume: {trouble}"
            );
        }
    }
    failure
}

/// Where a body's bytes go in the partial file: from `start`, never past `limit`.
#[derive(Debug, Clone, Copy)]
struct Body {
    start: u64,
    limit: u64,
}

/// Streams the body into the sink, cutting it at the first byte beyond `body.limit`: the sink
/// never receives a byte past it, and the attempt fails ([`transport::too_long`]). Returns the
/// offset the body ended at.
async fn stream_body(
    context: &WorkerContext,
    job: &Job,
    response: reqwest::Response,
    sink: &mut FileSink,
    body: Body,
    cancel: &CancellationToken,
) -> Result<u64, Failure> {
    let Body { start, limit } = body;
    let full_url = response.url().clone();
    let url = crate::model::url_shown::shown_url(&full_url);
    let id = &job.request.id;
    let stall = context.policy.stall_timeout;
    let mut stream = response.bytes_stream();
    let mut done = start;
    let mut last_report = Instant::now();
    loop {
        let stalled_at = || format!("after {done} bytes");
        let Some(chunk) =
            body::next_chunk(&mut stream, &full_url, stall, cancel, stalled_at).await?
        else {
            return Ok(done);
        };
        let (chunk, over) = match transport::take(done, chunk.len(), limit) {
            Ok(_) => (chunk, false),
            Err(keep) => (chunk.slice(..keep), true),
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
                return Ok(done); // the writer stopped; its error comes from finish()
            }
        }
        if over {
            return Err(transport::too_long(&url, limit, job.request.expected_size));
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
