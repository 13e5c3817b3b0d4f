//! One attempt of a segmented download: the connections, the [`Ramp`] that adds them after each
//! measuring [`Window`] while the total rate grows, the progress reports, and the ending: every
//! connection stopped, the writer synced and its record saved, then the digest or why not.

use std::fs::File;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::connection::{connection, plan};
use super::plan::Plan;
use super::ramp::Ramp;
use super::sidecar::Sidecar;
use super::window::{self, Window};
use super::writer::{Chunks, Writer};
use crate::engine::http::Failure;
use crate::engine::job::{Job, Report, WorkerContext};
use crate::engine::sink::SinkDone;
use crate::engine::worker::cancelled;
use crate::model::ErrorKind;
use crate::model::url_shown::shown_url;

/// How often progress is reported, and, once the ramp is over, how often connections the
/// host's cap refused are asked for again.
pub const REPORT_EVERY: Duration = Duration::from_millis(250);
/// The smallest span split off (a split is worth a new request).
pub const MIN_SPLIT: u64 = 1 << 20;

/// What the connections of one attempt share.
pub(super) struct Shared {
    pub context: Arc<WorkerContext>,
    /// The job, with the validator the bytes are fetched under (for `If-Range`).
    pub job: Job,
    pub plan: Mutex<Plan>,
    pub total: u64,
    /// Bytes handed to the writer this attempt.
    pub received: AtomicU64,
    /// The origin answered a range request with the whole file: no more connections.
    pub refused: AtomicBool,
    /// Connections that have had their first answer, or ended without one.
    pub answered: AtomicUsize,
    pub chunks: Chunks,
    pub cancel: CancellationToken,
}

/// Fetches the holes of `record` into `file` over up to `job.connections` connections;
/// `first` is a response already streaming the file from byte 0 (the first hole).
pub(super) async fn run(
    context: &Arc<WorkerContext>,
    job: Job,
    cancel: &CancellationToken,
    first: Option<reqwest::Response>,
    record: Sidecar,
    file: File,
) -> Result<SinkDone, Failure> {
    let url = shown_url(&job.request.url);
    let host = job.request.url.host_str().unwrap_or_default().to_string();
    let id = job.request.id.clone();
    let (total, base) = (record.total, record.extents.covered());
    let mut spans = Plan::new(&record.extents.holes(total), MIN_SPLIT);
    let first = first.and_then(|response| Some((response, spans.take(0)?)));
    let writer = Writer::start(file, job.request.partial_path(), record);
    let Some(chunks) = writer.chunks() else {
        return Err(Failure::fatal(
            ErrorKind::Io,
            format!("{url}: the writer did not start"),
        ));
    };
    let cap = job.connections;
    let shared = Arc::new(Shared {
        context: Arc::clone(context),
        job,
        plan: Mutex::new(spans),
        total,
        received: AtomicU64::new(0),
        refused: AtomicBool::new(false),
        answered: AtomicUsize::new(0),
        chunks,
        cancel: cancel.child_token(),
    });
    let mut tasks = JoinSet::new();
    tasks.spawn(connection(Arc::clone(&shared), 0, first));
    let mut ramp = Ramp::new(cap);
    let mut opened = 1;
    open_more(&shared, &mut tasks, ramp.target(), &mut opened, &host);
    let started = tokio::time::Instant::now();
    let mut window = Window::default();
    let mut next_report = started + REPORT_EVERY;
    let mut wake = started + window::POLL;
    let mut reported = 1;
    let failure = loop {
        tokio::select! {
            _ = cancel.cancelled() => break Some(cancelled(&url)),
            joined = tasks.join_next() => match joined {
                None => break None,
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(failure))) => break Some(failure),
                Some(Err(join)) => break Some(Failure::fatal(
                    ErrorKind::Io,
                    format!("{url}: a connection's task stopped: {join}"),
                )),
            },
            _ = tokio::time::sleep_until(wake) => {
                let now = tokio::time::Instant::now();
                let received = shared.received.load(Ordering::Relaxed);
                if shared.refused.load(Ordering::Relaxed) {
                    ramp.stop();
                }
                if !ramp.is_over() {
                    let answered = shared.answered.load(Ordering::Relaxed) >= opened;
                    let waited = shared.chunks.waited();
                    if let Some(seen) = window.look(now - started, received, waited, answered) {
                        ramp.writer_waited(seen.waited, seen.elapsed);
                        ramp.step(seen.bytes);
                    }
                }
                // Every look, the ramp over or not: a connection the host's cap refused before
                // opens once another download's connection there ends.
                if !shared.refused.load(Ordering::Relaxed) {
                    open_more(&shared, &mut tasks, ramp.target(), &mut opened, &host);
                }
                if tasks.len() != reported {
                    reported = tasks.len();
                    let open = Report::Connections { id: id.clone(), open: reported };
                    let _ = context.reports.send(open).await;
                }
                if now >= next_report {
                    let bytes_done = base.saturating_add(received);
                    let _ = context.reports.send(Report::Progress { id: id.clone(), bytes_done }).await;
                    // Counted from after the send: a slow actor is not sent two at once.
                    next_report = tokio::time::Instant::now() + REPORT_EVERY;
                }
                // While the ramp goes on, looked at often (a window opens as soon as it may);
                // then only to report and to open what the host refused before.
                let after = tokio::time::Instant::now();
                wake = if ramp.is_over() { next_report } else { (after + window::POLL).min(next_report) };
            }
        }
    };
    shared.cancel.cancel();
    tasks.shutdown().await;
    let complete = plan(&shared).is_complete();
    drop(shared);
    if failure.is_none() && complete {
        let _ = context.reports.send(Report::Verifying { id }).await;
    }
    let written = writer.finish().await;
    match (failure, written) {
        (_, Err(writer_failure)) => Err(writer_failure),
        (Some(failure), Ok(_)) => Err(failure),
        (None, Ok(Ok(done))) => Ok(done),
        (None, Ok(Err(kept))) => Err(Failure::transient(
            ErrorKind::Network,
            format!("{url}: the connections ended with {kept} of {total} bytes"),
        )),
    }
}

/// Opens connections until `wanted` are open, while a span can be split and the host has a
/// connection to spare: each further connection counts against the per-host cap while it
/// lives (`engine::hosts`).
fn open_more(
    shared: &Arc<Shared>,
    tasks: &mut JoinSet<Result<(), Failure>>,
    wanted: usize,
    opened: &mut usize,
    host: &str,
) {
    while tasks.len() < wanted && plan(shared).propose_split().is_some() {
        let Some(claim) = shared.context.hosts.try_claim(host) else {
            break;
        };
        let task = connection(Arc::clone(shared), *opened, None);
        tasks.spawn(async move {
            let _claim = claim;
            task.await
        });
        *opened += 1;
    }
}
