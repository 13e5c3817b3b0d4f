//! What the engine tells observers: every change of a download's state, and progress at a
//! bounded rate. Events go out on a broadcast channel; a slow observer that falls behind can
//! catch up with a snapshot.

use serde::Serialize;

use crate::model::{PackError, Progress, Sha256Digest};

use super::download::PauseReason;

/// One thing that happened to download `id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The kinds of [`Event`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum EventKind {
    Queued,
    /// A worker took it (attempt number `attempt`), resuming from `from_byte`.
    #[serde(rename_all = "camelCase")]
    Started {
        attempt: u32,
        from_byte: u64,
    },
    /// Bytes arrived; sent at most every 100 ms per download.
    #[serde(rename_all = "camelCase")]
    Progress {
        progress: Progress,
        eta_seconds: Option<u64>,
    },
    Paused {
        reason: PauseReason,
    },
    /// Waiting before attempt `attempt`; `without_progress` attempts in a row brought no new
    /// bytes (see [`super::DownloadState::Retrying`]).
    #[serde(rename_all = "camelCase")]
    Retrying {
        attempt: u32,
        reason: PackError,
        delay_ms: u64,
        without_progress: u32,
    },
    Verifying,
    Finished {
        sha256: Sha256Digest,
        size: u64,
    },
    Failed {
        error: PackError,
    },
    Cancelled,
    /// Priority or order changed.
    Reordered,
}
