//! What the engine waits for without a command or a report: retry delays coming due, and disk
//! space freed for downloads that failed with `diskFull` (looked at every two seconds, and at
//! start for those saved that way). Part of [`Actor`].

use std::time::Duration;

use tokio::time::Instant;

use super::actor::Actor;
use super::download::DownloadState;
use super::event::EventKind;
use crate::model::ErrorKind;

/// How often downloads that failed for lack of space look again.
const SPACE_CHECK_EVERY: Duration = Duration::from_secs(2);

impl Actor {
    /// When the loop must wake without a command or report: the next retry or space check.
    pub fn next_wakeup(&self) -> Instant {
        let far = Instant::now() + Duration::from_secs(3600);
        let retry = self.retry_at.values().min().copied().unwrap_or(far);
        let space = if self.waiting_for_space.is_empty() {
            far
        } else {
            self.last_space_check + SPACE_CHECK_EVERY
        };
        retry.min(space)
    }

    /// Queues retries whose delay is over, and downloads whose disk has room again.
    pub fn wake_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .retry_at
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            self.retry_at.remove(&id);
            if let Some(download) = self.downloads.get_mut(&id)
                && matches!(download.state, DownloadState::Retrying { .. })
            {
                download.state = DownloadState::Queued;
                self.dirty = true;
            }
        }
        if !self.waiting_for_space.is_empty() && now >= self.last_space_check + SPACE_CHECK_EVERY {
            self.last_space_check = now;
            self.requeue_where_space_is_free();
        }
    }

    fn requeue_where_space_is_free(&mut self) {
        let ids: Vec<String> = self.waiting_for_space.iter().cloned().collect();
        for id in ids {
            let Some(download) = self.downloads.get_mut(&id) else {
                self.waiting_for_space.remove(&id);
                continue;
            };
            if !matches!(&download.state, DownloadState::Failed { error } if error.kind == ErrorKind::DiskFull)
            {
                self.waiting_for_space.remove(&id);
                continue;
            }
            let needed = download
                .bytes_total
                .map_or(1 << 20, |t| t.saturating_sub(download.bytes_done));
            let dir = download
                .request
                .partial_path()
                .parent()
                .map(|p| p.to_path_buf())
                .unwrap_or_default();
            if fs4::available_space(&dir).is_ok_and(|free| free >= needed) {
                self.waiting_for_space.remove(&id);
                download.state = DownloadState::Queued;
                download.attempts = 0;
                download.budget.without_progress = 0;
                self.emit(&id, EventKind::Queued);
                self.dirty = true;
            }
        }
    }

    /// Downloads saved as failed for lack of space look again after a restart.
    pub fn resume_waiting_for_space_on_start(&mut self) {
        for (id, download) in &self.downloads {
            if matches!(&download.state, DownloadState::Failed { error } if error.kind == ErrorKind::DiskFull)
            {
                self.waiting_for_space.insert(id.clone());
            }
        }
    }
}
