//! An install running off the actor, and the word that it ended: what the actor keeps of each
//! install it started (see `installs.rs`).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::key::DownloadKey;
use crate::install::Installed;
use crate::model::PackError;

/// An install running off the actor.
pub struct RunningInstall {
    /// Which version.
    pub key: DownloadKey,
    /// Set to stop it between entries.
    pub cancel: Arc<AtomicBool>,
    /// The blocking install.
    pub task: tokio::task::JoinHandle<Result<Installed, PackError>>,
    /// For a delta update: what it did, once done.
    pub delta: Option<Arc<DeltaRun>>,
}

/// What a delta update (run as an install) reports besides its result.
#[derive(Debug, Default)]
pub struct DeltaRun {
    /// Bytes received so far.
    pub received: std::sync::atomic::AtomicU64,
    /// Files reused and fetched, once it succeeded.
    pub done: std::sync::Mutex<Option<(usize, usize)>>,
}

/// An install ended: the actor takes its result from the task.
pub struct InstallDone {
    pub key: DownloadKey,
}
