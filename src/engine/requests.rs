//! How a request meets the download the engine may already have under its id: a new one is
//! queued; a changed one replaces it, keeping the partial file when the bytes are the same
//! (same URL, or the same pinned SHA-256 and size now at another URL); and a download whose
//! bytes moved to another URL continues there from its partial file (a [`Relocation`]): signed
//! CDN URLs expire, a server's port changes. A new priority or place is taken only by a
//! download still scheduled. Part of [`Actor`].

use super::EngineError;
use super::actor::{Actor, Stop};
use super::command::Relocation;
use super::download::{Download, DownloadRequest, DownloadState, Priority};
use super::event::EventKind;
use super::retry::Budget;

/// Whether `new` asks for the same bytes as `old`, wherever they are: both pin the same SHA-256
/// and size and write the same file, so a partial file of `old` is a prefix of `new`'s (the
/// final check proves it).
pub fn same_bytes(old: &DownloadRequest, new: &DownloadRequest) -> bool {
    old.sha256.is_some()
        && old.sha256 == new.sha256
        && old.expected_size == new.expected_size
        && old.destination == new.destination
}

impl Actor {
    /// Schedules `request`. An existing download with this id that is not running takes the new
    /// request and is queued again: it keeps its partial file when the URL is the same or the
    /// bytes are ([`same_bytes`]), and starts over otherwise. A running one refuses any change
    /// (`downloadAlreadyScheduled`); a destination another download may still write, or one
    /// named like the engine's working files, is refused (`downloadInvalid`, `destinations.rs`).
    pub(super) fn enqueue(&mut self, request: DownloadRequest) -> Result<(), EngineError> {
        validate(&request)?;
        let id = request.id.clone();
        let (downloads, workers) = (&self.downloads, &self.workers);
        // A cancelled download's worker may still be writing its partial file until it ends.
        let writes = |other: &str| {
            workers.contains_key(other)
                || downloads
                    .get(other)
                    .is_some_and(|d| super::destinations::may_write(&d.state))
        };
        if let Some(other) = self
            .destinations
            .taken_by(&request.destination, &id, writes)
        {
            return Err(EngineError::Invalid {
                problem: format!(
                    "{} is already the destination of download `{other}`",
                    request.destination.display()
                ),
                id,
            });
        }
        let before = self
            .downloads
            .get(&id)
            .map(|d| d.request.destination.clone());
        let destination = request.destination.clone();
        if let Some(existing) = self.downloads.get_mut(&id) {
            let busy = existing.state.is_active()
                || matches!(
                    existing.state,
                    DownloadState::Queued | DownloadState::Retrying { .. }
                )
                || self.workers.contains_key(&id);
            if busy {
                return Err(EngineError::AlreadyScheduled(id));
            }
            let unchanged = existing.request == request;
            if unchanged
                && existing.state == DownloadState::Finished
                && request.destination.exists()
            {
                return Ok(());
            }
            let moved = existing.request.url != request.url;
            if existing.state == DownloadState::Finished
                || (moved && !same_bytes(&existing.request, &request))
            {
                existing.discard_partial = true;
                existing.validator = Default::default();
                existing.bytes_done = 0;
                existing.budget = Budget::default();
            } else if moved || existing.origin != 0 {
                // The old server's validator means nothing to the new one.
                existing.validator = Default::default();
            }
            existing.origin = 0;
            existing.bytes_total = request.expected_size.or(existing.bytes_total);
            existing.request = request;
            existing.state = DownloadState::Queued;
            existing.attempts = 0;
            existing.budget.without_progress = 0;
            existing.checksum_failures = 0;
        } else {
            let sequence = self.next_sequence;
            self.next_sequence += 1;
            self.downloads
                .insert(id.clone(), Download::new(request, sequence));
        }
        self.destinations
            .claim(&id, &destination, before.as_deref());
        self.emit(&id, EventKind::Queued);
        self.dirty = true;
        Ok(())
    }

