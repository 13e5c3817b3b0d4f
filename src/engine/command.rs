//! The one command vocabulary: the CLI, the GUI, the socket server and tests all drive the engine
//! with these, each verb aimed at some [`Targets`] (downloads by id, or all).

use tokio::sync::oneshot;
use url::Url;

use super::download::{DownloadRequest, Priority};
use super::{EngineError, Limits, Snapshot};
use crate::model::Sha256Digest;

/// Which downloads a command applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// These identifiers.
    Ids(Vec<String>),
    /// Every download.
    All,
}

impl Targets {
    /// One identifier.
    pub fn one(id: impl Into<String>) -> Self {
        Self::Ids(vec![id.into()])
    }

    /// Whether `id` is selected.
    pub fn contains(&self, id: &str) -> bool {
        match self {
            Self::Ids(ids) => ids.iter().any(|i| i == id),
            Self::All => true,
        }
    }
}

/// The same bytes of download `id`, now at `url`: the caller vouches that they are the same
/// by the SHA-256, which must be the one the download already pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocation {
    /// The download's id.
    pub id: String,
    /// Where the bytes are fetched from now on.
    pub url: Url,
    /// The SHA-256 the download already pins.
    pub sha256: Sha256Digest,
}

/// A reply channel: every command says whether it was accepted.
pub type Reply<T> = oneshot::Sender<Result<T, EngineError>>;

/// What the engine can be asked to do.
#[derive(Debug)]
pub enum Command {
    /// Schedule a download (`scheduleDownload`). An identical request for a download that is
    /// paused, failed or cancelled starts it again from its partial file.
    Enqueue(Box<DownloadRequest>, Reply<()>),
    /// The same bytes are now at another URL: continue there from the partial file. `false`
    /// when nothing changed.
    Relocate(Relocation, Reply<bool>),
    /// Pause; partial files are kept.
    Pause(Targets, Reply<usize>),
    /// Resume paused or failed downloads.
    Resume(Targets, Reply<usize>),
    /// Cancel and delete partial files.
    Cancel(Targets, Reply<usize>),
    /// Forget finished, failed and cancelled downloads.
    Forget(Targets, Reply<usize>),
    /// Change one download's priority.
    SetPriority(String, Priority, Reply<()>),
    /// Put one download ahead of all others (it may pause a running one to start).
    MoveToTop(String, Reply<()>),
    /// Change the limits (concurrency, per host, bandwidth) live.
    SetLimits(Limits, Reply<()>),
    /// A copy of every download's state.
    Snapshot(oneshot::Sender<Snapshot>),
}
