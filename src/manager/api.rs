//! The manager's one command vocabulary, as data: the desktop window, the tray, `bgassets ctl`,
//! the local socket and the Rust client all send these [`Request`]s and get the verb's typed
//! [`Response`] or an [`ApiError`] back. The socket protocol (`docs/protocol.md`) is this enum in
//! JSON: `{"method": "pause", "params": {"selection": {"app": "org.example.game"}}}`.
//!
//! - [`response`]: [`Response`], one variant per verb, and how a client reads a JSON result.
//! - [`calls`]: [`ManagerApi`], one typed method per verb, for the handle and the socket alike;
//!   [`download_calls`]: [`AppDownloadApi`], the same for apps' own downloads.
//! - `target`: each request's method name and [`Target`] (what it reaches, for the socket's
//!   authority); `error`: [`ApiError`].

pub mod calls;
pub mod download_calls;
mod error;
pub mod response;
mod target;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::engine::Limits;
use crate::model::DownloadSpec;

pub use calls::ManagerApi;
pub use download_calls::AppDownloadApi;
pub use error::ApiError;
pub use response::{LeaseView, Mismatch, Registered, Response, Updates};
pub use target::Target;

/// One pack of one app.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackRef {
    /// The app's bundle id.
    pub app: String,
    /// The pack's id.
    pub pack: String,
}

impl PackRef {
    /// `pack` of `app`.
    pub fn new(app: impl Into<String>, pack: impl Into<String>) -> Self {
        Self {
            app: app.into(),
            pack: pack.into(),
        }
    }
}

/// Which packs a command applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Selection {
    /// Every pack of every app.
    All,
    /// Every pack of one app.
    App(String),
    /// These packs.
    Packs(Vec<PackRef>),
}

impl Selection {
    /// One pack.
    pub fn pack(app: impl Into<String>, pack: impl Into<String>) -> Self {
        Self::Packs(vec![PackRef::new(app, pack)])
    }

    /// Whether `pack` of `app` is selected.
    pub fn contains(&self, app: &str, pack: &str) -> bool {
        match self {
            Self::All => true,
            Self::App(a) => a == app,
            Self::Packs(packs) => packs.iter().any(|p| p.app == app && p.pack == pack),
        }
    }
}

/// Where to move a pack in its app's download order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Move {
    /// Ahead of everything (it may pause a running download to start).
    Top,
    /// One place earlier.
    Up,
    /// One place later.
    Down,
}

/// Limits to change; absent fields keep their value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitsPatch {
    /// Downloads running at once (at least 1).
    pub max_concurrent: Option<usize>,
    /// Downloads running at once from one host (at least 1).
    pub max_per_host: Option<usize>,
    /// Bytes per second; `0` removes the limit.
    pub bytes_per_second: Option<u64>,
}

impl LimitsPatch {
    /// `limits` with this patch applied.
    pub fn apply(&self, mut limits: Limits) -> Limits {
        if let Some(n) = self.max_concurrent {
            limits.max_concurrent = n.max(1);
        }
        if let Some(n) = self.max_per_host {
            limits.max_per_host = n.max(1);
        }
        if let Some(rate) = self.bytes_per_second {
            limits.bytes_per_second = (rate > 0).then_some(rate);
        }
        limits
    }
}

