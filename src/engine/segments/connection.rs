//! One connection of a segmented download: it streams its span's bytes through the bandwidth
//! limiter to the writer, then takes another span or splits the biggest one left (asking the
//! server for the upper half before taking it), until nothing is left worth splitting.

use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};

use super::answer::{self, Answer};
use super::plan::{Plan, Split};
use super::run::Shared;
use crate::engine::body;
use crate::engine::http::Failure;
use crate::engine::resume::validator_of;
use crate::engine::transport;
use crate::engine::worker::cancelled;
use crate::model::ErrorKind;
use crate::model::url_shown::shown_url;

/// What a connection does next.
enum Work {
    /// Fetch span `index`, which nobody fetches.
    Take(usize, (u64, u64)),
    /// Ask for the upper half of a span being fetched.
    Split(Split),
}

pub(super) fn plan(shared: &Shared) -> MutexGuard<'_, Plan> {
    shared.plan.lock().unwrap_or_else(|p| p.into_inner())
}

/// Counts its connection once in [`Shared::answered`]: at its first answer, or when it ends
/// without one (the ramp measures only while every connection opened has been answered).
struct Answered<'a> {
    shared: &'a Shared,
    counted: bool,
}

impl Answered<'_> {
    fn now(&mut self) {
        if !self.counted {
            self.counted = true;
            self.shared.answered.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Answered<'_> {
    fn drop(&mut self) {
        self.now();
    }
}

/// Runs connection `me`; `first` is a response already streaming span `index`.
pub(super) async fn connection(
    shared: Arc<Shared>,
    me: usize,
    first: Option<(reqwest::Response, usize)>,
) -> Result<(), Failure> {
    let mut answered = Answered {
        shared: &shared,
        counted: false,
    };
    if let Some((response, index)) = first {
        answered.now();
        stream(&shared, response, index).await?;
    }
    loop {
        let work = {
            let mut plan = plan(&shared);
            match plan.take(me) {
                Some(index) => plan.span(index).map(|span| Work::Take(index, span)),
                None if shared.refused.load(Ordering::Relaxed) => None,
                None => plan.propose_split().map(Work::Split),
            }
        };
        let Some(work) = work else {
            return Ok(());
        };
        let range = match work {
            Work::Take(_, span) => span,
            Work::Split(split) => (split.at, split.end),
        };
        let asked = ask(&shared, range).await;
        answered.now();
        let index = match (work, asked) {
            (Work::Take(index, _), Ok(Some(response))) => Some((index, response)),
            (Work::Take(index, _), Ok(None)) => {
                plan(&shared).release(index);
                return Err(Failure::transient(
                    ErrorKind::Network,
                    format!(
                        "{}: the server answered a range request with the whole file; \
                         starting over",
                        shown_url(&shared.job.request.url)
                    ),
                )
                .restarting());
            }
            (Work::Take(index, _), Err(failure)) => {
                plan(&shared).release(index);
                return Err(failure);
            }
            (Work::Split(split), Ok(Some(response))) => plan(&shared)
                .commit(split, me)
                .map(|index| (index, response)),
            (Work::Split(_), Ok(None)) => return Ok(()),
            (Work::Split(_), Err(failure)) => return Err(failure),
        };
        if let Some((index, response)) = index {
            let result = stream(&shared, response, index).await;
            if result.is_err() {
                plan(&shared).release(index);
            }
            result?;
        }
    }
}

/// Asks for bytes `[from, to)`: the response when they follow, `None` when the server sent
/// the whole file instead (it ignores `Range`: no more connections are opened).
async fn ask(
    shared: &Shared,
    (from, to): (u64, u64),
) -> Result<Option<reqwest::Response>, Failure> {
    let last = to.saturating_sub(1);
    let response = tokio::select! {
        _ = shared.cancel.cancelled() => {
            return Err(cancelled(&shown_url(&shared.job.request.url)));
        }
        response = transport::send(&shared.context, &shared.job, Some((from, Some(last)))) => response?,
    };
    let url = shown_url(response.url());
    let answer = answer::check(
        &url,
        response.status(),
        response.headers(),
        (from, to),
        shared.total,
    )?;
    let now = validator_of(response.headers());
    let (now, then) = (now.if_range(), shared.job.validator.if_range());
    // A 206 of another version (a server or proxy that ignores `If-Range`) must not have its
    // bytes mixed with this one's; a 206 without a validator is judged by its Content-Range.
    let changed = match answer {
        Answer::Range => now.is_some() && then.is_some() && now != then,
        Answer::Whole => now != then,
    };
    if changed {
        return Err(Failure::transient(
            ErrorKind::Network,
            format!("{url}: the file changed on the server (its validator is not the same); starting over"),
        )
        .restarting());
    }
    match answer {
        Answer::Range => Ok(Some(response)),
        Answer::Whole => {
            shared.refused.store(true, Ordering::Relaxed);
            Ok(None)
        }
    }
}

/// Streams `response` into span `index` until the span is complete (a split may have moved its
/// end down; the rest of the body is dropped with the connection).
async fn stream(shared: &Shared, response: reqwest::Response, index: usize) -> Result<(), Failure> {
    let full_url = response.url().clone();
    let url = shown_url(&full_url);
    let context = &shared.context;
    let stall = context.policy.stall_timeout;
    let mut chunks = response.bytes_stream();
    loop {
        let (pos, end) = plan(shared).span(index).unwrap_or((0, 0));
        if pos >= end {
            return Ok(());
        }
        let stalled_at = || format!("at byte {pos} of a segment");
        let next = body::next_chunk(&mut chunks, &full_url, stall, &shared.cancel, stalled_at);
        let Some(chunk) = next.await? else {
            return Err(Failure::transient(
                ErrorKind::Network,
                format!("{url}: the connection closed at byte {pos}, its segment ends at {end}"),
            ));
        };
        let slice = context.limiter.slice_size().unwrap_or(chunk.len()).max(1);
        let mut rest = chunk;
        while !rest.is_empty() {
            let piece = rest.split_to(slice.min(rest.len()));
            tokio::select! {
                biased;
                _ = shared.cancel.cancelled() => return Err(cancelled(&url)),
                _ = context.limiter.acquire(piece.len() as u64) => {}
            }
            let length = piece.len() as u64;
            let (offset, taken) = plan(shared).advance(index, length);
            if taken > 0 {
                shared.received.fetch_add(taken, Ordering::Relaxed);
                let kept = usize::try_from(taken).unwrap_or(piece.len());
                if !shared.chunks.write(offset, piece.slice(..kept)).await {
                    return Err(Failure::fatal(
                        ErrorKind::Io,
                        format!("{url}: the writer stopped"),
                    ));
                }
            }
            if taken < length {
                return Ok(());
            }
        }
    }
}