    /// Points download `id` at `url`, keeping its partial file, its state and its place: a
    /// running attempt stops and the download continues at the new URL, a retry waiting on the
    /// old one is queued at once, a paused or failed one resumes there when asked. `Ok(false)`
    /// when there is nothing to change (same URL, or finished or cancelled).
    pub(super) fn relocate(&mut self, relocation: Relocation) -> Result<bool, EngineError> {
        let Relocation { id, url, sha256 } = relocation;
        let download = self
            .downloads
            .get_mut(&id)
            .ok_or_else(|| EngineError::UnknownDownload(id.clone()))?;
        if download.request.sha256 != Some(sha256) {
            return Err(EngineError::Invalid {
                id,
                problem: format!(
                    "{} is listed with SHA-256 {sha256}, not the one the partial file of {} \
                     belongs to",
                    crate::model::url_shown::shown_url(&url),
                    crate::model::url_shown::shown_url(&download.request.url)
                ),
            });
        }
        let mut moved = download.request.clone();
        moved.url = url;
        validate(&moved)?;
        let finished = matches!(
            download.state,
            DownloadState::Finished | DownloadState::Cancelled
        );
        if finished || download.request.url == moved.url {
            return Ok(false);
        }
        tracing::info!(
            "{id}: moved from {} to {}; continuing from byte {}",
            download.request.url,
            moved.url,
            download.bytes_done
        );
        download.request = moved;
        download.validator = Default::default();
        download.origin = 0;
        download.attempts = 0;
        download.budget.without_progress = 0;
        self.dirty = true;
        if matches!(download.state, DownloadState::Retrying { .. }) {
            download.state = DownloadState::Queued;
            self.retry_at.remove(&id);
            self.emit(&id, EventKind::Queued);
        } else if let Some(running) = self.workers.get_mut(&id)
            && running.stop.is_none()
        {
            running.stop = Some(Stop::Relocate);
            running.cancel.cancel();
        }
        Ok(true)
    }

    /// Whether download `id` is scheduled (queued, running, retrying or paused), so that its
    /// priority or place means something; `action` names the refused change.
    pub(super) fn check_scheduled(
        &self,
        id: &str,
        action: &'static str,
    ) -> Result<(), EngineError> {
        let download = self
            .downloads
            .get(id)
            .ok_or_else(|| EngineError::UnknownDownload(id.to_string()))?;
        scheduled(id, &download.state, action)
    }

    pub(super) fn set_priority(
        &mut self,
        id: &str,
        priority: Priority,
        sequence: Option<u64>,
    ) -> Result<(), EngineError> {
        self.check_scheduled(id, "a new priority")?;
        let download = self
            .downloads
            .get_mut(id)
            .ok_or_else(|| EngineError::UnknownDownload(id.to_string()))?;
        download.request.priority = priority;
        if let Some(sequence) = sequence {
            download.sequence = sequence;
        }
        self.emit(id, EventKind::Reordered);
        self.dirty = true;
        Ok(())
    }
}

/// Refuses requests that can never succeed (`downloadInvalid`).
pub(super) fn validate(request: &DownloadRequest) -> Result<(), EngineError> {
    let invalid = |problem: &str| EngineError::Invalid {
        id: request.id.clone(),
        problem: problem.to_string(),
    };
    if request.id.trim().is_empty() {
        return Err(invalid("the identifier is empty"));
    }
    if !matches!(request.url.scheme(), "http" | "https") {
        return Err(invalid("only http and https URLs can be downloaded"));
    }
    if request.destination.file_name().is_none() {
        return Err(invalid("the destination has no file name"));
    }
    if let Some(problem) = super::destinations::reserved(&request.destination) {
        return Err(invalid(&problem));
    }
    check_mirrors(request).map_err(|problem| invalid(&problem))
}

/// Mirrors are http(s), at most [`MAX_MIRRORS`](super::origins::MAX_MIRRORS), and only with a
/// pinned SHA-256 (nothing else can tell that bytes from two servers belong together).
fn check_mirrors(request: &DownloadRequest) -> Result<(), String> {
    if request.mirrors.is_empty() {
        return Ok(());
    }
    if request.sha256.is_none() {
        return Err(
            "mirrors need a pinned SHA-256: only the digest can tell that bytes \
                    from two servers belong together"
                .into(),
        );
    }
    if request.mirrors.len() > super::origins::MAX_MIRRORS {
        return Err(format!(
            "{} mirrors listed; at most {} are taken",
            request.mirrors.len(),
            super::origins::MAX_MIRRORS
        ));
    }
    match request
        .mirrors
        .iter()
        .find(|m| !matches!(m.scheme(), "http" | "https"))
    {
        Some(bad) => Err(format!(
            "mirror {}: only http and https URLs can be downloaded",
            crate::model::url_shown::shown_url(bad)
        )),
        None => Ok(()),
    }
}

/// Refuses a change of priority or place for a download that is no longer scheduled: a finished
/// or cancelled one is `downloadNotScheduled`, a failed one `downloadAlreadyFailed`.
fn scheduled(id: &str, state: &DownloadState, action: &'static str) -> Result<(), EngineError> {
    match state {
        DownloadState::Finished => Err(EngineError::NotScheduled {
            id: id.to_string(),
            state: "finished",
            action,
        }),
        DownloadState::Cancelled => Err(EngineError::NotScheduled {
            id: id.to_string(),
            state: "cancelled",
            action,
        }),
        DownloadState::Failed { .. } => Err(EngineError::AlreadyFailed {
            id: id.to_string(),
            action,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "requests_tests.rs"]
mod tests;