/// Everything the manager can be asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", content = "params", rename_all = "camelCase")]
pub enum Request {
    /// The whole state: every app and pack (`ctl status --json`). Result: a `StatusDocument`.
    Status,
    /// What changed in the status document since the generation `since` (a document's or a
    /// previous answer's `generation`): the packs and apps that changed, or the whole state when
    /// `since` is unknown or too old. Result: a `StatusDelta`.
    #[serde(rename_all = "camelCase")]
    StatusChanges {
        /// The generation the caller holds.
        since: u64,
    },
    /// Every pack one app's manifest declares (`allAssetPacks`). Result: `[PackView]`.
    #[serde(rename_all = "camelCase")]
    AllAssetPacks {
        /// The app's bundle id.
        app: String,
    },
    /// One pack (`assetPack(withID:)`, `status(ofAssetPackWithID:)`). Result: a `PackView`.
    #[serde(rename_all = "camelCase")]
    AssetPack {
        /// The app's bundle id.
        app: String,
        /// The pack's id.
        pack: String,
    },
    /// Register an app from its Info.plist or a folder holding one. Result: an `AppView`.
    #[serde(rename_all = "camelCase")]
    Register {
        /// The Info.plist, or a folder holding one.
        path: PathBuf,
    },
    /// Forget an app and remove its installed packs. Result: bytes freed.
    #[serde(rename_all = "camelCase")]
    Unregister {
        /// The app's bundle id.
        app: String,
    },
    /// Download (if needed) and install a pack (`ensureLocalAvailability`). Result: a `PackView`
    /// at once; follow the events, or `waitUntilInstalled`, for the end.
    #[serde(rename_all = "camelCase")]
    Ensure {
        /// The app's bundle id.
        app: String,
        /// The pack's id.
        pack: String,
        /// Read the manifest first, and have the version it lists now.
        #[serde(default)]
        require_latest: bool,
    },
    /// Pause downloads. Result: how many changed.
    #[serde(rename_all = "camelCase")]
    Pause {
        /// The packs to pause.
        selection: Selection,
    },
    /// Resume paused downloads and retry failed ones. Result: how many changed.
    #[serde(rename_all = "camelCase")]
    Resume {
        /// The packs to resume.
        selection: Selection,
    },
    /// Move a pack in the download order. Result: null.
    #[serde(rename_all = "camelCase")]
    Prioritize {
        /// The app's bundle id.
        app: String,
        /// The pack's id.
        pack: String,
        /// Where to move it.
        to: Move,
    },
    /// Remove an installed pack (`remove(assetPackWithID:)`), cancelling its download. Result:
    /// bytes freed.
    #[serde(rename_all = "camelCase")]
    Remove {
        /// The app's bundle id.
        app: String,
        /// The pack's id.
        pack: String,
    },
    /// Re-read manifests (`checkForUpdates`). Result: `{"updating": [PackRef], "removed": [PackRef]}`.
    #[serde(rename_all = "camelCase")]
    CheckUpdates {
        /// The app whose manifest to read; every app's when absent.
        #[serde(default)]
        app: Option<String>,
    },
    /// Change download limits live. Result: the new `Limits`.
    #[serde(rename_all = "camelCase")]
    SetLimits {
        /// The limits to change.
        limits: LimitsPatch,
    },
    /// Set the preferred languages (BCP 47 tags, best first); empty uses the environment's.
    /// Result: the languages in force.
    #[serde(rename_all = "camelCase")]
    SetLanguages {
        /// BCP 47 tags, best first.
        languages: Vec<String>,
    },
    /// The absolute path of a file inside an installed pack (`url(for:)`). Result: a path.
    #[serde(rename_all = "camelCase")]
    FilePath {
        /// The app's bundle id.
        app: String,
        /// The pack's id.
        pack: String,
        /// The file's path inside the pack, `/`-separated.
        path: String,
    },
    /// An app connection becomes its app's downloader extension (no params on the socket):
    /// the manager pushes it `extensionRequest` lines from now on (`docs/extensions.md`).
    /// Result: `{"registered": true}`.
    #[serde(rename_all = "camelCase")]
    RegisterExtension {
        /// The connection's side, filled in by the socket server (never sent on the wire).
        #[serde(skip)]
        connection: Option<crate::extension::ConnectedExtension>,
    },
    /// A connection extension's answer to the pushed request `id`; the connection that
    /// received the request takes it. Result: null.
    #[serde(rename_all = "camelCase")]
    ExtensionAnswer {
        /// The pushed request's id.
        id: u64,
        /// The answer, as for a process extension.
        answer: serde_json::Value,
    },
    // Apps' own downloads (`BADownloadManager`): app-scoped, an app for itself only.
    /// Schedule an app download (`scheduleDownload`). Result: an `AppDownloadView`.
    #[serde(rename_all = "camelCase")]
    ScheduleDownload {
        /// The app's bundle id.
        app: String,
        /// The download, validated as it is read.
        download: Box<DownloadSpec>,
        /// The caller's exclusive-control lease, if it holds one (the socket fills it in for
        /// the connection that took it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lease: Option<u64>,
    },
    /// The app's downloads (`currentDownloads`). Result: `[AppDownloadView]`.
    #[serde(rename_all = "camelCase")]
    CurrentDownloads {
        /// The app's bundle id.
        app: String,
    },
    /// Cancel and forget an app download (its partial file is deleted; a finished one's file
    /// stays in the container). Result: null.
    #[serde(rename_all = "camelCase")]
    CancelDownload {
        /// The app's bundle id.
        app: String,
        /// The download's identifier.
        identifier: String,
        /// The caller's exclusive-control lease, if it holds one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lease: Option<u64>,
    },
    /// Schedule the download if needed and move it to the foreground band
    /// (`startForegroundDownload`). Result: an `AppDownloadView`.
    #[serde(rename_all = "camelCase")]
    StartForegroundDownload {
        /// The app's bundle id.
        app: String,
        /// The download.
        download: Box<DownloadSpec>,
        /// The caller's exclusive-control lease, if it holds one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lease: Option<u64>,
    },
    /// Take the app's exclusive control of its downloads, waiting up to `waitMs` (at most
    /// 30 000) for another holder; it ends after `holdMs` (at most 60 000), on release, or when
    /// the connection closes. Result: `{"lease", "expiresAtMs"}`.
    #[serde(rename_all = "camelCase")]
    AcquireExclusiveControl {
        /// The app's bundle id.
        app: String,
        /// How long to wait for another holder, in milliseconds.
        wait_ms: u64,
        /// How long to hold it at most, in milliseconds.
        hold_ms: u64,
    },
    /// End an exclusive-control lease. Result: null.
    #[serde(rename_all = "camelCase")]
    ReleaseExclusiveControl {
        /// The app's bundle id.
        app: String,
        /// The lease `acquireExclusiveControl` gave.
        lease: u64,
    },
}
