//! Retrying a failed attempt or failing the download for good: the retry budget, the one
//! fresh start after an integrity failure, the move to another origin (`failover`), and the
//! state and event that say why and when. Part of [`Actor`].

use std::time::Duration;

use tokio::time::Instant;

use super::actor::Actor;
use super::download::DownloadState;
use super::event::EventKind;
use super::failover::{Failed, may_retry};
use super::http::Failure;
use super::retry::Budget;
use crate::model::ErrorKind;

impl Actor {
    /// Retries a failed attempt, or fails the download for good. The budget counts attempts in
    /// a row that brought no new bytes ([`Budget`]): a download that makes progress is never
    /// failed for lack of attempts, and its backoff starts over. Integrity failures (size or
    /// SHA-256) get one fresh start from byte 0.
    pub(super) fn handle_failure(&mut self, id: &str, mut failure: Failure) {
        let max_attempts = self.context.policy.max_attempts;
        let moved = self.fail_over(id, &failure);
        let fresh_origin = moved.as_ref().is_some_and(|m| m.fresh);
        let Some(download) = self.downloads.get_mut(id) else {
            return;
        };
        download.last_error = Some(failure.error.clone());
        download.discard_partial |= failure.restart_from_zero;
        download.bytes_done = super::segments::kept_bytes(&download.request.partial_path());
        let bytes_done = download.bytes_done;
        self.emit(id, EventKind::Kept { bytes_done });
        let Some(download) = self.downloads.get_mut(id) else {
            return;
        };
        let kind = failure.error.kind;
        let integrity = matches!(kind, ErrorKind::ChecksumMismatch | ErrorKind::SizeMismatch)
            && failure.restart_from_zero;
        if integrity {
            download.checksum_failures = download.checksum_failures.saturating_add(1);
            download.budget = Budget::default(); // the bytes are thrown away: a fresh start
        } else {
            download.budget = download.budget.count(download.bytes_done);
        }
        let failed = Failed {
            integrity,
            transient: failure.transient,
            fresh_origin,
            origins: super::origins::count(&download.request),
        };
        let retry = may_retry(
            failed,
            download.checksum_failures,
            download.budget,
            max_attempts,
        );
        if retry {
            if let Some(moved) = moved {
                failure.error.message = format!("{}; {}", failure.error.message, moved.note);
                download.last_error = Some(failure.error.clone());
                self.apply_move(id, &moved);
            }
            let Some(download) = self.downloads.get_mut(id) else {
                return;
            };
            let attempt = download.attempts + 1;
            let delay = if integrity || fresh_origin {
                Duration::ZERO
            } else {
                let step = download.budget.next_attempt();
                super::retry::delay(&self.context.policy, step, failure.retry_after)
            };
            let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            let without_progress = download.budget.without_progress;
            download.state = DownloadState::Retrying {
                attempt,
                reason: failure.error.clone(),
                delay_ms,
                without_progress,
            };
            self.retry_at.insert(id.to_string(), Instant::now() + delay);
            self.emit(
                id,
                EventKind::Retrying {
                    attempt,
                    reason: failure.error,
                    delay_ms,
                    without_progress,
                },
            );
            return;
        }
        if kind == ErrorKind::DiskFull {
            self.waiting_for_space.insert(id.to_string());
        }
        download.state = DownloadState::Failed {
            error: failure.error.clone(),
        };
        self.emit(
            id,
            EventKind::Failed {
                error: failure.error,
            },
        );
    }
}
