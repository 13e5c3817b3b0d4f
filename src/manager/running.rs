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
}

/// An install ended: the actor takes its result from the task.
pub struct InstallDone {
    pub key: DownloadKey,
}
