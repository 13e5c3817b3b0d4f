//! Reading a response body one chunk at a time, the way every download connection does: the
//! next chunk, or the end, or why none came (stopped, stalled for the stall timeout, or the
//! connection failed). The callers decide what the end means and say where a stall happened.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::http::{Failure, request_failure};
use super::worker::cancelled;
use crate::model::ErrorKind;

/// The next chunk of `body` from `url` (`None` at its end). `stalled_at` says where the
/// transfer was when no byte came for `stall` (e.g. "after 12 bytes").
pub async fn next_chunk<S>(
    body: &mut S,
    url: &url::Url,
    stall: Duration,
    cancel: &CancellationToken,
    stalled_at: impl FnOnce() -> String,
) -> Result<Option<Bytes>, Failure>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    let shown = || crate::model::url_shown::shown_url(url);
    let next = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(cancelled(&shown())),
        next = timeout(stall, body.next()) => next,
    };
    match next {
        Err(_) => Err(Failure::transient(
            ErrorKind::Timeout,
            format!(
                "{}: stalled: no bytes for {} {}",
                shown(),
                super::retry::seconds(stall),
                stalled_at()
            ),
        )),
        Ok(None) => Ok(None),
        Ok(Some(Err(error))) => Err(request_failure(url, &error)),
        Ok(Some(Ok(chunk))) => Ok(Some(chunk)),
    }
}
