//! The manager's mirror of the engine's downloads: per pack, the engine's download of it (its
//! [`DownloadKey`], state and progress), kept up to date from the engine's events so that
//! neither a request nor an event needs the engine's whole snapshot. Rebuilt from a snapshot
//! only at start and after the event stream lagged.

use std::path::PathBuf;

use super::key::DownloadKey;
use crate::engine::{Download, DownloadState, EventKind, PauseReason, Wait};
use crate::model::{Progress, Sha256Digest};

/// What the manager knows of one engine download.
#[derive(Debug, Clone, PartialEq)]
pub struct Mirror {
    /// Which version of which pack.
    pub key: DownloadKey,
    /// Its state as the engine last said.
    pub state: DownloadState,
    /// Bytes done (and the partial file's size while not finished).
    pub progress: Progress,
    /// Where it comes from.
    pub url: url::Url,
    /// The partial file while one may exist.
    pub partial: PathBuf,
    /// The checksum of the finished file.
    pub sha256: Option<Sha256Digest>,
    /// The server's ETag, when known (from the engine's snapshot).
    pub etag: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// The priority the engine was given.
    pub priority: i64,
    /// Whether it was moved ahead of all others.
    pub top: bool,
    /// Why it waits, while queued.
    pub wait: Wait,
}

impl Mirror {
    /// A download just handed to the engine.
    pub fn queued(key: DownloadKey, url: url::Url, partial: PathBuf, total: u64) -> Self {
        Self {
            key,
            state: DownloadState::Queued,
            progress: Progress {
                bytes_total: total,
                ..Progress::default()
            },
            url,
            partial,
            sha256: None,
            etag: None,
            attempts: 0,
            priority: 0,
            top: false,
            wait: Wait::Slot,
        }
    }

    /// The mirror of a download from the engine's snapshot.
    pub fn of(key: DownloadKey, download: &Download) -> Self {
        Self {
            key,
            state: download.state.clone(),
            progress: download.progress(),
            url: download.request.url.clone(),
            partial: download.request.partial_path(),
            sha256: download.sha256,
            etag: download.validator.etag.clone(),
            attempts: download.attempts,
            priority: download.request.priority.0,
            top: download.request.priority == crate::engine::Priority::MAX,
            wait: download.wait.clone(),
        }
    }

    /// Follows one engine event.
    pub fn apply(&mut self, kind: &EventKind) {
        match kind {
            EventKind::Queued => {
                self.state = DownloadState::Queued;
                self.wait = Wait::Slot;
            }
            EventKind::Waiting { reason } => {
                // Only a queued download waits (one whose retry delay ended comes back queued
                // without a `Queued`); a preempted one keeps saying that it gave its slot.
                self.wait = reason.clone();
                if !matches!(
                    self.state,
                    DownloadState::Paused {
                        reason: PauseReason::Preempted
                    }
                ) {
                    self.state = DownloadState::Queued;
                }
            }
            EventKind::Started { attempt, .. } => {
                self.state = DownloadState::Connecting;
                self.attempts = *attempt;
                self.wait = Wait::Slot;
            }
            EventKind::Progress { progress, .. } => {
                self.state = DownloadState::Downloading;
                self.progress = *progress;
            }
            EventKind::Paused { reason } => {
                self.state = DownloadState::Paused { reason: *reason };
                self.progress.bytes_per_second = 0;
            }
            EventKind::Retrying {
                attempt,
                reason,
                delay_ms,
                without_progress,
            } => {
                self.state = DownloadState::Retrying {
                    attempt: *attempt,
                    reason: reason.clone(),
                    delay_ms: *delay_ms,
                    without_progress: *without_progress,
                };
                self.progress.bytes_per_second = 0;
            }
            EventKind::Kept { bytes_done } => {
                self.progress.bytes_done = *bytes_done;
                self.progress.bytes_per_second = 0;
            }
            EventKind::Verifying => self.state = DownloadState::Verifying,
            EventKind::Finished { sha256, size } => {
                self.state = DownloadState::Finished;
                self.sha256 = Some(*sha256);
                self.progress.bytes_done = *size;
                self.progress.bytes_per_second = 0;
            }
            EventKind::Failed { error } => {
                self.state = DownloadState::Failed {
                    error: error.clone(),
                };
            }
            EventKind::Cancelled => self.state = DownloadState::Cancelled,
            EventKind::Reordered => {}
        }
    }

    /// Whether `kind` is older than what the mirror knows: the engine reports progress only
    /// while a download runs, so progress that reaches a download the manager has paused was
    /// sent before the engine took the pause. Applied, it would show the paused download
    /// moving bytes.
    pub fn is_stale(&self, kind: &EventKind) -> bool {
        self.is_paused_by_request() && matches!(kind, EventKind::Progress { .. })
    }

    /// Whether the user paused it in the engine.
    pub fn is_paused_by_request(&self) -> bool {
        self.state
            == DownloadState::Paused {
                reason: PauseReason::Requested,
            }
    }

    /// The partial file's bytes, while there is one.
    pub fn partial_bytes(&self) -> u64 {
        match self.state {
            DownloadState::Finished | DownloadState::Cancelled => 0,
            _ => self.progress.bytes_done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorKind, PackError};

    fn mirror() -> Mirror {
        let url = url::Url::parse("http://127.0.0.1/a.zip").unwrap();
        Mirror::queued(DownloadKey::new("app", "A", 1), url, "/tmp/a".into(), 10)
    }

    #[test]
    fn events_move_the_mirror_as_they_move_the_engine() {
        let mut m = mirror();
        m.apply(&EventKind::Started {
            attempt: 2,
            from_byte: 0,
        });
        assert_eq!(
            (m.state.clone(), m.attempts),
            (DownloadState::Connecting, 2)
        );
        let progress = Progress {
            bytes_done: 4,
            bytes_total: 10,
            bytes_per_second: 9,
        };
        m.apply(&EventKind::Progress {
            progress,
            eta_seconds: None,
        });
        assert_eq!(m.partial_bytes(), 4);
        m.apply(&EventKind::Paused {
            reason: PauseReason::Requested,
        });
        assert!(m.is_paused_by_request());
        assert_eq!(m.progress.bytes_per_second, 0);
        let late = EventKind::Progress {
            progress: Progress {
                bytes_done: 6,
                ..progress
            },
            eta_seconds: None,
        };
        assert!(m.is_stale(&late), "progress sent before the pause");
        assert!(!m.is_stale(&EventKind::Queued));
        m.apply(&EventKind::Failed {
            error: PackError::new(ErrorKind::Network, "x"),
        });
        assert!(matches!(m.state, DownloadState::Failed { .. }));
        m.apply(&EventKind::Finished {
            sha256: Sha256Digest([1; 32]),
            size: 10,
        });
        assert_eq!(
            (m.partial_bytes(), m.sha256),
            (0, Some(Sha256Digest([1; 32])))
        );
    }
}
