//! What a download is (`BAURLDownload`): its request, its state, and the record the engine keeps
//! of it. The state is an enum carrying its data; Apple's `BADownload` states (created, waiting,
//! downloading, finished, failed) are derived from it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use url::Url;

use crate::model::{DomainPattern, Header, PackError, Progress, Sha256Digest};

/// What lets a later request resume the same bytes (it lives with the resume logic).
pub use super::resume::Validator;

/// A download's priority: higher downloads first. Apple's range is any integer, with
/// [`Priority::DEFAULT`] in the middle; [`Priority::MAX`] is also what "move to top" sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Priority(pub i64);

impl Priority {
    /// The lowest priority: downloads after everything else.
    pub const MIN: Self = Self(i64::MIN);
    /// The priority a download has unless asked otherwise.
    pub const DEFAULT: Self = Self(0);
    /// The highest priority: what "move to top" sets. It runs before everything, essential
    /// downloads included, and may take a background download's slot.
    pub const MAX: Self = Self(i64::MAX);
    /// The foreground band: a download at this priority or above was asked for by a person or
    /// an app now (a pack's Download button, `ensure`), so it runs before background work
    /// and may take a background download's slot when every slot is busy.
    pub const FOREGROUND: Self = Self(1 << 40);

    /// Whether this priority is in the foreground band (or is the top).
    pub fn is_foreground(self) -> bool {
        self >= Self::FOREGROUND
    }
}

impl Default for Priority {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What to download and where (`BAURLDownload`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadRequest {
    /// The identifier, unique among the engine's downloads.
    pub id: String,
    /// Where the bytes come from (http or https).
    pub url: Url,
    /// Other URLs of the same bytes (mirrors, presigned URLs), tried in order of measured
    /// speed and moved to when one fails (see `engine::origins`). Needs a pinned SHA-256:
    /// only the digest can tell that bytes from two servers belong together.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<Url>,
    /// The finished file; bytes arrive first in `DESTINATION.partial`.
    pub destination: PathBuf,
    /// The exact size, when known: checked before install and used for the free-space check.
    pub expected_size: Option<u64>,
    /// The most bytes the file may have when its size is not known (an app's download
    /// allowance left): more fails the download (`sessionDownloadAllowanceExceeded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// The SHA-256 the file must have.
    pub sha256: Option<Sha256Digest>,
    /// Higher downloads first, after essential downloads.
    #[serde(default)]
    pub priority: Priority,
    /// Essential downloads start before all others and may pause others to get a slot.
    #[serde(default)]
    pub essential: bool,
    /// The hosts the download (and every redirect on its way) may come from; empty allows any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_hosts: Vec<DomainPattern>,
    /// Headers an app added (a bearer token, a cookie), sent on every request of this
    /// download to its own origin, never to another one a redirect leads to. Saved with the
    /// queue, which is why the engine's state file is readable by its owner only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
}

impl DownloadRequest {
    /// A request with default priority and nothing known about the file.
    pub fn new(id: impl Into<String>, url: Url, destination: impl Into<PathBuf>) -> Self {
        Self {
            id: id.into(),
            url,
            mirrors: Vec::new(),
            destination: destination.into(),
            expected_size: None,
            max_size: None,
            sha256: None,
            priority: Priority::DEFAULT,
            essential: false,
            allowed_hosts: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// `DESTINATION.partial`, where bytes arrive.
    pub fn partial_path(&self) -> PathBuf {
        crate::store::atomic::partial_path(&self.destination)
    }
}

/// Why a download is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PauseReason {
    /// A person or a client asked; only a resume restarts it.
    Requested,
    /// An essential or top-priority download needed the slot; it restarts by itself.
    Preempted,
}

/// Where a download is in its life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum DownloadState {
    /// Waiting for a slot.
    Queued,
    /// Opening the connection.
    Connecting,
    /// Bytes are arriving.
    Downloading,
    /// Checking size and SHA-256, then moving into place.
    Verifying,
    /// Stopped, the partial file kept.
    Paused {
        /// By a user, or to make room for a more urgent download.
        reason: PauseReason,
    },
    /// Waiting `delay_ms` before attempt `attempt` (counted since the last success or resume),
    /// after `reason`; `without_progress` attempts in a row brought no new bytes (the retry
    /// budget counts only those). Not a failure: [`DownloadState::describe`] says so.
    #[serde(rename_all = "camelCase")]
    Retrying {
        /// The attempt about to be made, counted since the last success or resume.
        attempt: u32,
        /// Why the previous attempt failed.
        reason: PackError,
        /// How long the wait before it is.
        delay_ms: u64,
        /// Attempts in a row that brought no new bytes.
        #[serde(default)]
        without_progress: u32,
    },
    /// Complete and verified at the destination.
    Finished,
    /// Failed for good (or until space is freed, for `diskFull`).
    Failed {
        /// What went wrong.
        error: PackError,
    },
    /// Cancelled; the partial file is removed.
    Cancelled,
}

impl DownloadState {
    /// Whether a worker is (or should be) running for it.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Connecting | Self::Downloading | Self::Verifying)
    }

    /// Whether nothing more will happen without a command.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Finished | Self::Failed { .. } | Self::Cancelled)
    }

