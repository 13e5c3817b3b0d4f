//! The verbs a person or an app applies to chosen downloads: pause, resume, cancel, forget.
//! Part of [`Actor`]; each returns how many downloads it changed, so that a verb that changes
//! nothing is reported as such, never silently.

use super::actor::{Actor, Stop};
use super::command::Targets;
use super::download::{DownloadState, PauseReason};
use super::event::EventKind;

impl Actor {
    /// The ids of the downloads `targets` names.
    /// Looked up by id (not by walking every download: a pause of one pack among thousands
    /// would cost a walk of them all), each once, in the engine's order.
    fn selected(&self, targets: &Targets) -> Vec<String> {
        match targets {
            Targets::All => self.downloads.keys().cloned().collect(),
            Targets::Ids(ids) => {
                let mut found: Vec<String> = ids
                    .iter()
                    .filter(|id| self.downloads.contains_key(id.as_str()))
                    .cloned()
                    .collect();
                found.sort_unstable();
                found.dedup();
                found
            }
        }
    }

    /// Pauses the selected downloads that are not ended, paused already or verifying (all
    /// their bytes in), stopping their workers (the partial files kept).
    pub(super) fn pause(&mut self, targets: &Targets) -> usize {
        let mut count = 0;
        for id in self.selected(targets) {
            let Some(download) = self.downloads.get_mut(&id) else {
                continue;
            };
            // A verifying download has every byte: it is being checked and put in place, which
            // a pause would not stop (and its `Paused` would be followed by `Finished`).
            if download.state.is_terminal()
                || matches!(
                    download.state,
                    DownloadState::Paused { .. } | DownloadState::Verifying
                )
            {
                continue;
            }
            download.state = DownloadState::Paused {
                reason: PauseReason::Requested,
            };
            self.retry_at.remove(&id);
            if let Some(running) = self.workers.get_mut(&id) {
                running.stop = Some(Stop::Pause(PauseReason::Requested));
                running.cancel.cancel();
            }
            self.emit(
                &id,
                EventKind::Paused {
                    reason: PauseReason::Requested,
                },
            );
            count += 1;
        }
        self.dirty |= count > 0;
        count
    }

    /// Queues the selected paused or failed downloads again, with a fresh retry budget.
    pub(super) fn resume(&mut self, targets: &Targets) -> usize {
        let mut count = 0;
        for id in self.selected(targets) {
            let Some(download) = self.downloads.get_mut(&id) else {
                continue;
            };
            if !matches!(
                download.state,
                DownloadState::Paused { .. } | DownloadState::Failed { .. }
            ) {
                continue;
            }
            download.state = DownloadState::Queued;
            download.attempts = 0;
            download.budget.without_progress = 0;
            self.waiting_for_space.remove(&id);
            // A worker still stopping keeps its stop reason; the scheduler waits for it to end.
            self.emit(&id, EventKind::Queued);
            count += 1;
        }
        self.dirty |= count > 0;
        count
    }

    /// Cancels the selected downloads that have not finished: their workers stop and their
    /// partial files go.
    pub(super) fn cancel(&mut self, targets: &Targets) -> usize {
        let mut count = 0;
        for id in self.selected(targets) {
            let Some(download) = self.downloads.get_mut(&id) else {
                continue;
            };
            if matches!(
                download.state,
                DownloadState::Finished | DownloadState::Cancelled
            ) {
                continue;
            }
            download.state = DownloadState::Cancelled;
            download.bytes_done = 0;
            download.discard_partial = true;
            self.retry_at.remove(&id);
            self.waiting_for_space.remove(&id);
            match self.workers.get_mut(&id) {
                Some(running) => {
                    running.stop = Some(Stop::Cancel);
                    running.discard.cancel();
                    running.cancel.cancel();
                }
                None => {
                    super::segments::remove_partial(&download.request.partial_path());
                }
            }
            self.emit(&id, EventKind::Cancelled);
            count += 1;
        }
        self.dirty |= count > 0;
        count
    }

    /// Drops the selected ended downloads from the queue (their files stay).
    pub(super) fn forget(&mut self, targets: &Targets) -> usize {
        let before = self.downloads.len();
        let (workers, destinations) = (&self.workers, &mut self.destinations);
        self.downloads.retain(|id, d| {
            let forgotten =
                targets.contains(id) && d.state.is_terminal() && !workers.contains_key(id);
            if forgotten {
                destinations.release(id, &d.request.destination);
            }
            !forgotten
        });
        let count = before - self.downloads.len();
        self.dirty |= count > 0;
        count
    }
}
