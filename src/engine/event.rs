//! What the engine tells observers: every change of a download's state, and progress at a
//! bounded rate. Events go out on a broadcast channel; a slow observer that falls behind can
//! catch up with a snapshot.

use serde::Serialize;

use crate::model::{PackError, Progress, Sha256Digest};

use super::download::PauseReason;
use super::scheduler::Wait;

/// One thing that happened to download `id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The download it happened to.
    pub id: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The kinds of [`Event`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum EventKind {
    /// Accepted, waiting for a slot.
    Queued,
    /// A worker took it (attempt number `attempt`), resuming from `from_byte`.
    #[serde(rename_all = "camelCase")]
    Started {
        /// The attempt's number.
        attempt: u32,
        /// The first byte asked for (0 for a fresh start).
        from_byte: u64,
    },
    /// Bytes arrived; sent at most every 100 ms per download.
    #[serde(rename_all = "camelCase")]
    Progress {
        /// Bytes done and the total.
        progress: Progress,
        /// Seconds left at the current rate, once known.
        eta_seconds: Option<u64>,
    },
    /// Stopped, the partial file kept.
    Paused {
        /// Why: by a user, or to make room for a more urgent download.
        reason: PauseReason,
    },
    /// Waiting before attempt `attempt`; `without_progress` attempts in a row brought no new
    /// bytes (see [`super::DownloadState::Retrying`]).
    #[serde(rename_all = "camelCase")]
    Retrying {
        /// The attempt about to be made.
        attempt: u32,
        /// Why the previous attempt failed.
        reason: PackError,
        /// How long the wait before it is.
        delay_ms: u64,
        /// Attempts in a row that brought no new bytes.
        without_progress: u32,
    },
    /// A stopped attempt's worker has ended (after a pause, a preemption or a failed
    /// attempt): the partial file holds `bytes_done` bytes. Progress is reported at most every
    /// 100 ms while bytes arrive, so this corrects what was last reported.
    #[serde(rename_all = "camelCase")]
    Kept {
        /// Bytes in the partial file.
        bytes_done: u64,
    },
    /// Every byte arrived: size and SHA-256 are being checked.
    Verifying,
    /// Complete and verified at the destination.
    Finished {
        /// The file's SHA-256.
        sha256: Sha256Digest,
        /// The file's size in bytes.
        size: u64,
    },
    /// Failed for good (or until space is freed, for `diskFull`).
    Failed {
        /// What went wrong.
        error: PackError,
    },
    /// Cancelled; the partial file is removed.
    Cancelled,
    /// Priority or order changed.
    Reordered,
    /// Still queued, for another reason than before: its server is at the per-host limit
    /// while slots are free, or (again) every slot is busy. Sent only when the reason changes;
    /// a download just queued waits for a slot.
    Waiting {
        /// Why.
        reason: Wait,
    },
}