    /// The state in a sentence for people; a retry says why and when, e.g. `…: stalled: no
    /// bytes for 30 s after 120 bytes; retrying in 4 s, attempt 2 without progress`.
    pub fn describe(&self) -> String {
        match self {
            Self::Retrying {
                reason,
                delay_ms,
                without_progress,
                ..
            } => super::retry::explain(reason, *delay_ms, *without_progress),
            Self::Paused { reason } => format!("paused ({reason:?})"),
            Self::Failed { error } => format!("failed: {error}"),
            other => other.apple_state().to_string(),
        }
    }

    /// Apple's `BADownload` state name: created, waiting, downloading, finished or failed.
    pub fn apple_state(&self) -> &'static str {
        match self {
            Self::Queued | Self::Paused { .. } | Self::Retrying { .. } => "waiting",
            Self::Connecting | Self::Downloading | Self::Verifying => "downloading",
            Self::Finished => "finished",
            Self::Failed { .. } | Self::Cancelled => "failed",
        }
    }
}

/// Everything the engine knows about one download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Download {
    /// What was asked.
    pub request: DownloadRequest,
    /// Where it stands now.
    pub state: DownloadState,
    /// Order of arrival: the tie-breaker after essential and priority.
    pub sequence: u64,
    /// Bytes in the partial file (or the whole file once finished).
    pub bytes_done: u64,
    /// The total, from the request or the server.
    pub bytes_total: Option<u64>,
    /// Attempts made since the last success or resume.
    pub attempts: u32,
    /// What the retry budget counts: attempts in a row without new bytes.
    #[serde(default)]
    pub budget: super::retry::Budget,
    /// Times the SHA-256 did not match.
    #[serde(default)]
    pub checksum_failures: u32,
    /// What lets the next attempt resume the same bytes.
    #[serde(default)]
    pub validator: Validator,
    /// The partial file cannot be trusted: the next attempt starts from byte 0.
    #[serde(default)]
    pub discard_partial: bool,
    /// The last attempt's error, kept while the download retries.
    pub last_error: Option<PackError>,
    /// The finished file's SHA-256, computed while it streamed.
    #[serde(default)]
    pub sha256: Option<Sha256Digest>,
    /// Which of the request's origins the download uses (0: its URL, then its mirrors).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub origin: usize,
    /// Bytes per second over the last second or so; not persisted.
    #[serde(skip)]
    pub bytes_per_second: u64,
    /// Connections its running attempt has open (a segmented download may have several); 0
    /// when none runs. The per-host cap counts them. Not persisted.
    #[serde(skip)]
    pub connections: usize,
    /// Why it has not started, while queued (told in [`super::EventKind::Waiting`] when it
    /// changes). Not persisted.
    #[serde(skip)]
    pub wait: super::scheduler::Wait,
}

impl Download {
    /// A new queued download.
    pub fn new(request: DownloadRequest, sequence: u64) -> Self {
        Self {
            bytes_total: request.expected_size,
            request,
            state: DownloadState::Queued,
            sequence,
            bytes_done: 0,
            attempts: 0,
            budget: Default::default(),
            checksum_failures: 0,
            validator: Validator::default(),
            discard_partial: false,
            last_error: None,
            sha256: None,
            origin: 0,
            bytes_per_second: 0,
            connections: 0,
            wait: Default::default(),
        }
    }

    /// Progress for events and snapshots.
    pub fn progress(&self) -> Progress {
        Progress {
            bytes_done: self.bytes_done,
            bytes_total: self.bytes_total.unwrap_or(0),
            bytes_per_second: self.bytes_per_second,
        }
    }

    /// The URL the download uses now: its request's URL, or the mirror it moved to.
    pub fn url(&self) -> &Url {
        super::origins::url(&self.request, self.origin)
    }

    /// The host the download connects to, for the per-host cap.
    pub fn host(&self) -> &str {
        self.url().host_str().unwrap_or_default()
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
