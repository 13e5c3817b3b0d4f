//! Apps' own downloads (`BADownloadManager` / `BAURLDownload`): URLs an app schedules over the
//! socket, or its downloader extension asks for in answer to a content request. Not packs: the
//! verified file is moved, as it is, to `CONTAINER/Background Downloads/IDENTIFIER`.
//!
//! - this file: what is saved per download ([`AppDownloadRecord`], in
//!   [`AppRecord::downloads`](super::state::AppRecord::downloads)) and what is shown
//!   ([`AppDownloadView`]); who scheduled it ([`Scheduler`]).
//! - [`rules`]: the pure checks a new download passes (allow list, essential, allowance,
//!   duplicates) and launch readiness's share of essential downloads.
//! - [`place`]: moving the verified file into the container without overwriting what the
//!   manager did not put there.
//! - `verbs`: schedule, list, cancel, foreground (part of the actor);
//! - `follow`: the engine's events for `download:` keys, and the restart (part of the actor).
//! - [`told`]: what the app's downloader extension hears of them (finished, failed, auth).

pub(in crate::manager) mod control;
mod follow;
pub mod place;
mod restore;
pub mod rules;
pub mod told;
mod verbs;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::{ContentKind, DownloadSpec, PackError, Progress, Sha256Digest};

pub use rules::{essential_launch, is_paused};

/// The folder of an app's container that receives its downloads: a name no pack id can
/// produce (pack folders have no spaces).
pub const CONTAINER_FOLDER: &str = "Background Downloads";

/// Who scheduled an app download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "by")]
pub enum Scheduler {
    /// The app, over the socket (`scheduleDownload`, `startForegroundDownload`).
    App,
    /// The app's downloader extension, answering a content request of this kind.
    Extension {
        /// The content request it answered.
        content: ContentKind,
    },
}

/// Where an app download is, in Apple's `BADownload` states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum AppDownloadState {
    /// Scheduled, waiting for a slot (or paused, or between retries).
    Waiting,
    /// Bytes are arriving (or being verified).
    Downloading,
    /// Verified and moved into the container.
    Finished {
        /// Where the file is now.
        path: PathBuf,
    },
    /// Failed for good; nothing was put in the container.
    Failed {
        /// Why.
        error: PackError,
    },
}

impl AppDownloadState {
    /// Apple's name: `waiting`, `downloading`, `finished` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Downloading => "downloading",
            Self::Finished { .. } => "finished",
            Self::Failed { .. } => "failed",
        }
    }

    /// Whether nothing more will happen to it.
    pub fn is_over(&self) -> bool {
        matches!(self, Self::Finished { .. } | Self::Failed { .. })
    }
}

/// One app download as the manager saves it: what was asked (the spec, by whom, foreground)
/// apart from what was seen (the state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDownloadRecord {
    /// What was asked, validated.
    pub spec: DownloadSpec,
    /// Who asked.
    pub scheduled_by: Scheduler,
    /// When (Unix time in milliseconds).
    pub scheduled_at_ms: u64,
    /// Moved to the foreground band (`startForegroundDownload`).
    #[serde(default)]
    pub foreground: bool,
    /// Where it is.
    pub state: AppDownloadState,
    /// The file this identifier's download (this one or an earlier one) put in the
    /// container: the only file there the manager may replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed: Option<PathBuf>,
    /// That file's identity when it was placed ([`place::file_id`]): a file put at the same
    /// path since is not the manager's to replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_id: Option<[u64; 3]>,
    /// For a download of unknown size scheduled while an allowance applies: the bytes of the
    /// allowance it reserved (all that was left), which is also the most the engine lets it
    /// write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<u64>,
    /// The server's refusal (401 or 403) the app's extension was asked to answer with
    /// credentials: set, the download is tried once more and then fails with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_error: Option<PackError>,
    /// Bytes done and the total, while it downloads; not saved (the engine's queue has it).
    #[serde(skip)]
    pub progress: Option<Progress>,
    /// Why it waits, as the engine last said (a slot, a retry and its reason, disk space);
    /// not saved.
    #[serde(skip)]
    pub detail: Option<String>,
}

/// An app download as the socket, `ctl` and the window show it. Headers are shown by name
/// only: their values may be secrets (a bearer token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDownloadView {
    /// The app's bundle id.
    pub app: String,
    /// The download's identifier (its file's name).
    pub identifier: String,
    /// Where it comes from (a query, such as a signed URL's signature, shows as `?…`).
    pub url: String,
    /// The names of the headers it sends.
    #[serde(default)]
    pub header_names: Vec<String>,
    /// Part of the app's installation: gates launch readiness.
    pub essential: bool,
    /// The exact size, when known.
    #[serde(default)]
    pub expected_size: Option<u64>,
    /// The SHA-256 it must have, when known.
    #[serde(default)]
    pub sha256: Option<Sha256Digest>,
    /// The app's priority for it.
    pub priority: i64,
    /// In the foreground band (`startForegroundDownload`).
    pub foreground: bool,
    /// Held by a person's pause of its app or of everything (`pause`): it stays `waiting`
    /// until resumed.
    #[serde(default)]
    pub paused: bool,
    /// Who scheduled it.
    pub scheduled_by: Scheduler,
    /// When (Unix time in milliseconds).
    pub scheduled_at_ms: u64,
    /// `waiting`, `downloading`, `finished` or `failed`.
    pub state: String,
    /// Bytes done and the total, while it downloads.
    #[serde(default)]
    pub progress: Option<Progress>,
    /// Why it waits, in a sentence (`waiting` only): for a download slot, paused by you,
    /// preempted, a retry and its reason, disk space.
    #[serde(default)]
    pub detail: Option<String>,
    /// Where the file is, once finished.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<PackError>,
    /// Whether the app's extension may veto it (never: an app download was asked for by the app
    /// or its extension itself).
    pub vetoable: bool,
}

impl AppDownloadRecord {
    /// A download just scheduled by `by`.
    pub fn new(spec: DownloadSpec, by: Scheduler, now_ms: u64) -> Self {
        Self {
            spec,
            scheduled_by: by,
            scheduled_at_ms: now_ms,
            foreground: false,
            state: AppDownloadState::Waiting,
            placed: None,
            placed_id: None,
            reserved: None,
            auth_error: None,
            progress: None,
            detail: None,
        }
    }

    /// Its view, for app `app`; `paused` when a person paused the app or everything.
    pub fn view(&self, app: &str, paused: bool) -> AppDownloadView {
        let (path, error) = match &self.state {
            AppDownloadState::Finished { path } => (Some(path.clone()), None),
            AppDownloadState::Failed { error } => (None, Some(error.clone())),
            _ => (None, None),
        };
        AppDownloadView {
            app: app.to_string(),
            identifier: self.spec.identifier.to_string(),
            url: crate::model::url_shown::shown_url(&self.spec.url),
            header_names: self.spec.headers.iter().map(|h| h.name.clone()).collect(),
            essential: self.spec.essential,
            expected_size: self.spec.expected_size,
            sha256: self.spec.sha256,
            priority: self.spec.priority,
            foreground: self.foreground,
            paused: paused && !self.state.is_over(),
            scheduled_by: self.scheduled_by,
            scheduled_at_ms: self.scheduled_at_ms,
            state: self.state.name().to_string(),
            progress: self.progress.filter(|_| !self.state.is_over()),
            detail: match self.state {
                AppDownloadState::Waiting if paused => Some("paused by you".into()),
                AppDownloadState::Waiting => self.detail.clone(),
                _ => None,
            },
            path,
            error,
            vetoable: false,
        }
    }
}
